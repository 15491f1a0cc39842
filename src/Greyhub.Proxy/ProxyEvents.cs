namespace Greyhub.Proxy;

/// <summary>
/// Every log event id of the proxy brick, in one place so none is used twice (<c>ProxyEventIdTests</c> checks each
/// <c>[LoggerMessage]</c> against this class). Ids are stable: operators filter on them. Ranges: 61x forwarding,
/// 62x routes and the REST API, 63x the standalone host. They keep the numbers these events had inside the hub.
/// </summary>
internal static class ProxyEvents
{
    // 61x: forwarding.
    public const int ConnectFailed = 610;
    public const int NoAnswer = 611;
    public const int HeadTooLarge = 612;
    public const int InvalidHead = 613;
    public const int CutShort = 614;
    public const int Failed = 615;
    public const int ErrorTargetFailed = 616;

    // 62x: routes.
    public const int RouteAdded = 620;
    public const int RouteRemoved = 621;
    public const int ApiRefused = 622;

    // 63x: the standalone host.
    public const int ApiNotAuthenticated = 630;
    public const int Listening = 631;
}
