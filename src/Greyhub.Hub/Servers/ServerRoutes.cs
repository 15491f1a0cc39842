using System.Text.Json;
using Greyhub.Abstractions.Proxy;

namespace Greyhub.Hub.Servers;

/// <summary>
/// A server's route in the proxy, as JupyterHub names it: the path <c>{base}user/{name}/[{server}/]</c> (unescaped, as
/// CHP keys routes), the target's scheme, host and port, and the data <c>{"jupyterhub": true, "user": ..., "server_name": ...}</c>
/// that lets the hub find its routes again among others.
/// </summary>
internal sealed class ServerRoutes(IProxyRoutes routes, HubUrls urls)
{
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
        return routes.AddRouteAsync(PathOf(user, server), new Uri(url.GetLeftPart(UriPartial.Authority)), data, cancellationToken);
    }

    /// <summary>Removes the server's route; false when there was none.</summary>
    public Task<bool> RemoveAsync(string user, string server, CancellationToken cancellationToken) =>
        routes.DeleteRouteAsync(PathOf(user, server), cancellationToken);

    /// <summary>Whether the server has a route.</summary>
    public async Task<bool> ExistsAsync(string user, string server, CancellationToken cancellationToken) =>
        await routes.GetRouteAsync(PathOf(user, server), cancellationToken) is not null;

    /// <summary>The hub's routes (<c>jupyterhub: true</c>) with the server each is for and its last activity.</summary>
    public async Task<IReadOnlyList<(string User, string Server, DateTimeOffset LastActivity)>> ListAsync(CancellationToken cancellationToken)
    {
        var all = await routes.GetRoutesAsync(null, cancellationToken);
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
