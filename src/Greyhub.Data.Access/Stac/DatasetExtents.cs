using System.Collections.Concurrent;
using Greyhub.Data.Access.Datasets;
using Greyhub.Zarr;
using Microsoft.Extensions.Logging;

namespace Greyhub.Data.Access.Stac;

/// <summary>
/// Each dataset's extent, read once per version of the dataset rather than per request: the version is the record's
/// modification time and location together with the modification times of the store's root folder and root metadata
/// files (what changes when a writer rewrites or extends the store). A store that cannot be read has no extent, and
/// that answer is kept for the version too, so a broken store is not re-read on every search.
/// </summary>
internal sealed partial class DatasetExtents(ILogger<DatasetExtents> logger)
{
    private static readonly string[] RootMetadata = [".zmetadata", ".zgroup", ".zattrs", "zarr.json"];

    private readonly ConcurrentDictionary<string, (string Version, Lazy<Task<DatasetExtent>> Extent)> _cache = new(StringComparer.Ordinal);

    public async Task<DatasetExtent> GetAsync(DatasetEntry dataset, CancellationToken cancellationToken)
    {
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
