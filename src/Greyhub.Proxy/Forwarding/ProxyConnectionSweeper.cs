using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Greyhub.Proxy;

/// <summary>
/// Closes the connection-level proxy's idle connections to servers, gives up on servers that went quiet mid-exchange, and closes
/// client connections the connection-level proxy holds past Kestrel's keep-alive and request-headers timeouts.
/// </summary>
internal sealed class ProxyConnectionSweeper(RouteTable routes, ProxyClientConnections clients, IOptions<ProxyOptions> options, IOptions<KestrelServerOptions> kestrel) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        var limits = kestrel.Value.Limits;
        var shortest = new[] { o.IdleConnectionTimeout, o.ActivityTimeout, limits.KeepAliveTimeout, limits.RequestHeadersTimeout }.Min();
        var period = TimeSpan.FromTicks(Math.Clamp(shortest.Ticks / 4, TimeSpan.TicksPerMillisecond * 100, TimeSpan.TicksPerSecond * 5));
        using var timer = new PeriodicTimer(period);
        try
        {
            await SweepAsync(timer, o, limits, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task SweepAsync(PeriodicTimer timer, ProxyOptions o, KestrelServerLimits limits, CancellationToken stoppingToken)
    {
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            foreach (var route in routes.All)
            {
                route.Upstream?.Sweep(o.IdleConnectionTimeout, o.ActivityTimeout);
            }
            clients.Sweep(limits.KeepAliveTimeout, limits.RequestHeadersTimeout);
        }
    }
}
