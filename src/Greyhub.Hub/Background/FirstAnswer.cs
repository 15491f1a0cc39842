namespace Greyhub.Hub.Background;

/// <summary>
/// Completes once the hub has answered its first request. Work a restart finds waiting (re-adopting a thousand servers
/// the database says run) starts after it: on a small machine that work would otherwise take the CPU from the first
/// users' requests, the moment the hub is judged by.
/// </summary>
internal sealed class FirstAnswer
{
    private readonly TaskCompletionSource _answered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _done;

    /// <summary>Whether the first answer has been given (one field read: the check every request makes).</summary>
    public bool Done => _done;

    /// <summary>Records that a request has been answered.</summary>
    public void Set()
    {
        _done = true;
        _answered.TrySetResult();
    }

    /// <summary>
    /// Waits for the first answer, or <paramref name="grace"/> when no request comes. Real time, not the hub's clock:
    /// this shares the CPU at start, and a test's frozen clock must not hold the work back.
    /// </summary>
    public async Task WaitAsync(TimeSpan grace, CancellationToken cancellationToken)
    {
        try
        {
            await _answered.Task.WaitAsync(grace, TimeProvider.System, cancellationToken);
        }
        catch (TimeoutException)
        {
            // Nobody asked yet: the work need not wait any longer.
        }
    }
}
