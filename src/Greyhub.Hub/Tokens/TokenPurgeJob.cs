using Greyhub.Hub.Background;
using Microsoft.Extensions.Logging;

namespace Greyhub.Hub.Tokens;

/// <summary>
/// Deletes expired tokens and OAuth codes every hour, in a fresh scope each run, on the hub holding the housekeeping
/// lease only; errors are logged and the loop goes on.
/// </summary>
internal sealed partial class TokenPurgeJob(ScopedRunner scoped, HousekeepingLease lease, TimeProvider time, ILogger<TokenPurgeJob> logger) : HubBackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    if (!await lease.TryHoldAsync(stoppingToken))
                    {
                        continue;
                    }
                    var purged = await scoped.RunAsync((TokenPurge purge) => purge.RunOnceAsync(stoppingToken));
                    LogPurged(logger, purged);
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

    [LoggerMessage(EventId = HubEvents.TokensPurged, Level = LogLevel.Debug, Message = "Purged {Count} expired tokens and OAuth codes")]
    private static partial void LogPurged(ILogger logger, int count);

    [LoggerMessage(EventId = HubEvents.TokenPurgeFailed, Level = LogLevel.Error, Message = "Purging expired tokens failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
