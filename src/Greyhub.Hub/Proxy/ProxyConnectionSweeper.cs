using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Proxy;

/// <summary>Closes the fast path's idle connections and gives up on servers that went quiet mid-exchange.</summary>
internal sealed class ProxyConnectionSweeper(ProxyRouteTable routes, IOptions<ProxyOptions> options) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        var period = TimeSpan.FromTicks(Math.Clamp(Math.Min(o.IdleConnectionTimeout.Ticks, o.ActivityTimeout.Ticks) / 4, TimeSpan.TicksPerMillisecond * 100, TimeSpan.TicksPerSecond * 5));
        using var timer = new PeriodicTimer(period);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            foreach (var route in routes.All)
            {
                route.Upstream?.Sweep(o.IdleConnectionTimeout, o.ActivityTimeout);
            }
        }
    }
}
