using System.Buffers;
using System.Runtime.CompilerServices;

namespace Greyhub.Zarr.Storage;

/// <summary>A store in a local directory; each key is a file (the layout zarr-python's DirectoryStore uses).</summary>
public sealed class FileSystemStore : IZarrStore
{
    private readonly string _root;

    /// <summary>Opens (or, when writable, prepares) the directory <paramref name="root"/>.</summary>
    public FileSystemStore(string root, bool writable = true)
    {
        _root = Path.GetFullPath(root);
        IsWritable = writable;
    }

    /// <summary>The directory.</summary>
    public string Root => _root;

    /// <inheritdoc />
    public bool IsWritable { get; }

    /// <inheritdoc />
    public async ValueTask<IMemoryOwner<byte>?> GetAsync(string key, CancellationToken cancellationToken)
        => await GetRangeAsync(key, ByteRange.From(0), cancellationToken);

    /// <inheritdoc />
    public ValueTask<IMemoryOwner<byte>?> GetRangeAsync(string key, ByteRange range, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        Microsoft.Win32.SafeHandles.SafeFileHandle handle;
        try
        {
            // Synchronous positional reads: on Linux "async" file I/O is a thread-pool hop with no benefit, and callers
            // already run chunk reads in parallel.
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            return ValueTask.FromResult<IMemoryOwner<byte>?>(null);
        }
        using (handle)
        {
            var size = RandomAccess.GetLength(handle);
            var (start, length) = range.Resolve(size);
            if (length > Array.MaxLength)
            {
                throw new ZarrException($"value '{key}' is too large ({length} bytes)");
            }
            var owner = ZarrBuffer.Rent((int)length);
            try
            {
                var memory = owner.Memory;
                var done = 0;
                while (done < memory.Length)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var n = RandomAccess.Read(handle, memory.Span[done..], start + done);
                    if (n == 0)
                    {
                        throw new ZarrException($"value '{key}' shrank while being read");
                    }
                    done += n;
                }
                return ValueTask.FromResult<IMemoryOwner<byte>?>(owner);
            }
            catch
            {
                owner.Dispose();
                throw;
            }
        }
    }

    /// <inheritdoc />
    public ValueTask<long?> GetSizeAsync(string key, CancellationToken cancellationToken)
    {
        var info = new FileInfo(PathOf(key));
        return ValueTask.FromResult<long?>(info.Exists ? info.Length : null);
    }

    /// <inheritdoc />
    public async ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken)
    {
        EnsureWritable();
        var path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // Write aside and rename so readers never see half a chunk.
        var temp = path + "." + Guid.NewGuid().ToString("N") + ".partial";
        try
        {
            using (var handle = File.OpenHandle(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.Asynchronous))
            {
                await RandomAccess.WriteAsync(handle, value, 0, cancellationToken);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <inheritdoc />
    public ValueTask DeleteAsync(string key, CancellationToken cancellationToken)
    {
        EnsureWritable();
        File.Delete(PathOf(key));
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<string> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask;
        if (!Directory.Exists(_root))
        {
            yield break;
        }
        // Start from the deepest directory the prefix names, to avoid walking the whole tree.
        var slash = prefix.LastIndexOf('/');
        var dir = slash < 0 ? _root : Path.Combine(_root, prefix[..slash]);
        if (!Directory.Exists(dir))
        {
            yield break;
        }
        var keys = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".partial", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(_root, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(k => k.StartsWith(prefix, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
        foreach (var k in keys)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return k;
        }
    }

    private string PathOf(string key) => Path.Combine(_root, StoreKeys.Validate(key));

    private void EnsureWritable()
    {
        if (!IsWritable)
        {
            throw new ZarrException($"store '{_root}' is read-only");
        }
    }
}
