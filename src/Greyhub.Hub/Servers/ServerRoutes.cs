using System.Text.Json;
using Greyhub.Abstractions.Proxy;
using Greyhub.Hub.Proxy;

namespace Greyhub.Hub.Servers;

/// <summary>
/// The hub's routes in the proxy, as JupyterHub names them. A server's: the path <c>{base}user/{name}/[{server}/]</c> (unescaped, as
/// CHP keys routes), the target's scheme, host and port, and the data <c>{"jupyterhub": true, "user": ..., "server_name": ...}</c>
/// that lets the hub find its routes again among others. With an external proxy the hub has its own route too (JupyterHub's
/// <c>add_hub_route</c>): <c>{base}</c> → the hub, data <c>{"jupyterhub": true, "hub": true}</c>. A service with a URL has
/// <c>{base}services/{name}/</c> → its scheme, host and port, data <c>{"jupyterhub": true, "service": name}</c>.
/// </summary>
internal sealed class ServerRoutes(HubProxy proxy, HubUrls urls)
{
    private IProxyRoutes Routes => proxy.Routes;

    /// <summary>Whether the hub needs its own route (an external proxy: everything no other route takes goes to the hub).</summary>
    public bool HasHubRoute => proxy.IsExternal;

    /// <summary>The hub's own route's path: the base URL (JupyterHub's default <c>hub_routespec</c>).</summary>
    public string HubPath => ProxyRoutePath.Normalize(urls.Base);

    /// <summary>Routes the hub's own URL (scheme, host and port) at <see cref="HubPath"/>.</summary>
    public Task AddHubAsync(Uri hub, CancellationToken cancellationToken)
    {
        var data = new Dictionary<string, JsonElement>(StringComparer.Ordinal)
        {
            ["hub"] = JsonSerializer.SerializeToElement(true, HubRouteJson.Default.Boolean),
            ["jupyterhub"] = JsonSerializer.SerializeToElement(true, HubRouteJson.Default.Boolean),
        };
        return Routes.AddRouteAsync(HubPath, hub, data, cancellationToken);
    }

    /// <summary>Every route of the proxy, the hub's and others', by normalised path.</summary>
    public Task<IReadOnlyDictionary<string, ProxyRouteEntry>> AllAsync(CancellationToken cancellationToken) =>
        Routes.GetRoutesAsync(null, cancellationToken);

    /// <summary>Whether a route carries the hub's mark (<c>jupyterhub: true</c>): the only routes the hub may remove.</summary>
    public static bool IsHubs(ProxyRouteEntry route) =>
        route.Data.TryGetValue("jupyterhub", out var mark) && mark.ValueKind == JsonValueKind.True;

    /// <summary>The route's path.</summary>
    public string PathOf(string user, string server) =>
        server.Length == 0 ? $"{urls.Base}user/{user}/" : $"{urls.Base}user/{user}/{server}/";

    /// <summary>Routes the server at <paramref name="url"/> (JupyterHub's target is the server's host, without a path).</summary>
    public Task AddAsync(string user, string server, Uri url, CancellationToken cancellationToken)
    {
        var data = new Dictionary<string, JsonElement>(StringComparer.Ordinal)
        {
            ["jupyterhub"] = JsonSerializer.SerializeToElement(true, HubRouteJson.Default.Boolean),
            ["user"] = JsonSerializer.SerializeToElement(user, HubRouteJson.Default.String),
            ["server_name"] = JsonSerializer.SerializeToElement(server, HubRouteJson.Default.String),
        };
        return Routes.AddRouteAsync(PathOf(user, server), TargetOf(url), data, cancellationToken);
    }

    /// <summary>A service's route's path (unescaped, as the proxy keys routes).</summary>
    public string ServicePathOf(string service) => $"{urls.Base}services/{service}/";

    /// <summary>Routes a service at <paramref name="url"/> (as a server: the target is its scheme, host and port).</summary>
    public Task AddServiceAsync(string service, Uri url, CancellationToken cancellationToken)
    {
        var data = new Dictionary<string, JsonElement>(StringComparer.Ordinal)
        {
            ["jupyterhub"] = JsonSerializer.SerializeToElement(true, HubRouteJson.Default.Boolean),
            ["service"] = JsonSerializer.SerializeToElement(service, HubRouteJson.Default.String),
        };
        return Routes.AddRouteAsync(ServicePathOf(service), TargetOf(url), data, cancellationToken);
    }

    /// <summary>Removes a service's route; false when there was none.</summary>
    public Task<bool> RemoveServiceAsync(string service, CancellationToken cancellationToken) =>
        Routes.DeleteRouteAsync(ServicePathOf(service), cancellationToken);

    /// <summary>A server's route target: its scheme, host and port.</summary>
    public static Uri TargetOf(Uri url) => new(url.GetLeftPart(UriPartial.Authority));

    /// <summary>Removes the server's route; false when there was none.</summary>
    public Task<bool> RemoveAsync(string user, string server, CancellationToken cancellationToken) =>
        Routes.DeleteRouteAsync(PathOf(user, server), cancellationToken);

    /// <summary>Removes the route at <paramref name="path"/>; false when there was none.</summary>
    public Task<bool> DeleteAsync(string path, CancellationToken cancellationToken) => Routes.DeleteRouteAsync(path, cancellationToken);

    /// <summary>Whether the server has a route.</summary>
    public async Task<bool> ExistsAsync(string user, string server, CancellationToken cancellationToken) =>
        await Routes.GetRouteAsync(PathOf(user, server), cancellationToken) is not null;

    /// <summary>The hub's routes (<c>jupyterhub: true</c>) with the server each is for and its last activity.</summary>
    public async Task<IReadOnlyList<(string User, string Server, DateTimeOffset LastActivity)>> ListAsync(CancellationToken cancellationToken)
    {
        var all = await Routes.GetRoutesAsync(null, cancellationToken);
        var mine = new List<(string, string, DateTimeOffset)>(all.Count);
        foreach (var route in all.Values)
        {
            var data = route.Data;
            if (data.TryGetValue("jupyterhub", out var hub) && hub.ValueKind == JsonValueKind.True
                && data.TryGetValue("user", out var user) && user.ValueKind == JsonValueKind.String)
            {
                var server = data.TryGetValue("server_name", out var name) && name.ValueKind == JsonValueKind.String ? name.GetString()! : "";
                mine.Add((user.GetString()!, server, route.LastActivity));
            }
        }
        return mine;
    }
}

/// <summary>The route data's JSON values, source-generated.</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(bool))]
[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class HubRouteJson : System.Text.Json.Serialization.JsonSerializerContext;
