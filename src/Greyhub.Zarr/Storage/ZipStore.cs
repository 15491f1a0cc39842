using System.Buffers;
using System.IO.Compression;
using System.Runtime.CompilerServices;

namespace Greyhub.Zarr.Storage;

/// <summary>
/// A store in a zip file (zarr-python's ZipStore layout: one entry per key). Read-only unless opened for writing;
/// writes rewrite the archive on <see cref="Dispose"/>. Entries are read under a lock (ZipArchive is not thread-safe).
/// </summary>
public sealed class ZipStore : IZarrStore, IDisposable
{
    private readonly ZipArchive _archive;
    private readonly Lock _lock = new();

    /// <summary>Opens <paramref name="path"/>; with <paramref name="writable"/> creates it when missing.</summary>
    public ZipStore(string path, bool writable = false)
    {
        IsWritable = writable;
        var stream = writable
            ? new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None)
            : new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            _archive = new ZipArchive(stream, writable ? ZipArchiveMode.Update : ZipArchiveMode.Read, leaveOpen: false);
        }
        catch (InvalidDataException e)
        {
            stream.Dispose();
            throw new ZarrException($"'{path}' is not a zip file: {e.Message}", e);
        }
    }

    /// <inheritdoc />
    public bool IsWritable { get; }

    /// <inheritdoc />
    public ValueTask<IMemoryOwner<byte>?> GetAsync(string key, CancellationToken cancellationToken)
        => GetRangeAsync(key, ByteRange.From(0), cancellationToken);

    /// <inheritdoc />
    public ValueTask<IMemoryOwner<byte>?> GetRangeAsync(string key, ByteRange range, CancellationToken cancellationToken)
    {
        StoreKeys.Validate(key);
        lock (_lock)
        {
            var entry = _archive.GetEntry(key);
            if (entry is null)
            {
                return ValueTask.FromResult<IMemoryOwner<byte>?>(null);
            }
            var (start, length) = range.Resolve(entry.Length);
            using var s = entry.Open();
            // Deflated entries cannot seek: skip to the start.
            var skip = start;
            Span<byte> scratch = stackalloc byte[4096];
            while (skip > 0)
            {
                var n = s.Read(scratch[..(int)Math.Min(skip, scratch.Length)]);
                if (n == 0)
                {
                    break;
                }
                skip -= n;
            }
            var owner = ZarrBuffer.Rent((int)length);
            try
            {
                s.ReadExactly(owner.Memory.Span);
            }
            catch (Exception e) when (e is EndOfStreamException or InvalidDataException)
            {
                owner.Dispose();
                throw new ZarrException($"zip entry '{key}' is corrupt: {e.Message}", e);
            }
            return ValueTask.FromResult<IMemoryOwner<byte>?>(owner);
        }
    }

    /// <inheritdoc />
    public ValueTask<long?> GetSizeAsync(string key, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return ValueTask.FromResult<long?>(_archive.GetEntry(StoreKeys.Validate(key))?.Length);
        }
    }

    /// <inheritdoc />
    public ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken)
    {
        EnsureWritable();
        lock (_lock)
        {
            _archive.GetEntry(StoreKeys.Validate(key))?.Delete();
            // zarr-python's ZipStore stores entries uncompressed; chunks are compressed by their codecs already.
            var entry = _archive.CreateEntry(key, CompressionLevel.NoCompression);
            using var s = entry.Open();
            s.Write(value.Span);
        }
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask DeleteAsync(string key, CancellationToken cancellationToken)
    {
        EnsureWritable();
        lock (_lock)
        {
            _archive.GetEntry(StoreKeys.Validate(key))?.Delete();
        }
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<string> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask;
        List<string> keys;
        lock (_lock)
        {
            keys = [.. _archive.Entries.Select(e => e.FullName).Where(k => !k.EndsWith('/') && k.StartsWith(prefix, StringComparison.Ordinal))];
        }
        foreach (var k in keys.Order(StringComparer.Ordinal))
        {
            yield return k;
        }
    }

    /// <summary>Writes the archive (when writable) and closes the file.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _archive.Dispose();
        }
    }

    private void EnsureWritable()
    {
        if (!IsWritable)
        {
            throw new ZarrException("zip store is read-only");
        }
    }
}
