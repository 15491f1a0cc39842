using System.Collections.Concurrent;
using Greyhub.Data.Access.Datasets;
using Greyhub.Data.Access.Remote;
using Greyhub.Zarr;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Greyhub.Data.Access.Stac;

/// <summary>
/// Each dataset's extent, read once per version of the dataset rather than per request: the version is the record's
/// modification time and location together with the modification times of the store's root folder and root metadata
/// files (what changes when a writer rewrites or extends the store). A store that cannot be read has no extent, and
/// that answer is kept for the version too, so a broken store is not re-read on every search. A remote dataset's
/// version cannot be seen without reading it: its extent is read within <see cref="DataAccessOptions.RemoteDeadline"/>
/// and kept for <see cref="DataAccessOptions.RemoteCacheLifetime"/>; one that times out or fails is "unavailable" for
/// that long instead of holding every search.
/// </summary>
internal sealed partial class DatasetExtents(
    RemoteHierarchies hierarchies,
    RemoteStores remotes,
    IOptions<DataAccessOptions> options,
    TimeProvider time,
    ILogger<DatasetExtents> logger)
{
    private static readonly string[] RootMetadata = [".zmetadata", ".zgroup", ".zattrs", "zarr.json"];

    private readonly ConcurrentDictionary<string, (string Version, Lazy<Task<DatasetExtent>> Extent)> _cache = new(StringComparer.Ordinal);

    public async Task<DatasetExtent> GetAsync(DatasetEntry dataset, CancellationToken cancellationToken)
    {
        if (dataset.Remote is not null)
        {
            return dataset.Record.Format == DatasetFormats.Files ? DatasetExtent.None : await RemoteAsync(dataset, cancellationToken);
        }
        if (dataset.RealRoot is not { } root || dataset.Record.Format == DatasetFormats.Files)
        {
            return DatasetExtent.None;
        }
        var version = VersionOf(dataset, root);
        var name = dataset.Record.Name;
        var entry = _cache.AddOrUpdate(
            name,
            _ => (version, Load(dataset, root)),
            (_, existing) => existing.Version == version ? existing : (version, Load(dataset, root)));
        // A caller giving up does not cancel the shared read; it only stops waiting for it.
        return await entry.Extent.Value.WaitAsync(cancellationToken);
    }

    private async Task<DatasetExtent> RemoteAsync(DatasetEntry dataset, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        // The version is the record's and the time the extent was read: it lasts RemoteCacheLifetime.
        var key = RemoteHierarchies.CacheKey(dataset);
        var entry = _cache.AddOrUpdate(
            dataset.Record.Name,
            _ => (RemoteVersion(key, now), LoadRemote(dataset)),
            (_, existing) => IsCurrent(existing.Version, key, now) ? existing : (RemoteVersion(key, now), LoadRemote(dataset)));
        return await entry.Extent.Value.WaitAsync(cancellationToken);
    }

    private string RemoteVersion(string key, DateTimeOffset now) => key + "\n" + (now + options.Value.RemoteCacheLifetime).UtcTicks;

    private static bool IsCurrent(string version, string key, DateTimeOffset now) =>
        version.StartsWith(key + "\n", StringComparison.Ordinal) && long.TryParse(version.AsSpan(key.Length + 1), out var expires) && now.UtcTicks < expires;

    private Lazy<Task<DatasetExtent>> LoadRemote(DatasetEntry dataset) => new(() => ReadRemoteAsync(dataset));

    private async Task<DatasetExtent> ReadRemoteAsync(DatasetEntry dataset)
    {
        var o = options.Value;
        var name = dataset.Record.Name;
        // One deadline for the hierarchy (perhaps already read) and the coordinates; not the caller's: it is shared.
        using var deadline = new CancellationTokenSource(o.RemoteDeadline, time);
        try
        {
            var result = await hierarchies.GetAsync(dataset, deadline.Token);
            if (result.Hierarchy is not { } hierarchy)
            {
                return new DatasetExtent(null, null, null, result.Problem);
            }
            var budget = new RemoteBudget(100_000, o.RemoteMaxReadBytes, "Reading the remote dataset's coordinates", $"{DataAccessOptions.Section}:RemoteMaxReadBytes");
            var store = new RemoteZarrStore(remotes, name, dataset.Remote!, hierarchy, o.RemoteMaxChunkBytes, budget);
            return await CfExtentReader.ReadAsync(store, dataset.Record.Format, deadline.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            LogUnreadable(name, $"no answer within {o.RemoteDeadline}", null);
            return new DatasetExtent(null, null, null, $"The remote store did not answer within {o.RemoteDeadline.TotalSeconds:0.#} s.");
        }
        catch (ZarrException e)
        {
            LogUnreadable(name, e.Message, e);
            return new DatasetExtent(null, null, null, e is RemoteReadException ? e.Message : "The remote store's coordinates could not be read.");
        }
        catch (Exception e) when (e is IOException or System.Text.Json.JsonException or InvalidOperationException or ArgumentException or OverflowException)
        {
            // Whatever a hostile remote provokes, a search answers: this dataset's extent is unknown, not a 500.
            LogUnreadable(name, e.Message, e);
            return new DatasetExtent(null, null, null, "The remote store's coordinates could not be read.");
        }
    }

    private Lazy<Task<DatasetExtent>> Load(DatasetEntry dataset, string root) =>
        new(() => ReadAsync(dataset.Record.Name, root, dataset.Record.Format));

    private async Task<DatasetExtent> ReadAsync(string name, string root, string format)
    {
        try
        {
            return await CfExtentReader.ReadAsync(root, format, CancellationToken.None);
        }
        catch (Exception e) when (e is ZarrException or IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            LogUnreadable(name, e.Message, e);
            return DatasetExtent.None;
        }
    }

    private static string VersionOf(DatasetEntry dataset, string root)
    {
        var stamp = Directory.GetLastWriteTimeUtc(root).Ticks;
        foreach (var file in RootMetadata)
        {
            var info = new FileInfo(Path.Combine(root, file));
            if (info.Exists)
            {
                stamp = Math.Max(stamp, info.LastWriteTimeUtc.Ticks) ^ info.Length;
            }
        }
        return $"{dataset.Record.Modified.Ticks}|{dataset.Record.Location}|{stamp}";
    }
}
