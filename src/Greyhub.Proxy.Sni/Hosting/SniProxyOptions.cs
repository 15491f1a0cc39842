namespace Greyhub.Proxy.Sni;

/// <summary>Where the SNI proxy listens and the limits it puts on each client. Bound from the section given to <c>AddSniProxy</c>.</summary>
public sealed class SniProxyOptions
{
    /// <summary>The IP address to listen on.</summary>
    public string Ip { get; set; } = "127.0.0.1";

    /// <summary>The TCP port; 0 picks a free one (read it from <see cref="ISniProxyEndpoint"/>).</summary>
    public int Port { get; set; }

    /// <summary>The longest ClientHello accepted; a real one is well under 2 KiB, even with post-quantum key shares.</summary>
    public int MaxClientHelloBytes { get; set; } = 16 * 1024;

    /// <summary>How long a client may take to send its whole ClientHello (against slow-loris clients).</summary>
    public TimeSpan ClientHelloTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long connecting to a backend may take.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Connections open at once, including those still sending their ClientHello; more are closed on accept.</summary>
    public int MaxConnections { get; set; } = 4096;
}
