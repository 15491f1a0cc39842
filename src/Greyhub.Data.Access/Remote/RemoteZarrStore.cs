using System.Buffers;
using System.Runtime.CompilerServices;
using Greyhub.Data.Access.Serving;
using Greyhub.Zarr.Storage;

namespace Greyhub.Data.Access.Remote;

/// <summary>
/// A read-only Zarr store over a remote dataset for the hub's own reads (the data page, the quick look, the extents):
/// metadata from the <see cref="RemoteHierarchy"/> read before (no request, and nothing outside it exists), chunks from
/// the remote with <c>Range</c> when a part is asked for, each at most <see cref="DataAccessOptions.RemoteMaxChunkBytes"/>
/// and all together within the read's <see cref="RemoteBudget"/>.
/// </summary>
internal sealed class RemoteZarrStore(RemoteStores remotes, string dataset, RemoteLocation remote, RemoteHierarchy hierarchy, long maxChunkBytes, RemoteBudget budget) : IZarrStore
{
    public bool IsWritable => false;

    public async ValueTask<IMemoryOwner<byte>?> GetAsync(string key, CancellationToken cancellationToken)
    {
        if (!DataEndpoints.KeyIsSafe(key) || key.Length == 0)
        {
            return null;
        }
        if (RemoteHierarchy.IsMetadataKey(key))
        {
            // .zmetadata is never answered: the hierarchy is already the whole truth, read as plain documents.
            return key != ".zmetadata" && hierarchy.Documents.TryGetValue(key, out var document) ? ZarrBuffer.Copy(document) : null;
        }
        return await remotes.ReadAsync(dataset, remote, key, null, maxChunkBytes, budget, cancellationToken);
    }

    public async ValueTask<IMemoryOwner<byte>?> GetRangeAsync(string key, ByteRange range, CancellationToken cancellationToken)
    {
        if (!DataEndpoints.KeyIsSafe(key) || key.Length == 0)
        {
            return null;
        }
        if (RemoteHierarchy.IsMetadataKey(key))
        {
            if (key == ".zmetadata" || !hierarchy.Documents.TryGetValue(key, out var document))
            {
                return null;
            }
            var (start, length) = range.Resolve(document.Length);
            return ZarrBuffer.Copy(document.AsSpan((int)start, (int)length));
        }
        return await remotes.ReadAsync(dataset, remote, key, range, maxChunkBytes, budget, cancellationToken);
    }

    public async ValueTask<long?> GetSizeAsync(string key, CancellationToken cancellationToken)
    {
        if (!DataEndpoints.KeyIsSafe(key) || key.Length == 0)
        {
            return null;
        }
        if (RemoteHierarchy.IsMetadataKey(key))
        {
            return key != ".zmetadata" && hierarchy.Documents.TryGetValue(key, out var document) ? document.Length : null;
        }
        return await remotes.SizeAsync(dataset, remote, key, budget, cancellationToken);
    }

    public ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken) =>
        throw new NotSupportedException("the hub only reads remote datasets");

    public ValueTask DeleteAsync(string key, CancellationToken cancellationToken) =>
        throw new NotSupportedException("the hub only reads remote datasets");

    /// <summary>The hierarchy's documents (chunks are never listed: nothing the hub reads needs them listed).</summary>
    public async IAsyncEnumerable<string> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask;
        foreach (var key in hierarchy.Documents.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && k != ".zmetadata").Order(StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return key;
        }
    }
}
