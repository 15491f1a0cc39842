using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Greyhub.Proxy.Sni.Tests;

/// <summary>The SNI proxy as an application hosts it: a generic host with <c>AddSniProxy</c> on a free port.</summary>
internal sealed class SniProxyHost : IAsyncDisposable
{
    private readonly IHost _host;

    private SniProxyHost(IHost host) => _host = host;

    public ISniRoutes Routes => _host.Services.GetRequiredService<ISniRoutes>();

    public int Port => _host.Services.GetRequiredService<ISniProxyEndpoint>().Port;

    /// <summary>Connections the proxy holds open right now.</summary>
    public int OpenConnections => _host.Services.GetRequiredService<SniProxyService>().OpenConnections;

    public static async Task<SniProxyHost> StartAsync(IDictionary<string, string?>? settings = null, TimeProvider? time = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
        builder.Services.AddSniProxy(builder.Configuration.GetSection("SniProxy"));
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }
        var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        return new SniProxyHost(host);
    }

    /// <summary>
    /// Opens TLS through the proxy with <paramref name="serverName"/> as SNI, trusting only <paramref name="ca"/>;
    /// returns the stream and the certificate the server showed.
    /// </summary>
    public async Task<(SslStream Stream, X509Certificate2 Certificate)> ConnectTlsAsync(string serverName, X509Certificate2 ca)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, Port, TestContext.Current.CancellationToken);
        X509Certificate2? seen = null;
        var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = serverName,
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    if (certificate is null)
                    {
                        return false;
                    }
                    seen = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(ca);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(seen);
                },
            }, TestContext.Current.CancellationToken);
        }
        catch
        {
            await tls.DisposeAsync();
            tcp.Dispose();
            throw;
        }
        return (tls, seen!);
    }

    /// <summary>Connects a raw socket to the proxy.</summary>
    public async Task<Socket> ConnectRawAsync()
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, Port, TestContext.Current.CancellationToken);
        return socket;
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync(CancellationToken.None);
        _host.Dispose();
    }
}
