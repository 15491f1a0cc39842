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
    private readonly HttpClient? _http;

    public HubProxy(IProxyRoutes inProcess, IOptions<ExternalProxyOptions> external, IOptions<HubOptions> hub)
    {
        var options = external.Value;
        if (options.ApiUrl is not { } api)
        {
            Routes = inProcess;
            AuthToken = "";
            return;
        }
        IsExternal = true;
        PidFile = Path.Combine(hub.Value.DataDir, "proxy.pid");
        LogFile = Path.Combine(hub.Value.DataDir, "proxy.log");
        AuthToken = options.AuthToken.Length > 0 ? options.AuthToken : KeptToken(hub.Value.DataDir);
        // Never through an HTTP proxy of the environment: the API is the hub's own neighbour.
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(3) })
        {
            BaseAddress = new Uri(api.ToString().TrimEnd('/') + "/"),
            Timeout = options.ApiTimeout,
        };
        Routes = new ConfigurableHttpProxyClient(_http, AuthToken);
    }

    /// <summary>The route table the hub's routes go to.</summary>
    public IProxyRoutes Routes { get; }

    /// <summary>Whether the proxy runs outside the hub.</summary>
    public bool IsExternal { get; }

    /// <summary>The external proxy's API token (empty in-process).</summary>
    public string AuthToken { get; }

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

    public void Dispose() => _http?.Dispose();
}
