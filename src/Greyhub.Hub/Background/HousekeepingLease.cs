using Greyhub.Data.Stores;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Background;

/// <summary>
/// This hub's claim on the housekeeping lease, a row in <c>housekeeping_leases</c> shared by every hub on the database.
/// Jobs only one hub may run ask <see cref="TryHoldAsync"/> before each run: it takes or renews the lease in one
/// conditional write, so the answer is the database's at that moment, never a cached belief. A row and an expiry,
/// rather than a PostgreSQL advisory lock: pooled connections are not reset when returned (No Reset On Close), so a
/// session lock would stay with whichever request used the connection next, and SQLite has no such lock at all.
/// </summary>
internal sealed partial class HousekeepingLease(ScopedRunner scoped, IOptions<HousekeepingOptions> options, TimeProvider time, ILogger<HousekeepingLease> logger)
{
    /// <summary>The lease's name in the table.</summary>
    public const string Name = "housekeeping";

    private int _held = -1;

    /// <summary>This hub's id as a holder: host, process and a random part (two hubs in one process differ).</summary>
    public string Holder { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Takes or renews the lease; true when this hub holds it until at least one more <see cref="HousekeepingOptions.RenewInterval"/>.</summary>
    public async Task<bool> TryHoldAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var held = await scoped.RunAsync((LeaseStore leases) =>
            leases.TryAcquireAsync(Name, Holder, now, now + options.Value.LeaseDuration, cancellationToken));
        // Logged on changes only: a renewal every few seconds is no news.
        if (Interlocked.Exchange(ref _held, held ? 1 : 0) != (held ? 1 : 0))
        {
            if (held)
            {
                LogTaken(logger, Holder);
            }
            else
            {
                LogHeldElsewhere(logger, Holder);
            }
        }
        return held;
    }

    /// <summary>Gives the lease up (at a clean stop), so a waiting hub takes it at its next try rather than after expiry.</summary>
    public Task ReleaseAsync(CancellationToken cancellationToken) =>
        scoped.RunAsync((LeaseStore leases) => leases.ReleaseAsync(Name, Holder, cancellationToken));

    [LoggerMessage(EventId = HubEvents.LeaseTaken, Level = LogLevel.Information, Message = "This hub ({Holder}) holds the housekeeping lease: it runs idle culling and pruning")]
    private static partial void LogTaken(ILogger logger, string holder);

    [LoggerMessage(EventId = HubEvents.LeaseHeldElsewhere, Level = LogLevel.Information, Message = "Another hub holds the housekeeping lease; this hub ({Holder}) leaves idle culling and pruning to it")]
    private static partial void LogHeldElsewhere(ILogger logger, string holder);
}

/// <summary>Keeps the lease renewed (or tries to take it) every <see cref="HousekeepingOptions.RenewInterval"/>; gives it up at a clean stop.</summary>
internal sealed partial class HousekeepingLeaseService(HousekeepingLease lease, IOptions<HousekeepingOptions> options, TimeProvider time, ILogger<HousekeepingLeaseService> logger)
    : HubBackgroundService
{
    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RenewInterval, time);
        try
        {
            do
            {
                try
                {
                    await lease.TryHoldAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogRenewFailed(logger, ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down is not an error.
        }
        try
        {
            await lease.ReleaseAsync(CancellationToken.None);
        }
        catch (Exception ex)
        {
            LogRenewFailed(logger, ex);
        }
    }

    [LoggerMessage(EventId = HubEvents.LeaseRenewFailed, Level = LogLevel.Warning, Message = "Could not take, renew or release the housekeeping lease; trying again")]
    private static partial void LogRenewFailed(ILogger logger, Exception exception);
}
