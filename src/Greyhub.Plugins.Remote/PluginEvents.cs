namespace Greyhub.Plugins.Remote;

/// <summary>Stable event ids of the plug-in log lines (81xx).</summary>
internal static class PluginEvents
{
    public const int Handshake = 8101;
    public const int Retry = 8102;
    public const int Started = 8103;
    public const int Exited = 8104;
    public const int Unhealthy = 8105;
    public const int StartFailed = 8106;
    public const int Stopped = 8107;
}
