using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub;

/// <summary>
/// Where the hub itself is reached from servers and from an external proxy (JupyterHub's <c>hub.host</c>): configured
/// (<c>Greyhub:Servers:HubConnectUrl</c>) or taken from where Kestrel listens, so it is known only once the hub listens.
/// </summary>
internal sealed class HubAddress(IOptions<HubOptions> options, IServer server)
{
    private string? _connectUrl;

    /// <summary>Scheme, host and port without a trailing slash (e.g. <c>http://127.0.0.1:8000</c>).</summary>
    public string ConnectUrl => _connectUrl ??= Resolve();

    private string Resolve()
    {
        if (options.Value.Servers.HubConnectUrl is { Length: > 0 } configured)
        {
            return configured.TrimEnd('/');
        }
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var address = addresses.FirstOrDefault(a => a.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) ?? addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("The hub listens nowhere yet; set Greyhub:Servers:HubConnectUrl");
        var uri = new Uri(address.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal));
        // A wildcard bind is reached through loopback from this machine.
        var host = uri.Host is "0.0.0.0" or "[::]" or "::" ? "127.0.0.1" : uri.Host;
        return $"{uri.Scheme}://{(host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? "[" + host + "]" : host)}:{uri.Port}";
    }
}
