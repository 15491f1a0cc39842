namespace Greyhub.Proxy.Sni;

/// <summary>
/// Every log event id of the SNI proxy, in one place so none is used twice. Ids are stable: operators filter on them.
/// Range 64x, next to the HTTP proxy's 61x–63x.
/// </summary>
internal static class SniEvents
{
    public const int Listening = 640;
    public const int Refused = 641;
    public const int UnknownName = 642;
    public const int ConnectFailed = 643;
    public const int TooManyConnections = 644;
    public const int Failed = 645;
    public const int RouteSet = 646;
    public const int RouteRemoved = 647;
    public const int AcceptFailed = 648;
    public const int SlowClient = 649;
}
