using Greyhub.Hub.Background;
using Greyhub.Hub.Observability;
using Greyhub.Hub.Proxy;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Servers;

/// <summary>
/// Runs <see cref="RouteCheck"/> once the hub listens (the hub's own route needs its address), then every
/// <see cref="ServersOptions.CheckRoutesInterval"/>, and at once when asked (<see cref="RouteCheckSignal"/>: a proxy
/// the hub restarted). A failed check (the proxy unreachable, say) is logged and the loop goes on.
/// </summary>
internal sealed partial class RouteCheckJob(
    RouteCheck check,
    RouteCheckSignal signal,
    HubMetrics metrics,
    IOptions<HubOptions> options,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILogger<RouteCheckJob> logger) : HubBackgroundService
{
    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        try
        {
            await WhenStartedAsync(stoppingToken);
            using var timer = new PeriodicTimer(options.Value.Servers.CheckRoutesInterval, time);
            // The proxy's start asked for a check before the hub was started: the first check is that one.
            signal.TryTake();
            await TryCheckAsync(stoppingToken);
            signal.FirstCheckRan();
            Task<bool>? tick = null;
            Task? asked = null;
            while (true)
            {
                // Whichever comes first; the other stays pending for the next round (a timer allows one wait at a time).
                tick ??= timer.WaitForNextTickAsync(stoppingToken).AsTask();
                asked ??= signal.WaitAsync(stoppingToken);
                if (await Task.WhenAny(tick, asked) == tick)
                {
                    if (!await tick)
                    {
                        return;
                    }
                    tick = null;
                }
                else
                {
                    await asked;
                    asked = null;
                }
                await TryCheckAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task WhenStartedAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        await started.Task.WaitAsync(stoppingToken);
    }

    private async Task TryCheckAsync(CancellationToken stoppingToken)
    {
        try
        {
            await check.RunAsync(stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            Log.Failed(logger, e);
            metrics.RouteCheckFailures.Inc();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = HubEvents.RouteCheckFailed, Level = LogLevel.Warning, Message = "Checking the proxy's routes failed; trying again at the next check")]
        public static partial void Failed(ILogger logger, Exception error);
    }
}
