using Greyhub.Hub.Background;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Greyhub.Clusters;

/// <summary>
/// Runs the <see cref="ClusterReconciler"/> every <see cref="ClustersOptions.ReconcilePeriod"/> and purges old records;
/// its first pass, at start-up, re-adopts the clusters a previous hub left running and reaps the dead ones.
/// </summary>
internal sealed partial class ClusterJobsService(ClusterReconciler reconciler, ScopedRunner scoped, IOptions<ClustersOptions> options, TimeProvider time, ILogger<ClusterJobsService> logger)
    : HubBackgroundService
{
    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ReconcilePeriod, time);
        var runs = 0L;
        do
        {
            try
            {
                await reconciler.RunOnceAsync(stoppingToken);
                if (runs++ % 600 == 0)
                {
                    var before = time.GetUtcNow().UtcDateTime - options.Value.StoppedRetention;
                    await scoped.RunAsync((Greyhub.Data.Stores.DaskClusterStore store) => store.PurgeAsync(before, stoppingToken));
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogFailed(logger, e);
            }
        }
        while (await NextAsync(timer, stoppingToken));
    }

    private static async Task<bool> NextAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = ClusterEvents.ReconcilerFailed, Level = LogLevel.Error, Message = "The cluster reconciler failed; it runs again next period")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
