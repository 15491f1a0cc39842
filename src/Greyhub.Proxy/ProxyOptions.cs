namespace Greyhub.Proxy;

/// <summary>The proxy brick (<c>Greyhub:Proxy</c>), in the hub or as <c>greyhub proxy</c>.</summary>
public sealed class ProxyOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Greyhub:Proxy";

    /// <summary>
    /// Forward plain HTTP/1.1 GET and HEAD requests below HTTP, straight off the client's connection (the
    /// connection-level path), and the rest (WebSockets, request bodies, other requests on the same connection, TLS)
    /// through Kestrel and YARP. False sends everything through Kestrel and YARP.
    /// </summary>
    public bool FastPath { get; set; } = true;

    /// <summary>
    /// Run request handling on the socket threads (Kestrel's <c>UnsafePreferInlineScheduling</c>): proxied requests
    /// never change threads; whoever serves the rest moves it to the thread pool.
    /// </summary>
    public bool InlineScheduling { get; set; } = true;

    /// <summary>Longest wait for a server to accept a connection.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Longest silence from a server in the middle of an exchange before the proxy gives up on it.</summary>
    public TimeSpan ActivityTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>An idle kept-alive connection to a server is closed after this long.</summary>
    public TimeSpan IdleConnectionTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Proxies in front of this one (IP addresses or CIDR networks) whose <c>X-Forwarded-*</c> headers are passed on;
    /// anyone else's are replaced by the proxy's own. The hub adds its <c>Greyhub:TrustedProxies</c> here.
    /// </summary>
    public List<string> TrustedProxies { get; set; } = [];

    /// <summary>Add <c>X-Forwarded-For/Host/Proto</c> to proxied requests (CHP's <c>--no-x-forward</c> turns it off).</summary>
    public bool XForward { get; set; } = true;

    /// <summary>
    /// Where error pages come from, as CHP's <c>--error-target</c>: <c>{ErrorTarget}/{status}?url={request target}</c>;
    /// null for the built-in page.
    /// </summary>
    public Uri? ErrorTarget { get; set; }

    /// <summary>A link the built-in error page offers (the hub's home page); null for none.</summary>
    public string? HomeUrl { get; set; }

    /// <summary>
    /// The REST API's token (CHP's <c>CONFIGPROXY_AUTH_TOKEN</c>): requests must carry <c>Authorization: token …</c>.
    /// <c>greyhub proxy</c> refuses to start without one unless <see cref="AllowUnauthenticatedApi"/> says otherwise.
    /// </summary>
    public string ApiToken { get; set; } = "";

    /// <summary>
    /// Let <c>greyhub proxy</c> start with an empty <see cref="ApiToken"/> and an open API, as CHP does (it only warns):
    /// honoured on a loopback API address only, and even there every local process, users' servers included, may then
    /// route any user's traffic to itself.
    /// </summary>
    public bool AllowUnauthenticatedApi { get; set; }

    /// <summary>Largest request body the REST API reads.</summary>
    public long MaxApiBodyBytes { get; set; } = 64 * 1024;
}
