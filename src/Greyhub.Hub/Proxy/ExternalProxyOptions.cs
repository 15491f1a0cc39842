namespace Greyhub.Hub.Proxy;

/// <summary>
/// A proxy outside the hub's process, driven through configurable-http-proxy's REST API
/// (<c>Greyhub:Proxy:External</c>; JupyterHub's <c>ConfigurableHTTPProxy</c> options in brackets). With no
/// <see cref="ApiUrl"/> the proxy runs inside the hub.
/// </summary>
public sealed class ExternalProxyOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Greyhub:Proxy:External";

    /// <summary>The environment variable the token is read from (and given to a started proxy in), as in JupyterHub and CHP.</summary>
    public const string AuthTokenVariable = "CONFIGPROXY_AUTH_TOKEN";

    /// <summary>The proxy's REST API, e.g. <c>http://127.0.0.1:8001</c> (<c>api_url</c>); null keeps the proxy in the hub.</summary>
    public Uri? ApiUrl { get; set; }

    /// <summary>
    /// The REST API's token (<c>auth_token</c>); empty takes <c>CONFIGPROXY_AUTH_TOKEN</c>. A proxy the hub starts gets
    /// one generated and kept in the data folder when neither is set, so a restarted hub can reuse its proxy.
    /// </summary>
    public string AuthToken { get; set; } = "";

    /// <summary>Where users reach the proxy, e.g. <c>http://0.0.0.0:8000</c> (<c>public_url</c>); needed to start one.</summary>
    public Uri? PublicUrl { get; set; }

    /// <summary>
    /// The command that starts the proxy (<c>command</c>, with <c>should_start</c> true when given), e.g.
    /// <c>["configurable-http-proxy"]</c> or <c>["dotnet", "greyhub.dll", "proxy"]</c>; CHP's flags are appended. Empty: the
    /// proxy is someone else's to run, and the hub only drives its routes.
    /// </summary>
    public List<string> Command { get; set; } = [];

    /// <summary>How often the hub checks that a proxy it started still runs, restarting it if not (<c>check_running_interval</c>).</summary>
    public TimeSpan CheckRunningInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest wait for the proxy's API to answer: after starting it, or at the hub's start for one it does not start.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest wait for one REST API call (JupyterHub's request timeout).</summary>
    public TimeSpan ApiTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Stop a proxy the hub started when the hub stops cleanly (JupyterHub's <c>cleanup_proxy</c>); never after a crash.</summary>
    public bool Cleanup { get; set; } = true;

    /// <summary>The proxy's <c>--log-level</c>; empty passes none.</summary>
    public string LogLevel { get; set; } = "info";

    /// <summary>Whether the proxy is external (an API URL is configured).</summary>
    public bool IsExternal => ApiUrl is not null;

    /// <summary>Whether the hub starts the proxy (a command is configured).</summary>
    public bool IsManaged => IsExternal && Command.Count > 0;
}
