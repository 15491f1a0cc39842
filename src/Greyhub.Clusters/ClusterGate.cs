namespace Greyhub.Clusters;

/// <summary>
/// One change to clusters at a time in this hub (the API, heartbeats and the reconciler all read, decide and write the
/// same rows), and a signal for long polls waiting on a change.
/// </summary>
internal sealed class ClusterGate : IDisposable
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _reconcile = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task<T> RunAsync<T>(Func<Task<T>> work, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            return await work();
        }
        finally
        {
            _lock.Release();
        }
    }

    public Task RunAsync(Func<Task> work, CancellationToken cancellationToken) => RunAsync(async () =>
    {
        await work();
        return true;
    }, cancellationToken);

    /// <summary>Completes at the next change.</summary>
    public Task NextChange => Volatile.Read(ref _changed).Task;

    /// <summary>Completes when a change asks the reconciler to run now rather than at its next period.</summary>
    public Task ReconcileRequested => Volatile.Read(ref _reconcile).Task;

    /// <summary>
    /// Asks for a reconciler pass now (a running cluster's scale or adapt, a first launch that failed): workers launch
    /// without waiting up to a period. Heartbeats do not ask: their changes wait for the period, and the first report
    /// launches the workers a pending cluster was asked for itself.
    /// </summary>
    public void RequestReconcile() => Volatile.Read(ref _reconcile).TrySetResult();

    /// <summary>Called by the reconciler as a pass starts: requests made from now on ask for the next one.</summary>
    public void ReconcileStarting() => Interlocked.Exchange(ref _reconcile, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    public void Dispose() => _lock.Dispose();

    public void Changed() => Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
