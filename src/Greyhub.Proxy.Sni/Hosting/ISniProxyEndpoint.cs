using System.Net;

namespace Greyhub.Proxy.Sni;

/// <summary>Where the SNI proxy listens once the host has started, so the API can tell clients where to connect.</summary>
public interface ISniProxyEndpoint
{
    /// <summary>The bound address and port; throws <see cref="InvalidOperationException"/> before the proxy has started.</summary>
    IPEndPoint EndPoint { get; }

    /// <summary>The bound port (the configured one, or the free one picked for port 0).</summary>
    int Port => EndPoint.Port;
}
