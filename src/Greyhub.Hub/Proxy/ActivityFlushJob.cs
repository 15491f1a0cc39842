using Greyhub.Data.Stores;
using Greyhub.Hub.Background;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Proxy;

/// <summary>
/// Copies the proxy's per-route activity into servers and users now and then (JupyterHub's
/// <c>last_activity_interval</c>), so requests through the proxy never write to the database themselves.
/// </summary>
internal sealed partial class ActivityFlushJob(ProxyRouteTable routes, ScopedRunner scoped, IOptions<HubOptions> options, TimeProvider time, ILogger<ActivityFlushJob> logger) : HubBackgroundService
{
    private readonly Dictionary<int, long> _flushed = [];

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Servers.ActivityFlushInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await TryFlushAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        // Activity since the last tick is not lost on a clean shutdown.
        await TryFlushAsync(CancellationToken.None);
    }

    /// <summary>A failed flush (a busy database, say) is logged and retried at the next tick, never fatal to the hub.</summary>
    private async Task TryFlushAsync(CancellationToken cancellationToken)
    {
        try
        {
            await FlushAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.FlushFailed(logger, e);
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
                changed.Add((route.ServerId, new DateTime(ticks, DateTimeKind.Utc)));
            }
        }
        if (changed.Count == 0)
        {
            return;
        }
        await scoped.RunAsync((ServerStore servers) => servers.RecordActivityAsync(changed, cancellationToken));
        // Marked only once written, so a failed flush is retried with the same activity.
        foreach (var (serverId, at) in changed)
        {
            _flushed[serverId] = at.Ticks;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = HubEvents.ActivityFlushFailed, Level = LogLevel.Warning, Message = "Could not record proxy activity; retrying at the next flush")]
        public static partial void FlushFailed(ILogger logger, Exception error);
    }
}
