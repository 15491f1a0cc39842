using Microsoft.AspNetCore.Http;

namespace Greyhub.Hub.Proxy;

/// <summary>
/// Runs a hub request (a page, the API) or background work on the thread pool from start to end. With inline scheduling and inline socket
/// completions, a request starts on a socket thread and every await that waits for the network (a request body, an
/// OIDC token call, a PostgreSQL query) resumes on one; the proxy's connections are served by those same threads, so
/// a password hash or a SQLite write there would stall them. The request runs under a synchronization context that
/// posts each continuation to the pool, so the hub's code never runs on a socket thread.
/// </summary>
internal static class ThreadPoolHop
{
    /// <summary>Runs <paramref name="next"/> for <paramref name="context"/> on the thread pool, continuations included.</summary>
    public static async Task RunAsync(HttpContext context, RequestDelegate next)
    {
        // Set on the socket thread only for the call: the async method's start restores the caller's context.
        SynchronizationContext.SetSynchronizationContext(PoolContext.Instance);
        try
        {
            await Task.Yield();
            await next(context);
        }
        finally
        {
            // Kestrel's own code continues synchronously from here; it must not inherit the context.
            SynchronizationContext.SetSynchronizationContext(null);
        }
    }

    /// <summary>
    /// Runs background work (a spawn, a stop, a hosted job) with every continuation on the thread pool: an HTTP call to
    /// a server, to Kubernetes or to PostgreSQL completes on a socket thread, and what follows it (a SQLite write, a
    /// process start) must not run there.
    /// </summary>
    public static async Task RunAsync(Func<Task> work)
    {
        // The async method's start restores the caller's context, so only this work runs under the pool's.
        SynchronizationContext.SetSynchronizationContext(PoolContext.Instance);
        try
        {
            await work();
        }
        finally
        {
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
