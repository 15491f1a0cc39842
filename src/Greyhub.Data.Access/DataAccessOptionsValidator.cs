using Greyhub.Data.Access.Remote;
using Greyhub.Data.Access.Serving;
using Microsoft.Extensions.Options;

namespace Greyhub.Data.Access;

/// <summary>Checks <see cref="DataAccessOptions"/> at start-up, reporting every problem at once.</summary>
internal sealed class DataAccessOptionsValidator : IValidateOptions<DataAccessOptions>
{
    public ValidateOptionsResult Validate(string? name, DataAccessOptions options)
    {
        var failures = new List<string>();
        foreach (var root in options.AllowedRoots)
        {
            if (string.IsNullOrWhiteSpace(root) || !Path.IsPathFullyQualified(root))
            {
                failures.Add($"{DataAccessOptions.Section}:AllowedRoots must hold absolute folder paths, not '{root}'.");
            }
        }
        if (options.SignedUrlLifetime <= TimeSpan.Zero || options.SignedUrlMaxLifetime <= TimeSpan.Zero)
        {
            failures.Add($"{DataAccessOptions.Section}:SignedUrlLifetime and SignedUrlMaxLifetime must be positive.");
        }
        else if (options.SignedUrlLifetime > options.SignedUrlMaxLifetime)
        {
            failures.Add($"{DataAccessOptions.Section}:SignedUrlLifetime ({options.SignedUrlLifetime}) exceeds SignedUrlMaxLifetime ({options.SignedUrlMaxLifetime}).");
        }
        if (options.RegistryRefreshInterval < TimeSpan.Zero)
        {
            failures.Add($"{DataAccessOptions.Section}:RegistryRefreshInterval must not be negative.");
        }
        if (options.CacheMaxAge < TimeSpan.Zero)
        {
            failures.Add($"{DataAccessOptions.Section}:CacheMaxAge must not be negative.");
        }
        foreach (var origin in options.CorsAllowedOrigins)
        {
            if (!DataCors.IsOrigin(origin))
            {
                failures.Add($"{DataAccessOptions.Section}:CorsAllowedOrigins must hold origins such as 'https://viewer.example.org' (scheme, host, optional port; no path), not '{origin}'.");
            }
        }
        foreach (var prefix in options.AllowedRemotes)
        {
            if (RemoteLocation.PrefixProblem(prefix) is { } problem)
            {
                failures.Add($"{DataAccessOptions.Section}:AllowedRemotes: {problem}");
            }
        }
        if (options.RemoteTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{DataAccessOptions.Section}:RemoteTimeout must be positive.");
        }
        if (options.RemoteMaxResponseBytes <= 0 || options.MaxWriteBytes <= 0)
        {
            failures.Add($"{DataAccessOptions.Section}:RemoteMaxResponseBytes and MaxWriteBytes must be positive.");
        }
        if (options.RemoteMaxRedirects is < 0 or > 20)
        {
            failures.Add($"{DataAccessOptions.Section}:RemoteMaxRedirects must be between 0 and 20.");
        }
        if (options.RemoteDeadline <= TimeSpan.Zero || options.RemoteCacheLifetime < TimeSpan.Zero)
        {
            failures.Add($"{DataAccessOptions.Section}:RemoteDeadline must be positive and RemoteCacheLifetime not negative.");
        }
        // Metadata documents, index pages and chunks are held whole in memory: each has a ceiling of its own.
        CheckRange(failures, nameof(options.RemoteMaxMetadataBytes), options.RemoteMaxMetadataBytes, 1024, 256L * 1024 * 1024);
        CheckRange(failures, nameof(options.RemoteMaxListingBytes), options.RemoteMaxListingBytes, 1024, 16L * 1024 * 1024);
        CheckRange(failures, nameof(options.RemoteMaxChunkBytes), options.RemoteMaxChunkBytes, 1024, 1024L * 1024 * 1024);
        CheckRange(failures, nameof(options.RemoteMaxReadBytes), options.RemoteMaxReadBytes, options.RemoteMaxChunkBytes, 16L * 1024 * 1024 * 1024);
        CheckRange(failures, nameof(options.RemoteCrawlMaxBytes), options.RemoteCrawlMaxBytes, options.RemoteMaxMetadataBytes, 4L * 1024 * 1024 * 1024);
        CheckRange(failures, nameof(options.RemoteCacheBytes), options.RemoteCacheBytes, 0, long.MaxValue);
        CheckRange(failures, nameof(options.RemoteCrawlMaxDocuments), options.RemoteCrawlMaxDocuments, 1, 1_000_000);
        CheckRange(failures, nameof(options.RemoteCrawlMaxDepth), options.RemoteCrawlMaxDepth, 0, 256);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckRange(List<string> failures, string name, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            failures.Add($"{DataAccessOptions.Section}:{name} must be between {min} and {max} (was {value}).");
        }
    }
}
