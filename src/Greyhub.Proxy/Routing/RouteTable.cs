using System.Buffers;
using System.Text;
using Greyhub.Abstractions.Proxy;

namespace Greyhub.Proxy;

/// <summary>
/// The proxy's routes with configurable-http-proxy's semantics: path prefixes (<see cref="ProxyRoutePath.Normalize"/>)
/// matched longest first by whole path segments, as CHP's URL trie does (<c>/user/al</c> never matches
/// <c>/user/alice/x</c>). An immutable snapshot (the routes by path and the trie) is swapped atomically: a request sees
/// the old table or the new one, never half, and a lookup takes no lock and allocates nothing.
/// </summary>
internal sealed class RouteTable
{
    private readonly Lock _lock = new();
    private Snapshot _snapshot = new(new Dictionary<string, ProxyRoute>(StringComparer.Ordinal), RouteNode.Empty);

    /// <summary>How many routes there are.</summary>
    public int Count => Volatile.Read(ref _snapshot).ByPath.Count;

    /// <summary>Every route (a snapshot).</summary>
    public IReadOnlyCollection<ProxyRoute> All => Volatile.Read(ref _snapshot).ByPath.Values;

    /// <summary>The route at exactly <paramref name="path"/> (normalised here), or null.</summary>
    public ProxyRoute? Get(string path) => Volatile.Read(ref _snapshot).ByPath.GetValueOrDefault(ProxyRoutePath.Normalize(path));

    /// <summary>Adds or replaces the route at its path; a replaced route's idle connections are closed.</summary>
    public void Set(ProxyRoute route)
    {
        ProxyRoute? replaced;
        lock (_lock)
        {
            var snapshot = _snapshot;
            var byPath = new Dictionary<string, ProxyRoute>(snapshot.ByPath, StringComparer.Ordinal);
            byPath.TryGetValue(route.Path, out replaced);
            byPath[route.Path] = route;
            Volatile.Write(ref _snapshot, new Snapshot(byPath, RouteNode.With(snapshot.Root, Segments(route.Path), 0, route)));
        }
        if (replaced is not null && !ReferenceEquals(replaced, route))
        {
            replaced.Dispose();
        }
    }

    /// <summary>Removes the route at <paramref name="path"/> (normalised here); the removed route, or null.</summary>
    public ProxyRoute? Remove(string path)
    {
        path = ProxyRoutePath.Normalize(path);
        ProxyRoute? removed;
        lock (_lock)
        {
            var snapshot = _snapshot;
            if (!snapshot.ByPath.ContainsKey(path))
            {
                return null;
            }
            var byPath = new Dictionary<string, ProxyRoute>(snapshot.ByPath, StringComparer.Ordinal);
            byPath.Remove(path, out removed);
            Volatile.Write(ref _snapshot, new Snapshot(byPath, RouteNode.With(snapshot.Root, Segments(path), 0, null)));
        }
        removed?.Dispose();
        return removed;
    }

    /// <summary>The route with the longest prefix of <paramref name="path"/> (a decoded request path), by whole segments.</summary>
    public ProxyRoute? Match(ReadOnlySpan<char> path)
    {
        var node = Volatile.Read(ref _snapshot).Root;
        var best = node.Route;
        // As CHP's trie: slashes at both ends do not count, and an empty segment between two slashes is a segment.
        path = path.Trim('/');
        while (path.Length > 0 && node.Children is { } children)
        {
            var slash = path.IndexOf('/');
            if (!children.TryGetValue(slash < 0 ? path : path[..slash], out var child))
            {
                break;
            }
            node = child;
            best = node.Route ?? best;
            if (slash < 0)
            {
                break;
            }
            path = path[(slash + 1)..];
        }
        return best;
    }

    /// <summary>
    /// <see cref="Match(ReadOnlySpan{char})"/> on the raw bytes of an origin-form request target (ASCII, query allowed);
    /// null also when the target is too long to match here, so that the caller takes its general path.
    /// </summary>
    public ProxyRoute? Match(ReadOnlySpan<byte> target)
    {
        var query = target.IndexOf((byte)'?');
        if (query >= 0)
        {
            target = target[..query];
        }
        if (target.Length > 1024)
        {
            return null;
        }
        Span<char> chars = stackalloc char[target.Length];
        return Ascii.ToUtf16(target, chars, out var written) == OperationStatus.Done ? Match(chars[..written]) : null;
    }

    private static string[] Segments(string path)
    {
        var trimmed = path.Trim('/');
        return trimmed.Length == 0 ? [] : trimmed.Split('/');
    }

    private sealed record Snapshot(Dictionary<string, ProxyRoute> ByPath, RouteNode Root);
}

/// <summary>A node of the immutable trie: the route ending here, if any, and the next segments.</summary>
internal sealed class RouteNode
{
    public static readonly RouteNode Empty = new(null, null);

    private RouteNode(Dictionary<string, RouteNode>? children, ProxyRoute? route)
    {
        Children = children?.GetAlternateLookup<ReadOnlySpan<char>>();
        Route = route;
    }

    /// <summary>The next segments, looked up by span (no string per segment).</summary>
    public Dictionary<string, RouteNode>.AlternateLookup<ReadOnlySpan<char>>? Children { get; }

    /// <summary>The route whose path ends at this node.</summary>
    public ProxyRoute? Route { get; }

    private bool IsEmpty => Route is null && Children is null;

    /// <summary>A copy of <paramref name="node"/> with <paramref name="route"/> at <paramref name="segments"/> (null removes): only the nodes on the path are copied.</summary>
    public static RouteNode With(RouteNode node, string[] segments, int index, ProxyRoute? route)
    {
        if (index == segments.Length)
        {
            return new RouteNode(node.Children?.Dictionary, route);
        }
        var children = node.Children is { } existing
            ? new Dictionary<string, RouteNode>(existing.Dictionary, StringComparer.Ordinal)
            : new Dictionary<string, RouteNode>(StringComparer.Ordinal);
        var child = children.GetValueOrDefault(segments[index]) ?? Empty;
        var updated = With(child, segments, index + 1, route);
        if (updated.IsEmpty)
        {
            children.Remove(segments[index]);
        }
        else
        {
            children[segments[index]] = updated;
        }
        return new RouteNode(children.Count == 0 ? null : children, node.Route);
    }
}
