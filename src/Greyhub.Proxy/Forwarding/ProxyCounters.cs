namespace Greyhub.Proxy;

/// <summary>What the proxy counts, for the hub's <c>/hub/metrics</c>.</summary>
public enum ProxyCount
{
    /// <summary>A request forwarded below HTTP (<see cref="ProxyConnectionMiddleware"/>).</summary>
    ConnectionLevelRequest,

    /// <summary>A request forwarded through YARP (<see cref="ProxyMiddleware"/>).</summary>
    HttpLevelRequest,

    /// <summary>A client connection the connection-level path handed to Kestrel's HTTP stack.</summary>
    Handover,

    /// <summary>A connection opened to a server by the connection-level path (the rest are kept-alive reuses).</summary>
    UpstreamConnection,

    /// <summary>The server could not be reached or closed without answering (503).</summary>
    Unreachable,

    /// <summary>The server answered something that is not a valid HTTP/1.x response head (502).</summary>
    BadResponse,

    /// <summary>The server went quiet for longer than the activity timeout before answering (504).</summary>
    TimedOut,

    /// <summary>The server's response stopped after it had started going to the client.</summary>
    CutShort,
}

/// <summary>
/// The proxy's counters: one atomic add where a thing happens (the hot path takes no lock and no label lookup), read
/// into Prometheus counters when the hub's <c>/hub/metrics</c> is scraped.
/// </summary>
public sealed class ProxyCounters
{
    private readonly long[] _counts = new long[Enum.GetValues<ProxyCount>().Length];
    private readonly RouteTable _routes;

    internal ProxyCounters(RouteTable routes) => _routes = routes;

    /// <summary>How many routes the table holds now.</summary>
    public int Routes => _routes.Count;

    /// <summary>Counts one <paramref name="what"/>.</summary>
    public void Add(ProxyCount what) => Interlocked.Increment(ref _counts[(int)what]);

    /// <summary>How many <paramref name="what"/> so far.</summary>
    public long Get(ProxyCount what) => Volatile.Read(ref _counts[(int)what]);
}
