using System.Security.Cryptography;
using Greyhub.Abstractions.Proxy;
using Greyhub.Proxy;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Proxy;

/// <summary>
/// The proxy the hub drives: the brick inside this process, or an external one (configurable-http-proxy, or
/// <c>greyhub proxy</c>) through CHP's REST API when <see cref="ExternalProxyOptions.ApiUrl"/> is set.
/// </summary>
internal sealed class HubProxy : IDisposable
{
    private readonly TimeSpan _apiTimeout;
    // Clients of proxies the hub was told to leave (PATCH /hub/api/proxy): requests may still be in flight on them.
    private readonly List<HttpClient> _retired = [];
    private HttpClient? _http;
    private volatile IProxyRoutes _routes;

    public HubProxy(IProxyRoutes inProcess, IOptions<ExternalProxyOptions> external, IOptions<HubOptions> hub)
    {
        var options = external.Value;
        _apiTimeout = options.ApiTimeout;
        if (options.ApiUrl is not { } api)
        {
            _routes = inProcess;
            AuthToken = "";
            return;
        }
        IsExternal = true;
        PidFile = Path.Combine(hub.Value.DataDir, "proxy.pid");
        LogFile = Path.Combine(hub.Value.DataDir, "proxy.log");
        AuthToken = options.AuthToken.Length > 0 ? options.AuthToken : KeptToken(hub.Value.DataDir);
        ApiUrl = api;
        _http = ApiClient(api, _apiTimeout);
        _routes = new ConfigurableHttpProxyClient(_http, AuthToken);
    }

    /// <summary>The route table the hub's routes go to.</summary>
    public IProxyRoutes Routes => _routes;

    /// <summary>The external proxy's API URL (null in-process).</summary>
    public Uri? ApiUrl { get; private set; }

    /// <summary>
    /// The stop the shutdown API asked for (<c>{"proxy": ...}</c>): whether to stop a proxy the hub started, instead of
    /// <see cref="ExternalProxyOptions.Cleanup"/>; null when it did not say.
    /// </summary>
    public bool? CleanupAtShutdown { get; set; }

    /// <summary>
    /// Points the hub at another external proxy, or the same one with a new token (JupyterHub's
    /// <c>PATCH /hub/api/proxy</c>); false in-process, where there is no other proxy to point at.
    /// </summary>
    public bool Retarget(Uri? apiUrl, string? authToken)
    {
        if (!IsExternal)
        {
            return false;
        }
        lock (_retired)
        {
            ApiUrl = apiUrl ?? ApiUrl!;
            AuthToken = authToken ?? AuthToken;
            _retired.Add(_http!);
            _http = ApiClient(ApiUrl, _apiTimeout);
            _routes = new ConfigurableHttpProxyClient(_http, AuthToken);
        }
        return true;
    }

    /// <summary>Whether the proxy runs outside the hub.</summary>
    public bool IsExternal { get; }

    /// <summary>The external proxy's API token (empty in-process).</summary>
    public string AuthToken { get; private set; }

    /// <summary>JupyterHub's pid file of a proxy the hub starts, in the data folder (empty in-process).</summary>
    public string PidFile { get; } = "";

    /// <summary>Where a started proxy's output goes, and the hub reads it from (empty in-process).</summary>
    public string LogFile { get; } = "";

    /// <summary>
    /// A started proxy's token when none is configured: made once and kept (owner-only) in the data folder, so that a
    /// restarted hub still speaks to the proxy its predecessor started.
    /// </summary>
    private static string KeptToken(string dataDir)
    {
        var path = Path.Combine(dataDir, "proxy-token");
        if (File.Exists(path))
        {
            return File.ReadAllText(path).Trim();
        }
        Directory.CreateDirectory(dataDir);
        var token = Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant();
        using (var file = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
        using (var writer = new StreamWriter(file))
        {
            writer.Write(token);
        }
        return token;
    }

    // Never through an HTTP proxy of the environment: the API is the hub's own neighbour.
    private static HttpClient ApiClient(Uri api, TimeSpan timeout) =>
        new(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(3) })
        {
            BaseAddress = new Uri(api.ToString().TrimEnd('/') + "/"),
            Timeout = timeout,
        };

    public void Dispose()
    {
        _http?.Dispose();
        foreach (var client in _retired)
        {
            client.Dispose();
        }
    }
}
