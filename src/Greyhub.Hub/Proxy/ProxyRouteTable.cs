using System.Net;

namespace Greyhub.Hub.Proxy;

/// <summary>
/// The proxy's routes: <c>/user/{name}/</c> and <c>/user/{name}/{server}/</c> to where each server listens. The table
/// is a dictionary swapped atomically, so a request sees either the old table or the new one, never half.
/// </summary>
internal sealed class ProxyRouteTable
{
    private readonly Lock _lock = new();

    // Copied on write (routes change at spawns and stops, are read on every proxied request), so a lookup needs no lock
    // and, through the span lookup, allocates nothing.
    private Dictionary<string, ProxyRoute> _routes = new(StringComparer.Ordinal);

    /// <summary>Every route.</summary>
    public IReadOnlyCollection<ProxyRoute> All => Volatile.Read(ref _routes).Values.ToList();

    /// <summary>Adds or replaces a route.</summary>
    public void Set(ProxyRoute route)
    {
        ProxyRoute? replaced;
        lock (_lock)
        {
            var routes = new Dictionary<string, ProxyRoute>(_routes, StringComparer.Ordinal);
            routes.TryGetValue(Key(route.User, route.Server), out replaced);
            routes[Key(route.User, route.Server)] = route;
            Volatile.Write(ref _routes, routes);
        }
        if (replaced is not null && !ReferenceEquals(replaced, route))
        {
            replaced.Upstream?.Dispose();
        }
    }

    /// <summary>Removes a route and closes its idle connections; true when it existed.</summary>
    public bool Remove(string user, string server)
    {
        ProxyRoute? removed;
        lock (_lock)
        {
            var routes = new Dictionary<string, ProxyRoute>(_routes, StringComparer.Ordinal);
            if (!routes.Remove(Key(user, server), out removed))
            {
                return false;
            }
            Volatile.Write(ref _routes, routes);
        }
        removed.Upstream?.Dispose();
        return true;
    }

    /// <summary>The route of a server, if any.</summary>
    public ProxyRoute? Find(string user, string server) => Volatile.Read(ref _routes).GetValueOrDefault(Key(user, server));

    /// <summary>
    /// Matches a decoded request path <c>/user/{name}/...</c>: a named server's route first, then the default
    /// server's. <paramref name="userPath"/> is the path after <c>/user/</c>.
    /// </summary>
    public ProxyRoute? Match(ReadOnlySpan<char> userPath)
    {
        var routes = Volatile.Read(ref _routes);
        if (routes.Count == 0)
        {
            return null;
        }
        var slash = userPath.IndexOf('/');
        if (slash <= 0)
        {
            return null;
        }
        var user = userPath[..slash];
        var rest = userPath[(slash + 1)..];
        var next = rest.IndexOf('/');
        if (next > 0 && Lookup(routes, user, rest[..next]) is { } named)
        {
            return named;
        }
        return Lookup(routes, user, default);
    }

    /// <summary>
    /// <see cref="Match(ReadOnlySpan{char})"/> on the raw bytes of a request target (ASCII, query allowed); null also
    /// when the path is too long to match here, so that the caller takes its general path.
    /// </summary>
    public ProxyRoute? Match(ReadOnlySpan<byte> userPath)
    {
        var query = userPath.IndexOf((byte)'?');
        if (query >= 0)
        {
            userPath = userPath[..query];
        }
        if (userPath.Length > 1024)
        {
            return null;
        }
        Span<char> chars = stackalloc char[userPath.Length];
        return System.Text.Ascii.ToUtf16(userPath, chars, out var written) == System.Buffers.OperationStatus.Done ? Match(chars[..written]) : null;
    }

    private static ProxyRoute? Lookup(Dictionary<string, ProxyRoute> routes, ReadOnlySpan<char> user, ReadOnlySpan<char> server)
    {
        var length = user.Length + 1 + server.Length;
        if (length > 512)
        {
            return routes.GetValueOrDefault(Key(user.ToString(), server.ToString()));
        }
        Span<char> key = stackalloc char[length];
        user.CopyTo(key);
        key[user.Length] = '/';
        server.CopyTo(key[(user.Length + 1)..]);
        return routes.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(key, out var route) ? route : null;
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

    /// <summary>Kept-alive connections of the connection-level proxy, or null when the server is not plain HTTP (YARP takes those).</summary>
    public UpstreamPool? Upstream { get; } = target.Scheme == Uri.UriSchemeHttp
        ? new UpstreamPool(IPAddress.TryParse(target.IdnHost, out var ip) ? new IPEndPoint(ip, target.Port) : new DnsEndPoint(target.IdnHost, target.Port))
        : null;

    /// <summary>Last proxied request (UTC ticks); zero when none yet.</summary>
    public long LastActivityTicks => Interlocked.Read(ref _lastActivityTicks);

    /// <summary>Records activity now.</summary>
    public void Touch(DateTime utcNow) => Interlocked.Exchange(ref _lastActivityTicks, utcNow.Ticks);
}
