using Greyhub.Data.Stores;
using Greyhub.Hub.Background;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Audit;

/// <summary>
/// Deletes audit entries older than <see cref="AuditOptions.Retention"/>, every <see cref="AuditOptions.PruneInterval"/>,
/// on the hub holding the housekeeping lease only.
/// </summary>
internal sealed partial class AuditPruneJob(ScopedRunner scoped, HousekeepingLease lease, IOptions<AuditOptions> options, TimeProvider time, ILogger<AuditPruneJob> logger)
    : HubBackgroundService
{
    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PruneInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    if (await lease.TryHoldAsync(stoppingToken))
                    {
                        await PruneOnceAsync(stoppingToken);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down is not an error.
        }
    }

    /// <summary>One pruning; returns how many entries went.</summary>
    public async Task<int> PruneOnceAsync(CancellationToken cancellationToken)
    {
        var before = time.GetUtcNow().UtcDateTime - options.Value.Retention;
        var pruned = await scoped.RunAsync((AuditStore store) => store.PruneAsync(before, cancellationToken));
        LogPruned(logger, pruned, before);
        return pruned;
    }

    [LoggerMessage(EventId = HubEvents.AuditPruned, Level = LogLevel.Debug, Message = "Pruned {Count} audit entries from before {Before:o}")]
    private static partial void LogPruned(ILogger logger, int count, DateTime before);

    [LoggerMessage(EventId = HubEvents.AuditPruneFailed, Level = LogLevel.Error, Message = "Pruning the audit log failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
