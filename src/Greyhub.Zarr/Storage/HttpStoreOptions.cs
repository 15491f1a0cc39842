namespace Greyhub.Zarr.Storage;

/// <summary>How an <see cref="HttpStore"/> retries transient failures.</summary>
/// <remarks>
/// Transient: connection failures and resets, a body that ends early (<see cref="System.Net.Http.HttpIOException"/>),
/// client time-outs, and HTTP 408, 429, 500, 502, 503 and 504 (the statuses cloud object-store clients such as
/// gcsfs and s3fs retry). Each retry waits an exponential, jittered backoff, or the server's <c>Retry-After</c>,
/// never longer than <see cref="MaxRetryDelay"/>.
/// </remarks>
public sealed class HttpStoreOptions
{
    /// <summary>Attempts per request, the first included (1 disables retries). Default 5.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>The backoff before the first retry; doubled for each further one. Default 50 ms.</summary>
    public TimeSpan FirstRetryDelay { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The longest wait between attempts. Default 2 s.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The clock the backoff waits on.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    internal void Validate()
    {
        var errors = new List<string>();
        if (MaxAttempts < 1)
        {
            errors.Add($"MaxAttempts must be at least 1, not {MaxAttempts}");
        }
        if (FirstRetryDelay < TimeSpan.Zero || MaxRetryDelay < FirstRetryDelay)
        {
            errors.Add($"need 0 <= FirstRetryDelay ({FirstRetryDelay}) <= MaxRetryDelay ({MaxRetryDelay})");
        }
        if (errors.Count > 0)
        {
            throw new ArgumentException("invalid HttpStoreOptions: " + string.Join("; ", errors));
        }
    }
}
