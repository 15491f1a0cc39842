using Greyhub.Hub.Background;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Culling;

/// <summary>
/// Runs <see cref="IdleCuller"/> every <see cref="CullerOptions.Every"/> on the hub's clock, on the hub holding the
/// housekeeping lease only (several hubs on one database cull once); errors are logged and the loop goes on.
/// </summary>
internal sealed partial class IdleCullerJob(IdleCuller culler, HousekeepingLease lease, IOptions<CullerOptions> options, TimeProvider time, ILogger<IdleCullerJob> logger)
    : HubBackgroundService
{
    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }
        using var timer = new PeriodicTimer(options.Value.Every, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    if (await lease.TryHoldAsync(stoppingToken))
                    {
                        await culler.CullOnceAsync(stoppingToken);
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

    [LoggerMessage(EventId = HubEvents.CullerRunFailed, Level = LogLevel.Error, Message = "An idle culler pass failed; the next one tries again")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
