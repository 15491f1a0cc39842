using Greyhub.Data.Access.Datasets;
using Greyhub.Data.Access.Remote;
using Greyhub.Zarr.Storage;
using Microsoft.Extensions.Options;

namespace Greyhub.Data.Access.Pages;

/// <summary>
/// Where the hub itself reads a dataset's content for the page and the quick look: a local dataset's contained folder,
/// or a remote one's hierarchy and chunks; or why it cannot (<see cref="Problem"/>, worded for readers).
/// </summary>
/// <param name="Store">The store, null when there is a problem.</param>
/// <param name="Root">A local dataset's canonical folder.</param>
/// <param name="Version">A remote hierarchy's version (local datasets' versions come from their files).</param>
/// <param name="Problem">Why the content cannot be read.</param>
internal sealed record DatasetSource(IZarrStore? Store, string? Root, string Version, string? Problem)
{
    /// <summary>Whether the bytes are a remote store's.</summary>
    public bool IsRemote => Root is null;

    /// <summary>A local dataset's folder.</summary>
    public static DatasetSource Local(string root) => new(new ContainedStore(root), root, "", null);
}

/// <summary>Opens datasets for the hub's own reads; each source has a byte budget of its own.</summary>
internal sealed class DatasetSources(RemoteHierarchies hierarchies, RemoteStores remotes, IOptions<DataAccessOptions> options)
{
    // Chunk requests of one read: the quick look's decode limit bounds them long before this.
    private const int MaxChunkRequests = 100_000;

    /// <summary>
    /// The source of <paramref name="dataset"/>, or null when a local dataset's folder is gone. A remote one waits at
    /// most for its hierarchy's shared read (bounded by <see cref="DataAccessOptions.RemoteDeadline"/>) and then
    /// fetches at most <paramref name="maxBytes"/>.
    /// </summary>
    public async Task<DatasetSource?> OpenAsync(DatasetEntry dataset, long maxBytes, CancellationToken cancellationToken)
    {
        if (dataset.Remote is not { } remote)
        {
            return dataset.RealRoot is { } root ? DatasetSource.Local(root) : null;
        }
        if (dataset.Record.Format == DatasetFormats.Files)
        {
            return new DatasetSource(null, null, "", "A remote dataset of plain files cannot be listed by the hub; read its files by name at its address.");
        }
        var result = await hierarchies.GetAsync(dataset, cancellationToken);
        if (result.Hierarchy is not { } hierarchy)
        {
            return new DatasetSource(null, null, "", result.Problem);
        }
        var o = options.Value;
        var budget = new RemoteBudget(MaxChunkRequests, Math.Min(maxBytes, o.RemoteMaxReadBytes), "Reading the remote dataset",
            $"{DataAccessOptions.Section}:RemoteMaxReadBytes, QuickLook:MaxDecodedBytes");
        var store = new RemoteZarrStore(remotes, dataset.Record.Name, remote, hierarchy, o.RemoteMaxChunkBytes, budget);
        return new DatasetSource(store, null, hierarchy.Version, null);
    }
}
