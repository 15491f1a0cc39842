using System.Net;
using System.Text.Json;

namespace Greyhub.Proxy;

/// <summary>A route: a path prefix, where its requests go, the caller's data, and the last activity through it.</summary>
internal sealed class ProxyRoute : IDisposable
{
    private long _lastActivityTicks;

    /// <param name="path">The normalised path prefix.</param>
    /// <param name="target">Where requests go; its path, if any, is prepended to theirs (CHP's default).</param>
    /// <param name="data">The caller's extra properties.</param>
    /// <param name="addedUtc">When the route was added: its first last activity, as in CHP.</param>
    public ProxyRoute(string path, Uri target, IReadOnlyDictionary<string, JsonElement> data, DateTime addedUtc)
    {
        Path = path;
        Target = target;
        Data = data;
        Destination = target.GetLeftPart(UriPartial.Authority);
        var targetPath = target.AbsolutePath.TrimEnd('/');
        TargetPath = targetPath;
        var trimmed = path.AsSpan().Trim('/');
        Depth = trimmed.IsEmpty ? 0 : trimmed.Count('/') + 1;
        _lastActivityTicks = addedUtc.Ticks;
        // The connection-level path forwards the request target as sent: only to a plain HTTP target without a path.
        Upstream = target.Scheme == Uri.UriSchemeHttp && targetPath.Length == 0
            ? new UpstreamPool(IPAddress.TryParse(target.IdnHost, out var ip) ? new IPEndPoint(ip, target.Port) : new DnsEndPoint(target.IdnHost, target.Port))
            : null;
    }

    /// <summary>The normalised path prefix (the route's key).</summary>
    public string Path { get; }

    /// <summary>How many path segments the route's prefix has (0 for <c>/</c>).</summary>
    public int Depth { get; }

    /// <summary>The target as given.</summary>
    public Uri Target { get; }

    /// <summary>The caller's extra properties (everything POSTed but <c>target</c>).</summary>
    public IReadOnlyDictionary<string, JsonElement> Data { get; }

    /// <summary>Scheme, host and port requests go to.</summary>
    public string Destination { get; }

    /// <summary>The target's path without its trailing slash, prepended to each request's; empty for none.</summary>
    public string TargetPath { get; }

    /// <summary>Kept-alive connections of the connection-level path, or null when that path cannot serve this target (YARP takes those).</summary>
    public UpstreamPool? Upstream { get; }

    /// <summary>Last activity (UTC ticks).</summary>
    public long LastActivityTicks => Interlocked.Read(ref _lastActivityTicks);

    /// <summary>The last activity as a UTC time.</summary>
    public DateTimeOffset LastActivity => new(LastActivityTicks, TimeSpan.Zero);

    /// <summary>Records activity now.</summary>
    public void Touch(DateTime utcNow) => Interlocked.Exchange(ref _lastActivityTicks, utcNow.Ticks);

    /// <summary>Closes the route's idle connections (it left the table).</summary>
    public void Dispose() => Upstream?.Dispose();
}
