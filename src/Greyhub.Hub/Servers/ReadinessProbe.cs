using System.Net;
using System.Net.Sockets;
using Greyhub.Abstractions.Compute;

namespace Greyhub.Hub.Servers;

/// <summary>
/// Waits until a started server answers HTTP on its own URL: any status below 500 means up (JupyterHub's rule).
/// It tries every 2 % of the time the start has taken so far, between 1 ms (and 1 ms per server being waited for, up to
/// 5) and 10 ms, for the first minute (50 ms after), rather than JupyterHub's jittered backoff, which noticed a ready
/// server seconds late: a server is seen within 2 % of its own start time (a few ms), where a flat 1 ms cost ~2,500
/// wake-ups and connection attempts for a server that takes 2.5 s, half the hub's CPU per spawn (benchmarks/plugins).
/// Meanwhile it watches whether the server died, so a crash fails the spawn at once: through the spawner's
/// <see cref="ISpawnerEndWatch"/> when it has one (one call for a plug-in), else by polling the spawner.
/// The answer also says which jupyterhub-singleuser runs (its <c>X-JupyterHub-Version</c> header), which
/// <see cref="SingleUserVersions"/> compares with the API this hub implements.
/// An attempt first only connects (no exception when refused, a few microseconds), and sends its HTTP request once
/// something listens: twenty servers starting at once on a busy machine cost the hub next to nothing to watch.
/// </summary>
internal sealed class ReadinessProbe(TimeProvider time, SingleUserVersions versions)
{
    private static readonly HttpClient Client = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        UseCookies = false,
        ConnectTimeout = TimeSpan.FromSeconds(2),
    })
    { Timeout = TimeSpan.FromSeconds(10) };

    private const int MaxTightIntervalMs = 5;
    private static readonly TimeSpan MaxYoungInterval = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan TightPolling = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan SpawnerPollYoung = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan SpawnerPollOld = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(2);

    // Servers being waited for right now (spawns, and re-attaching after a restart): sets the tight polling interval.
    private int _waiting;

    /// <summary>
    /// True once the server answers; false when <paramref name="timeout"/> passes. Throws <see cref="SpawnFailedException"/>
    /// if it dies, which <paramref name="watch"/> (when given and not null) says, else <paramref name="poll"/>.
    /// </summary>
    public async Task<bool> WaitAsync(
        Uri url, Func<CancellationToken, Task<SpawnerStatus>> poll, TimeSpan timeout, CancellationToken cancellationToken,
        Func<CancellationToken, Task<SpawnerStatus>?>? watch = null)
    {
        var started = time.GetTimestamp();
        Interlocked.Increment(ref _waiting);
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var ended = watch?.Invoke(watching.Token);
        try
        {
            return await PollAsync(url, poll, ended, timeout, started, cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
            await watching.CancelAsync();
            // The watch ends with the wait; how it ended no longer matters.
            _ = ended?.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
    }

    private async Task<bool> PollAsync(
        Uri url, Func<CancellationToken, Task<SpawnerStatus>> poll, Task<SpawnerStatus>? ended, TimeSpan timeout, long started, CancellationToken cancellationToken)
    {
        var lastPoll = started;
        while (true)
        {
            if (await ListensAsync(url, cancellationToken) && await AnswersAsync(url, cancellationToken) is { Up: true } answer)
            {
                versions.Seen(url, answer.SingleUserVersion);
                return true;
            }
            var elapsed = time.GetElapsedTime(started);
            if (elapsed > timeout)
            {
                return false;
            }
            var young = elapsed < TightPolling;
            if (ended is { IsCompleted: true })
            {
                if (ended.IsCompletedSuccessfully)
                {
                    throw Died(await ended);
                }
                // The watch was lost (a plug-in restarted): poll from now on.
                ended = null;
            }
            // Without a watch the spawner is asked by the clock, not per attempt: for Slurm or Kubernetes a poll is a
            // query to a scheduler.
            if (ended is null && time.GetElapsedTime(lastPoll) >= (young ? SpawnerPollYoung : SpawnerPollOld)
                && await PollSpawnerAsync() is { Running: false } status)
            {
                throw Died(status);
            }
            await Task.Delay(young ? Interval(elapsed) : TimeSpan.FromMilliseconds(50), time, cancellationToken);
        }

        Task<SpawnerStatus> PollSpawnerAsync()
        {
            lastPoll = time.GetTimestamp();
            return poll(cancellationToken);
        }
    }

    /// <summary>2 % of the start so far, between 1 ms per server being waited for (1-5 ms) and 10 ms.</summary>
    private TimeSpan Interval(TimeSpan elapsed)
    {
        var floor = TimeSpan.FromMilliseconds(Math.Clamp(Volatile.Read(ref _waiting), 1, MaxTightIntervalMs));
        var share = elapsed / 50;
        return share < floor ? floor : share > MaxYoungInterval ? MaxYoungInterval : share;
    }

    private static SpawnFailedException Died(SpawnerStatus status) => new(status.ExitCode is { } code
        ? $"The server exited with code {code} before it answered"
        : $"The server ended before it answered: {status.Reason ?? "unknown reason"}");

    /// <summary>True when something accepts a TCP connection at the URL's host and port; a refusal throws nothing.</summary>
    private static async Task<bool> ListensAsync(Uri url, CancellationToken cancellationToken)
    {
        EndPoint endPoint = IPAddress.TryParse(url.IdnHost, out var ip) ? new IPEndPoint(ip, url.Port) : new DnsEndPoint(url.IdnHost, url.Port);
        using var args = new SocketAsyncEventArgs { RemoteEndPoint = endPoint };
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        args.Completed += (_, _) => done.TrySetResult();
        try
        {
            if (Socket.ConnectAsync(SocketType.Stream, ProtocolType.Tcp, args))
            {
                try
                {
                    await done.Task.WaitAsync(ConnectTimeout, cancellationToken);
                }
                catch (TimeoutException)
                {
                    Socket.CancelConnectAsync(args);
                    return false;
                }
            }
            return args.SocketError == SocketError.Success;
        }
        finally
        {
            args.ConnectSocket?.Dispose();
        }
    }

    /// <summary>One attempt: up when the server answers below 500, with the single-user version it sends, if any.</summary>
    private static async Task<(bool Up, string? SingleUserVersion)> AnswersAsync(Uri url, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await Client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var version = response.Headers.TryGetValues(SingleUserVersions.Header, out var values) ? values.FirstOrDefault() : null;
            return ((int)response.StatusCode < 500, version);
        }
        catch (HttpRequestException)
        {
            return (false, null);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (false, null);
        }
    }
}
