namespace Greyhub.Hub.Background;

/// <summary>
/// Runs the hub's own work on the thread pool from its first line to its end: hub requests (pages, the API), spawns,
/// stops and the hub's background jobs. With inline scheduling and inline socket completions (the proxy's hot path),
/// a request starts on a socket thread and every await that waits for the network (a request body, an OIDC token
/// call, a server's answer, Kubernetes, PostgreSQL) resumes on one; the proxy's connections are served by those same
/// threads, so a password hash, a SQLite write or a process start there would stall them. The work runs under a
/// synchronization context that posts each continuation to the pool, so the hub's code never runs on a socket thread.
/// </summary>
internal static class ThreadPoolHop
{
    /// <summary>Starts <paramref name="work"/> on the thread pool and keeps every continuation of it there.</summary>
    public static async Task RunAsync(Func<Task> work)
    {
        // Set on the caller's thread only until the first await: the async method's start restores the caller's context.
        SynchronizationContext.SetSynchronizationContext(PoolContext.Instance);
        try
        {
            await Task.Yield();
            await work();
        }
        finally
        {
            // Whoever awaits this (Kestrel's own code, for a request) continues synchronously from here: not under our context.
            SynchronizationContext.SetSynchronizationContext(null);
        }
    }

    /// <summary>Posts continuations to the thread pool and keeps itself current while they run.</summary>
    private sealed class PoolContext : SynchronizationContext
    {
        public static readonly PoolContext Instance = new();

        public override void Post(SendOrPostCallback d, object? state) =>
            ThreadPool.UnsafeQueueUserWorkItem(static item => item.Run(), new WorkItem(d, state), preferLocal: false);

        public override SynchronizationContext CreateCopy() => this;

        private sealed record WorkItem(SendOrPostCallback Callback, object? State)
        {
            public void Run()
            {
                var previous = Current;
                SetSynchronizationContext(Instance);
                try
                {
                    Callback(State);
                }
                finally
                {
                    SetSynchronizationContext(previous);
                }
            }
        }
    }
}
