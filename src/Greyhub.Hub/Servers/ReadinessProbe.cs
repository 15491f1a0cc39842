using Greyhub.Abstractions.Compute;

namespace Greyhub.Hub.Servers;

/// <summary>
/// Waits until a started server answers HTTP on its own URL: any status below 500 means up (JupyterHub's rule).
/// It polls every few tens of milliseconds rather than JupyterHub's jittered backoff, which noticed a ready server
/// seconds late; between attempts it asks the spawner whether the server died, so a crash fails the spawn at once.
/// </summary>
internal sealed class ReadinessProbe(TimeProvider time)
{
    private static readonly HttpClient Client = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        UseCookies = false,
        ConnectTimeout = TimeSpan.FromSeconds(2),
    })
    { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>True once the server answers; false when <paramref name="timeout"/> passes. Throws <see cref="SpawnFailedException"/> if it dies.</summary>
    public async Task<bool> WaitAsync(Uri url, Func<CancellationToken, Task<SpawnerStatus>> poll, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var delay = TimeSpan.FromMilliseconds(10);
        var attempt = 0;
        while (true)
        {
            if (await AnswersAsync(url, cancellationToken))
            {
                return true;
            }
            if (time.GetElapsedTime(started) > timeout)
            {
                return false;
            }
            if (++attempt % 5 == 0 && await poll(cancellationToken) is { Running: false } status)
            {
                throw new SpawnFailedException(status.ExitCode is { } code
                    ? $"The server exited with code {code} before it answered"
                    : $"The server ended before it answered: {status.Reason ?? "unknown reason"}");
            }
            await Task.Delay(delay, time, cancellationToken);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 1.5, 200));
        }
    }

    /// <summary>One attempt: true when the server answers below 500.</summary>
    public static async Task<bool> AnswersAsync(Uri url, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await Client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            return (int)response.StatusCode < 500;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
