using Greyhub.Hub.Background;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Greyhub.Clusters;

/// <summary>
/// Runs the <see cref="ClusterReconciler"/> every <see cref="ClustersOptions.ReconcilePeriod"/> and purges old records;
/// its first pass, at start-up, re-adopts the clusters a previous hub left running and reaps the dead ones.
/// </summary>
internal sealed partial class ClusterJobsService(ClusterReconciler reconciler, ClusterGate gate, ScopedRunner scoped, IOptions<ClustersOptions> options, TimeProvider time, ILogger<ClusterJobsService> logger)
    : HubBackgroundService
{
    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        var runs = 0L;
        do
        {
            try
            {
                gate.ReconcileStarting();
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
        while (await NextAsync(stoppingToken));
    }

    /// <summary>Waits for the next period, or less when a change asked for a pass; false at shutdown.</summary>
    private async Task<bool> NextAsync(CancellationToken stoppingToken)
    {
        using var period = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var delay = Task.Delay(options.Value.ReconcilePeriod, time, period.Token);
        await Task.WhenAny(delay, gate.ReconcileRequested);
        await period.CancelAsync();
        return !stoppingToken.IsCancellationRequested;
    }

    [LoggerMessage(EventId = ClusterEvents.ReconcilerFailed, Level = LogLevel.Error, Message = "The cluster reconciler failed; it runs again next period")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
