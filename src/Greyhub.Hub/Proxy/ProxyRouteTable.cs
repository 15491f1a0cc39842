using System.Collections.Immutable;
using System.Net;

namespace Greyhub.Hub.Proxy;

/// <summary>
/// The proxy's routes: <c>/user/{name}/</c> and <c>/user/{name}/{server}/</c> to where each server listens. The table
/// is an immutable dictionary swapped atomically, so a request sees either the old table or the new one, never half.
/// </summary>
internal sealed class ProxyRouteTable
{
    private ImmutableDictionary<string, ProxyRoute> _routes = ImmutableDictionary.Create<string, ProxyRoute>(StringComparer.Ordinal);

    /// <summary>Every route.</summary>
    public IReadOnlyCollection<ProxyRoute> All => _routes.Values.ToList();

    /// <summary>Adds or replaces a route.</summary>
    public void Set(ProxyRoute route)
    {
        ProxyRoute? replaced = null;
        ImmutableInterlocked.AddOrUpdate(ref _routes, Key(route.User, route.Server), route, (_, old) =>
        {
            replaced = old;
            return route;
        });
        if (replaced is not null && !ReferenceEquals(replaced, route))
        {
            replaced.Upstream?.Dispose();
        }
    }

    /// <summary>Removes a route and closes its idle connections; true when it existed.</summary>
    public bool Remove(string user, string server)
    {
        if (!ImmutableInterlocked.TryRemove(ref _routes, Key(user, server), out var removed))
        {
            return false;
        }
        removed.Upstream?.Dispose();
        return true;
    }

    /// <summary>The route of a server, if any.</summary>
    public ProxyRoute? Find(string user, string server) => _routes.GetValueOrDefault(Key(user, server));

    /// <summary>
    /// Matches a decoded request path <c>/user/{name}/...</c>: a named server's route first, then the default
    /// server's. <paramref name="userPath"/> is the path after <c>/user/</c>.
    /// </summary>
    public ProxyRoute? Match(ReadOnlySpan<char> userPath)
    {
        var routes = _routes;
        if (routes.IsEmpty)
        {
            return null;
        }
        var slash = userPath.IndexOf('/');
        if (slash <= 0)
        {
            return null;
        }
        var user = userPath[..slash].ToString();
        var rest = userPath[(slash + 1)..];
        var next = rest.IndexOf('/');
        if (next > 0 && routes.TryGetValue(Key(user, rest[..next].ToString()), out var named))
        {
            return named;
        }
        return routes.GetValueOrDefault(Key(user, ""));
    }

    private static string Key(string user, string server) => user + "/" + server;
}

/// <summary>A route to a running server, with its last activity.</summary>
internal sealed class ProxyRoute(string user, string server, int serverId, Uri target)
{
    private long _lastActivityTicks;

    /// <summary>Owner.</summary>
    public string User { get; } = user;

    /// <summary>Server name; empty for the default server.</summary>
    public string Server { get; } = server;

    /// <summary>The server's database id (for activity).</summary>
    public int ServerId { get; } = serverId;

    /// <summary>Scheme, host and port requests go to; the path is kept as the client sent it.</summary>
    public string Destination { get; } = target.GetLeftPart(UriPartial.Authority);

    /// <summary>Kept-alive connections of the fast path, or null when the server is not plain HTTP (YARP takes those).</summary>
    public UpstreamPool? Upstream { get; } = target.Scheme == Uri.UriSchemeHttp
        ? new UpstreamPool(IPAddress.TryParse(target.IdnHost, out var ip) ? new IPEndPoint(ip, target.Port) : new DnsEndPoint(target.IdnHost, target.Port))
        : null;

    /// <summary>Last proxied request (UTC ticks); zero when none yet.</summary>
    public long LastActivityTicks => Interlocked.Read(ref _lastActivityTicks);

    /// <summary>Records activity now.</summary>
    public void Touch(DateTime utcNow) => Interlocked.Exchange(ref _lastActivityTicks, utcNow.Ticks);
}
