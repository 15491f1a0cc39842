using System.Text.Json;

namespace Greyhub.Abstractions.Proxy;

/// <summary>
/// The proxy's route table, as configurable-http-proxy's REST API (<c>/api/routes</c>) exposes it, in C#: the hub
/// drives an in-process proxy, an external <c>greyhub proxy</c> or configurable-http-proxy itself through it.
/// </summary>
/// <remarks>
/// A route path is a URL path prefix in CHP's form: a leading slash, no trailing slash, <c>/</c> for the default route
/// (<see cref="ProxyRoutePath.Normalize"/>). Requests go to the route with the longest prefix, by whole path segments.
/// </remarks>
public interface IProxyRoutes
{
    /// <summary>
    /// Every route, keyed by path; with <paramref name="inactiveSince"/>, only those whose last activity is before it
    /// (CHP's <c>?inactive_since=</c>).
    /// </summary>
    Task<IReadOnlyDictionary<string, ProxyRouteEntry>> GetRoutesAsync(DateTimeOffset? inactiveSince, CancellationToken cancellationToken);

    /// <summary>The route at exactly <paramref name="path"/> (normalised), or null.</summary>
    Task<ProxyRouteEntry?> GetRouteAsync(string path, CancellationToken cancellationToken);

    /// <summary>Adds or replaces the route at <paramref name="path"/>; its last activity starts now, as in CHP.</summary>
    Task AddRouteAsync(string path, Uri target, IReadOnlyDictionary<string, JsonElement> data, CancellationToken cancellationToken);

    /// <summary>Removes the route at <paramref name="path"/>; false when there was none.</summary>
    Task<bool> DeleteRouteAsync(string path, CancellationToken cancellationToken);
}

/// <summary>One route: where requests under <see cref="Path"/> go, the caller's data, and the last activity seen.</summary>
/// <param name="Path">The normalised path prefix.</param>
/// <param name="Target">The URL requests go to (its path, if any, is prepended to the request's).</param>
/// <param name="Data">The extra JSON properties stored with the route (CHP keeps everything POSTed but <c>target</c>).</param>
/// <param name="LastActivity">When a request last went through the route (or when it was added).</param>
public sealed record ProxyRouteEntry(string Path, Uri Target, IReadOnlyDictionary<string, JsonElement> Data, DateTimeOffset LastActivity);

/// <summary>CHP's route path rules.</summary>
public static class ProxyRoutePath
{
    /// <summary>
    /// CHP's form of a route path: a leading slash added when missing, one trailing slash removed (but <c>/</c> stays).
    /// </summary>
    public static string Normalize(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length == 0 || path[0] != '/')
        {
            path = "/" + path;
        }
        return path.Length > 1 && path[^1] == '/' ? path[..^1] : path;
    }
}
