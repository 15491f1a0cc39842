namespace Greyhub.Host;

/// <summary>
/// Log event ids of the executable itself (9xx; the hub has 1xx–6xx and 1000+, the proxy 61x–63x). Stable: operators
/// filter on them.
/// </summary>
internal static class HostEvents
{
    public const int ConfigurationFile = 900;
    public const int NoConfigurationFile = 901;
}
