namespace Greyhub.Hub.Proxy;

/// <summary>The proxy in front of users' servers (<c>Greyhub:Proxy</c>).</summary>
public sealed class ProxyOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Greyhub:Proxy";

    /// <summary>
    /// Forward plain HTTP/1.1 GET and HEAD requests below HTTP, straight off the client's connection
    /// (<see cref="ProxyConnectionMiddleware"/>), and the rest (WebSockets, request bodies, hub requests on the same
    /// connection, TLS) through Kestrel and YARP. False sends everything through Kestrel and YARP.
    /// </summary>
    public bool FastPath { get; set; } = true;

    /// <summary>
    /// Run request handling on the socket threads (Kestrel's <c>UnsafePreferInlineScheduling</c>): proxied requests
    /// never change threads, while the hub's own pages and API run on the thread pool, every continuation included.
    /// </summary>
    public bool InlineScheduling { get; set; } = true;

    /// <summary>Longest wait for a server to accept a connection.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Longest silence from a server in the middle of an exchange before the proxy gives up on it.</summary>
    public TimeSpan ActivityTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>An idle kept-alive connection to a server is closed after this long.</summary>
    public TimeSpan IdleConnectionTimeout { get; set; } = TimeSpan.FromMinutes(1);
}
