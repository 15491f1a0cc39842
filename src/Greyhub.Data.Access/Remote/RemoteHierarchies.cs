using System.Collections.Concurrent;
using Greyhub.Data.Access.Datasets;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Greyhub.Data.Access.Remote;

/// <summary>A remote dataset's hierarchy, or why there is none (said so that a reader may see it).</summary>
internal sealed record RemoteHierarchyResult(RemoteHierarchy? Hierarchy, string? Problem);

/// <summary>
/// Remote datasets' hierarchies for the hub's own reads and for <c>.zmetadata</c>: read once per dataset (concurrent
/// callers share one read), within <see cref="DataAccessOptions.RemoteDeadline"/> and the crawl budget, and kept for
/// <see cref="DataAccessOptions.RemoteCacheLifetime"/> whatever the outcome, so a slow or broken remote costs one
/// deadline per lifetime, not one per request. The cache counts the documents' bytes against
/// <see cref="DataAccessOptions.RemoteCacheBytes"/>.
/// </summary>
internal sealed partial class RemoteHierarchies : IDisposable
{
    private readonly RemoteStores _remotes;
    private readonly IOptions<DataAccessOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<RemoteHierarchies> _logger;
    private readonly MemoryCache _cache;
    private readonly ConcurrentDictionary<string, Lazy<Task<RemoteHierarchyResult>>> _reading = new(StringComparer.Ordinal);

    public RemoteHierarchies(RemoteStores remotes, IOptions<DataAccessOptions> options, TimeProvider time, ILogger<RemoteHierarchies> logger)
    {
        _remotes = remotes;
        _options = options;
        _time = time;
        _logger = logger;
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = Math.Max(1, options.Value.RemoteCacheBytes) });
    }

    /// <summary>
    /// The hierarchy of <paramref name="dataset"/> (a remote Zarr dataset). Waits at most for the shared read, which
    /// ends by its deadline; <paramref name="cancellationToken"/> only stops this caller waiting.
    /// </summary>
    public async Task<RemoteHierarchyResult> GetAsync(DatasetEntry dataset, CancellationToken cancellationToken)
    {
        if (dataset.Remote is not { } remote)
        {
            throw new ArgumentException("not a remote dataset", nameof(dataset));
        }
        var key = CacheKey(dataset);
        if (_cache.TryGetValue(key, out RemoteHierarchyResult? cached) && cached is not null)
        {
            return cached;
        }
        var reading = _reading.GetOrAdd(key, k => new Lazy<Task<RemoteHierarchyResult>>(() => ReadAndKeepAsync(k, dataset.Record.Name, dataset.Record.Format, remote)));
        return await reading.Value.WaitAsync(cancellationToken);
    }

    /// <summary>What identifies a dataset's hierarchy: its name, where it is and when its record last changed.</summary>
    public static string CacheKey(DatasetEntry dataset) => string.Join('\n', dataset.Record.Name, dataset.Record.Location, dataset.Record.Modified.Ticks);

    public void Dispose() => _cache.Dispose();

    private async Task<RemoteHierarchyResult> ReadAndKeepAsync(string key, string name, string format, RemoteLocation remote)
    {
        try
        {
            var result = await ReadAsync(name, format, remote);
            var lifetime = _options.Value.RemoteCacheLifetime;
            if (lifetime > TimeSpan.Zero)
            {
                _cache.Set(key, result, new MemoryCacheEntryOptions
                {
                    Size = Math.Max(1, result.Hierarchy?.Bytes ?? 1),
                    AbsoluteExpirationRelativeToNow = lifetime,
                });
            }
            return result;
        }
        finally
        {
            _reading.TryRemove(key, out _);
        }
    }

    private async Task<RemoteHierarchyResult> ReadAsync(string name, string format, RemoteLocation remote)
    {
        var o = _options.Value;
        if (format is not (DatasetFormats.ZarrV2 or DatasetFormats.ZarrV3))
        {
            return new RemoteHierarchyResult(null, "A remote dataset of plain files has no hierarchy to describe; read its files by name.");
        }
        var budget = new RemoteBudget(o.RemoteCrawlMaxDocuments, o.RemoteCrawlMaxBytes, "Reading the remote store's hierarchy",
            $"{DataAccessOptions.Section}:RemoteCrawlMaxDocuments, RemoteCrawlMaxBytes");
        // Not the caller's token: the read is shared, and its own deadline ends it.
        using var deadline = new CancellationTokenSource(o.RemoteDeadline, _time);
        try
        {
            var hierarchy = await new RemoteCrawler(_remotes, name, remote, o, budget).ReadAsync(format, deadline.Token);
            LogRead(name, remote.Base.AbsoluteUri, hierarchy.Documents.Count, budget.Documents, budget.Bytes, hierarchy.FromRemoteConsolidated);
            return new RemoteHierarchyResult(hierarchy, null);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            LogFailed(name, remote.Base.AbsoluteUri, $"no answer within {o.RemoteDeadline}");
            return new RemoteHierarchyResult(null, $"The remote store is unavailable: it did not answer within {o.RemoteDeadline.TotalSeconds:0.#} s. The hub tries again later.");
        }
        catch (RemoteReadException e)
        {
            LogFailed(name, remote.Base.AbsoluteUri, e.Message);
            return new RemoteHierarchyResult(null, e is RemoteBudgetException ? e.Message : "The remote store's hierarchy could not be read: " + e.Message);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            LogFailed(name, remote.Base.AbsoluteUri, e.Message);
            return new RemoteHierarchyResult(null, "The remote store could not be reached.");
        }
    }
}
