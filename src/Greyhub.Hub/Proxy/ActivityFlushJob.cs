using Greyhub.Data.Stores;
using Greyhub.Hub.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Proxy;

/// <summary>
/// Copies the proxy's per-route activity into servers and users now and then (JupyterHub's
/// <c>last_activity_interval</c>), so requests through the proxy never write to the database themselves.
/// </summary>
internal sealed class ActivityFlushJob(ProxyRouteTable routes, IServiceScopeFactory scopes, IOptions<HubOptions> options, TimeProvider time) : BackgroundService
{
    private readonly Dictionary<int, long> _flushed = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Servers.ActivityFlushInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await FlushAsync(stoppingToken);
        }
    }

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        var changed = new List<(int, DateTime)>();
        foreach (var route in routes.All)
        {
            var ticks = route.LastActivityTicks;
            if (ticks != 0 && (!_flushed.TryGetValue(route.ServerId, out var last) || last != ticks))
            {
                _flushed[route.ServerId] = ticks;
                changed.Add((route.ServerId, new DateTime(ticks, DateTimeKind.Utc)));
            }
        }
        if (changed.Count == 0)
        {
            return;
        }
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<ServerStore>().RecordActivityAsync(changed, cancellationToken);
    }
}
