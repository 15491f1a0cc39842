using System.Net;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace Greyhub.Proxy;

/// <summary>YARP's client to servers (what the connection-level proxy hands to Kestrel), with the same timeouts as that path.</summary>
internal sealed class YarpUpstream(IOptions<ProxyOptions> options) : IDisposable
{
    /// <summary>The connection pool YARP forwards through.</summary>
    public HttpMessageInvoker Client { get; } = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        EnableMultipleHttp2Connections = true,
        ActivityHeadersPropagator = null,
        ConnectTimeout = options.Value.ConnectTimeout,
        PooledConnectionIdleTimeout = options.Value.IdleConnectionTimeout,
    });

    /// <summary>Servers speak HTTP/1.1 on plain TCP: said once, instead of each request considering HTTP/2 first.</summary>
    public ForwarderRequestConfig RequestConfig { get; } = new()
    {
        ActivityTimeout = options.Value.ActivityTimeout,
        Version = HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
    };

    /// <inheritdoc/>
    public void Dispose() => Client.Dispose();
}
