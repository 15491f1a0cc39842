using Greyhub.Data;
using Greyhub.Data.Stores;
using Greyhub.Hub.Background;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Audit;

/// <summary>
/// Writes <see cref="AuditLog"/>'s queue to the database, one batch per round trip. It keeps writing while the other
/// services stop (server stops at shutdown are audited too) and, once every service has stopped, drains the queue and
/// ends: a clean shutdown loses nothing. A crash loses what was queued and not yet written (at most the queue, in
/// practice the last few milliseconds of entries).
/// </summary>
internal sealed partial class AuditWriter(AuditLog log, ScopedRunner scoped, IOptions<AuditOptions> options, ILogger<AuditWriter> logger)
    : IHostedLifecycleService, IDisposable
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);
    private const int Attempts = 3;
    private readonly CancellationTokenSource _abort = new();
    private Task _loop = Task.CompletedTask;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = ThreadPoolHop.RunAsync(() => RunAsync(_abort.Token));
        return Task.CompletedTask;
    }

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>After every service's stop: drain, unless the host's shutdown timeout runs out first.</summary>
    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        log.Complete();
        using (cancellationToken.Register(_abort.Cancel))
        {
            await _loop;
        }
    }

    public void Dispose() => _abort.Dispose();

    private async Task RunAsync(CancellationToken abort)
    {
        var reader = log.Reader;
        var batch = new List<AuditRecord>(options.Value.BatchSize);
        try
        {
            while (await reader.WaitToReadAsync(abort))
            {
                while (batch.Count < options.Value.BatchSize && reader.TryRead(out var entry))
                {
                    batch.Add(entry);
                }
                await WriteAsync(batch, abort);
                batch.Clear();
                if (log.TakeDropped() is > 0 and var dropped)
                {
                    LogDropped(logger, dropped);
                }
            }
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            LogAbandoned(logger, batch.Count + reader.Count);
        }
    }

    private async Task WriteAsync(List<AuditRecord> batch, CancellationToken abort)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await scoped.RunAsync((AuditStore store) => store.AddAsync(batch, abort));
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException && attempt < Attempts)
            {
                LogRetrying(logger, ex, batch.Count);
                await Task.Delay(RetryDelay, abort);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The loop survives a database that is down; these entries are lost, and said so.
                LogWriteFailed(logger, ex, batch.Count);
                return;
            }
        }
    }

    [LoggerMessage(EventId = HubEvents.AuditWriteFailed, Level = LogLevel.Error, Message = "Could not write {Count} audit entries; they are lost")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(EventId = HubEvents.AuditWriteRetrying, Level = LogLevel.Warning, Message = "Could not write {Count} audit entries; trying again")]
    private static partial void LogRetrying(ILogger logger, Exception exception, int count);

    [LoggerMessage(EventId = HubEvents.AuditDropped, Level = LogLevel.Warning, Message = "{Count} audit entries were dropped: the queue was full or the hub had stopped")]
    private static partial void LogDropped(ILogger logger, long count);

    [LoggerMessage(EventId = HubEvents.AuditAbandoned, Level = LogLevel.Error, Message = "The shutdown timeout ran out with {Count} audit entries not written")]
    private static partial void LogAbandoned(ILogger logger, int count);
}
