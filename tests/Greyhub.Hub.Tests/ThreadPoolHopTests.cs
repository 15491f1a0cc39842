using Greyhub.Hub.Background;

namespace Greyhub.Hub.Tests;

/// <summary>
/// Background work under <see cref="ThreadPoolHop"/>: an await that completes on another thread (as a socket read does on
/// the socket thread with inline completions) resumes on the thread pool, and the caller's context is left alone.
/// </summary>
public sealed class ThreadPoolHopTests
{
    private const string Completer = "completer";

    [Fact(Timeout = 30_000)]
    public async Task Continuations_of_background_work_run_on_the_pool_not_on_the_completing_thread()
    {
        var ct = TestContext.Current.CancellationToken;
        var (inline, _) = await ResumeAfterForeignCompletionsAsync(hop: false, ct);
        // The control: without the hop the code resumes on the thread that completed the await.
        Assert.Equal(Completer, inline.Name);
        Assert.False(inline.IsThreadPoolThread);

        var (hopped, later) = await ResumeAfterForeignCompletionsAsync(hop: true, ct);
        Assert.True(hopped.IsThreadPoolThread);
        Assert.NotEqual(Completer, hopped.Name);
        // And after every later await too.
        Assert.True(later.IsThreadPoolThread);
        Assert.NotEqual(Completer, later.Name);
    }

    [Fact(Timeout = 30_000)]
    public async Task The_caller_keeps_its_own_synchronization_context()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = SynchronizationContext.Current;
        var gate = new TaskCompletionSource();
        var work = ThreadPoolHop.RunAsync(() => gate.Task);
        Assert.Same(before, SynchronizationContext.Current);
        gate.SetResult();
        await work.WaitAsync(ct);
    }

    /// <summary>Inside the work, awaits two tasks completed by threads of their own; returns the threads it resumed on.</summary>
    private static async Task<(Resumed First, Resumed Second)> ResumeAfterForeignCompletionsAsync(bool hop, CancellationToken ct)
    {
        Resumed? first = null, second = null;
        async Task Work()
        {
            first = await ResumeAfterForeignCompletionAsync(ct);
            second = await ResumeAfterForeignCompletionAsync(ct);
        }
        await Task.Run(() => hop ? ThreadPoolHop.RunAsync(Work) : Work(), ct);
        return (first!, second!);
    }

    /// <summary>
    /// Awaits a task that a dedicated thread completes once the continuation is registered (so it runs there unless a
    /// synchronization context takes it); returns the thread the await resumed on.
    /// </summary>
    private static async Task<Resumed> ResumeAfterForeignCompletionAsync(CancellationToken ct)
    {
        var source = new TaskCompletionSource();
        using var go = new ManualResetEventSlim();
        var thread = new Thread(() =>
        {
            go.Wait(ct);
            source.SetResult();
        })
        { Name = Completer, IsBackground = true };
        thread.Start();
        var resumed = ResumeOn(source.Task);
        go.Set();
        return await resumed;

        static async Task<Resumed> ResumeOn(Task task)
        {
            await task;
            return new Resumed(Thread.CurrentThread.Name, Thread.CurrentThread.IsThreadPoolThread);
        }
    }

    /// <summary>The thread an await resumed on, seen while it ran there.</summary>
    private sealed record Resumed(string? Name, bool IsThreadPoolThread);
}
