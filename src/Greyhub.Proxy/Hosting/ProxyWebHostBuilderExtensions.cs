using Greyhub.Proxy;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Hosting;

/// <summary>Kestrel set up for forwarding, the same for the hub (proxy in-process) and <c>greyhub proxy</c>.</summary>
public static class ProxyWebHostBuilderExtensions
{
    /// <summary>
    /// The proxy's hot path: read a request as soon as it is there instead of a zero-byte read first (one syscall less per
    /// request; an idle connection keeps a 4 KiB buffer instead of none), and handle it on the socket thread that read it
    /// (no thread switch per request; <c>Greyhub:Proxy:InlineScheduling=false</c> turns that off). Servers' response
    /// headers pass through byte for byte (Latin-1 both ways) instead of failing on a non-ASCII byte.
    /// </summary>
    public static IWebHostBuilder UseGreyhubProxyTransport(this IWebHostBuilder webHost)
    {
        webHost.UseSockets();
        webHost.ConfigureServices(services => services.AddOptions<SocketTransportOptions>().Configure<IOptions<ProxyOptions>>((o, proxy) =>
        {
            o.WaitForDataBeforeAllocatingBuffer = false;
            o.UnsafePreferInlineScheduling = proxy.Value.InlineScheduling;
        }));
        webHost.ConfigureKestrel(o => o.ResponseHeaderEncodingSelector = _ => System.Text.Encoding.Latin1);
        return webHost;
    }
}
