using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Servers;

/// <summary>
/// The environment every single-user server gets from the hub (JupyterHub's <c>Spawner.get_env</c>, as measured in
/// <c>jupyterhub-contract.md</c> §2), and the arguments it adds to the server's command. The hub's address is
/// <see cref="HubAddress"/>.
/// </summary>
internal sealed class ServerEnvironment(HubUrls urls, HubAddress address, IOptions<HubOptions> options)
{
    /// <summary>
    /// HubAuth's answer cache, shortened (<see cref="ServersOptions.HubAuthCacheMaxAge"/>). An argument, not a variable:
    /// <c>jupyterhub-singleuser</c> reads no variable for it. On <c>HubAuth</c>, so it reaches <c>HubOAuth</c> too while a
    /// <c>--HubOAuth.cache_max_age</c> the operator gives still wins.
    /// </summary>
    public IReadOnlyList<string> Arguments { get; } = options.Value.Servers.HubAuthCacheMaxAge is { Ticks: > 0 } age
        ? ["--HubAuth.cache_max_age=" + ((long)age.TotalSeconds).ToString(CultureInfo.InvariantCulture)]
        : [];

    /// <summary>
    /// Where servers reach the hub, without a trailing slash (e.g. <c>http://127.0.0.1:8000</c>): always the hub itself,
    /// never an external proxy in front of it.
    /// </summary>
    public string HubConnectUrl => address.ConnectUrl;

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
}
