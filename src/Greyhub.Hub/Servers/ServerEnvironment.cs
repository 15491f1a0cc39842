using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Servers;

/// <summary>
/// The environment every single-user server gets from the hub (JupyterHub's <c>Spawner.get_env</c>, as measured in
/// <c>jupyterhub-contract.md</c> §2). The hub's address is configured or taken from where Kestrel listens.
/// </summary>
internal sealed class ServerEnvironment(IOptions<HubOptions> options, HubUrls urls, IServer server)
{
    private string? _connectUrl;

    /// <summary>Where servers reach the hub, without a trailing slash (e.g. <c>http://127.0.0.1:8000</c>).</summary>
    public string HubConnectUrl => _connectUrl ??= ResolveConnectUrl();

    public Dictionary<string, string> For(ServerKey key, string apiToken)
    {
        var prefix = urls.ServerUrl(key.User, key.Server);
        var api = HubConnectUrl + urls.Api;
        var access = JsonSerializer.Serialize(new[] { $"access:servers!server={key.User}/{key.Server}", $"access:servers!user={key.User}" });
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["JUPYTERHUB_API_TOKEN"] = apiToken,
            ["JPY_API_TOKEN"] = apiToken,
            ["JUPYTERHUB_CLIENT_ID"] = key.ClientId,
            ["JUPYTERHUB_API_URL"] = api,
            ["JUPYTERHUB_ACTIVITY_URL"] = $"{api}/users/{HubUrls.Escape(key.User)}/activity",
            ["JUPYTERHUB_USER"] = key.User,
            ["JUPYTERHUB_SERVER_NAME"] = key.Server,
            ["JUPYTERHUB_SERVICE_PREFIX"] = prefix,
            ["JUPYTERHUB_BASE_URL"] = urls.Base,
            ["JUPYTERHUB_HOST"] = "",
            ["JUPYTERHUB_OAUTH_CALLBACK_URL"] = prefix + "oauth_callback",
            ["JUPYTERHUB_OAUTH_ACCESS_SCOPES"] = access,
            ["JUPYTERHUB_OAUTH_SCOPES"] = access,
            ["JUPYTERHUB_OAUTH_CLIENT_ALLOWED_SCOPES"] = "[]",
        };
    }

    private string ResolveConnectUrl()
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
