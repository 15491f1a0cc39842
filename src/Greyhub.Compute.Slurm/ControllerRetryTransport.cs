using Microsoft.Extensions.Logging;

namespace Greyhub.Compute.Slurm;

/// <summary>
/// Retries a transport's calls while slurmctld cannot be reached. Slurm's own words for it ("Unable to contact slurm
/// controller") come from the commands and from slurmrestd alike, and mean the request never reached the controller,
/// so even a submission is safe to send again.
/// </summary>
internal sealed partial class ControllerRetryTransport(ISlurmTransport inner, TimeSpan patience, TimeProvider time, ILogger logger) : ISlurmTransport
{
    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(2);

    /// <summary>True for Slurm's "the controller is unreachable" errors.</summary>
    public static bool IsControllerUnreachable(SlurmException e) =>
        e.Message.Contains("Unable to contact slurm controller", StringComparison.OrdinalIgnoreCase);

    public Task<string> SubmitAsync(BatchJob job, CancellationToken cancellationToken) =>
        RetryAsync(() => inner.SubmitAsync(job, cancellationToken), cancellationToken);

    public Task<IReadOnlyList<SlurmJobInfo>> QueryAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken) =>
        RetryAsync(() => inner.QueryAsync(ids, cancellationToken), cancellationToken);

    public Task<IReadOnlyList<SlurmJobInfo>> QueryFinishedAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken) =>
        RetryAsync(() => inner.QueryFinishedAsync(ids, cancellationToken), cancellationToken);

    public Task<IReadOnlyList<SlurmJobInfo>> QueryByNameAsync(string name, CancellationToken cancellationToken) =>
        RetryAsync(() => inner.QueryByNameAsync(name, cancellationToken), cancellationToken);

    public Task TerminateAsync(string id, CancellationToken cancellationToken) =>
        RetryAsync(async () => { await inner.TerminateAsync(id, cancellationToken); return true; }, cancellationToken);

    public Task CancelAsync(string id, CancellationToken cancellationToken) =>
        RetryAsync(async () => { await inner.CancelAsync(id, cancellationToken); return true; }, cancellationToken);

    public Task<string?> NodeAddressAsync(string node, CancellationToken cancellationToken) =>
        RetryAsync(() => inner.NodeAddressAsync(node, cancellationToken), cancellationToken);

    private async Task<T> RetryAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var delay = FirstDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (SlurmException e) when (IsControllerUnreachable(e) && time.GetElapsedTime(started) + delay <= patience)
            {
                LogUnreachable(logger, attempt, e.Message);
            }
            await Task.Delay(delay, time, cancellationToken);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
        }
    }

    [LoggerMessage(EventId = 640, Level = LogLevel.Warning, Message = "slurmctld unreachable (attempt {Attempt}), retrying: {Error}")]
    private static partial void LogUnreachable(ILogger logger, int attempt, string error);
}
