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
    private readonly List<HttpClient> _clients = [];
    private readonly TimeSpan _apiTimeout;
    private volatile Target _target;

    public HubProxy(IProxyRoutes inProcess, IOptions<ExternalProxyOptions> external, IOptions<HubOptions> hub)
    {
        var options = external.Value;
        _apiTimeout = options.ApiTimeout;
        if (options.ApiUrl is not { } api)
        {
            _target = new Target(inProcess, null, "");
            return;
        }
        IsExternal = true;
        PidFile = Path.Combine(hub.Value.DataDir, "proxy.pid");
        LogFile = Path.Combine(hub.Value.DataDir, "proxy.log");
        _target = Connect(api, options.AuthToken.Length > 0 ? options.AuthToken : KeptToken(hub.Value.DataDir));
    }

    /// <summary>The route table the hub's routes go to.</summary>
    public IProxyRoutes Routes => _target.Routes;

    /// <summary>Whether the proxy runs outside the hub.</summary>
    public bool IsExternal { get; }

    /// <summary>The external proxy's API token (empty in-process).</summary>
    public string AuthToken => _target.AuthToken;

    /// <summary>The external proxy's REST API (null in-process).</summary>
    public Uri? ApiUrl => _target.ApiUrl;

    /// <summary>
    /// Points the hub at another external proxy, or the same one with another token (JupyterHub's <c>PATCH /api/proxy</c>:
    /// "a new proxy is in charge"). Calls in flight finish on the old client; new ones use the new.
    /// </summary>
    public void Retarget(Uri? apiUrl, string? authToken)
    {
        if (!IsExternal)
        {
            throw new InvalidOperationException("The proxy runs inside the hub: it has no API to point at.");
        }
        lock (_clients)
        {
            var current = _target;
            _target = Connect(apiUrl ?? current.ApiUrl!, authToken ?? current.AuthToken);
        }
    }

    private Target Connect(Uri api, string authToken)
    {
        // Never through an HTTP proxy of the environment: the API is the hub's own neighbour.
        var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(3) })
        {
            BaseAddress = new Uri(api.ToString().TrimEnd('/') + "/"),
            Timeout = _apiTimeout,
        };
        lock (_clients)
        {
            _clients.Add(http);
        }
        return new Target(new ConfigurableHttpProxyClient(http, authToken), api, authToken);
    }

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

    public void Dispose()
    {
        lock (_clients)
        {
            foreach (var client in _clients)
            {
                client.Dispose();
            }
        }
    }

    /// <summary>Where routes go, swapped as one.</summary>
    private sealed record Target(IProxyRoutes Routes, Uri? ApiUrl, string AuthToken);
}
