using System.Buffers;
using System.Runtime.CompilerServices;
using Greyhub.Data.Access.Serving;
using Greyhub.Zarr.Storage;

namespace Greyhub.Data.Access.Pages;

/// <summary>
/// A read-only Zarr store over a dataset's folder that reads only what <c>/data/</c> would serve: a key that is not
/// safe, or whose file resolves (symlinks followed) outside the dataset's canonical root, reads as missing. The page
/// and the quick look therefore never decode bytes from outside the dataset.
/// </summary>
internal sealed class ContainedStore(string root) : IZarrStore
{
    private readonly FileSystemStore _files = new(root, writable: false);

    public bool IsWritable => false;

    public ValueTask<IMemoryOwner<byte>?> GetAsync(string key, CancellationToken cancellationToken) =>
        Inside(key) ? _files.GetAsync(key, cancellationToken) : ValueTask.FromResult<IMemoryOwner<byte>?>(null);

    public ValueTask<IMemoryOwner<byte>?> GetRangeAsync(string key, ByteRange range, CancellationToken cancellationToken) =>
        Inside(key) ? _files.GetRangeAsync(key, range, cancellationToken) : ValueTask.FromResult<IMemoryOwner<byte>?>(null);

    public ValueTask<long?> GetSizeAsync(string key, CancellationToken cancellationToken) =>
        Inside(key) ? _files.GetSizeAsync(key, cancellationToken) : ValueTask.FromResult<long?>(null);

    public ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken) =>
        throw new NotSupportedException("the data page reads datasets; it never writes");

    public ValueTask DeleteAsync(string key, CancellationToken cancellationToken) =>
        throw new NotSupportedException("the data page reads datasets; it never writes");

    public async IAsyncEnumerable<string> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var key in _files.ListAsync(prefix, cancellationToken))
        {
            if (Inside(key))
            {
                yield return key;
            }
        }
    }

    private bool Inside(string key) =>
        DataEndpoints.KeyIsSafe(key) && RealPath.Resolve(key.Length == 0 ? root : root + "/" + key) is { } real && RealPath.IsWithin(real, root);
}
