using System.Net;

namespace Greyhub.Zarr.Storage;

public sealed partial class HttpStore
{
    /// <summary>Runs one request up to <see cref="HttpStoreOptions.MaxAttempts"/> times while it fails transiently.</summary>
    private async ValueTask<T> RetryAsync<T>(string key, Func<CancellationToken, ValueTask<T>> attempt, CancellationToken cancellationToken)
    {
        for (var n = 1; ; n++)
        {
            TimeSpan? retryAfter = null;
            Exception failure;
            try
            {
                return await attempt(cancellationToken);
            }
            catch (TransientStatusException e)
            {
                (failure, retryAfter) = (e, e.RetryAfter);
            }
            catch (Exception e) when (IsTransient(e, cancellationToken))
            {
                failure = e;
            }
            if (n >= _options.MaxAttempts)
            {
                throw new ZarrException($"HTTP read of '{key}' from {_base} failed after {n} attempt{(n == 1 ? "" : "s")}: {failure.Message}", failure);
            }
            await Task.Delay(Backoff(n, retryAfter), _options.TimeProvider, cancellationToken);
        }
    }

    /// <summary>Exponential backoff with jitter (half to all of the step), or the server's Retry-After; capped.</summary>
    private TimeSpan Backoff(int failedAttempts, TimeSpan? retryAfter)
    {
        var max = _options.MaxRetryDelay;
        if (retryAfter is { } after && after > TimeSpan.Zero)
        {
            return after < max ? after : max;
        }
        var step = _options.FirstRetryDelay * Math.Pow(2, Math.Min(failedAttempts - 1, 30));
        var capped = step < max ? step : max;
        return capped * (0.5 + (Random.Shared.NextDouble() * 0.5));
    }

    private static bool IsTransient(HttpStatusCode status) => (int)status is 408 or 429 or 500 or 502 or 503 or 504;

    private static bool IsTransient(Exception e, CancellationToken cancellationToken) => e switch
    {
        // Connection refused or reset, a response cut short, a malformed frame from a proxy.
        HttpRequestException h => h.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.ResponseEnded
            or HttpRequestError.HttpProtocolError or HttpRequestError.Unknown,
        // HttpIOException (body ended early), EndOfStreamException, a socket reset while reading the body.
        IOException => true,
        // HttpClient.Timeout, not the caller's cancellation.
        TaskCanceledException => !cancellationToken.IsCancellationRequested && e.InnerException is TimeoutException,
        _ => false,
    };

    /// <summary>A response whose status is worth retrying.</summary>
    private sealed class TransientStatusException(string message, TimeSpan? retryAfter) : Exception(message)
    {
        public TimeSpan? RetryAfter { get; } = retryAfter;
    }
}
