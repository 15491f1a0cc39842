using System.Buffers;

namespace Greyhub.Zarr.Storage;

/// <summary>
/// A key/value store holding a Zarr hierarchy. Keys are <c>/</c>-separated, case-sensitive, never start or end
/// with <c>/</c>. Values are returned in pooled buffers the caller disposes. Implementations are thread-safe.
/// </summary>
/// <remarks>To add a store (e.g. S3): implement reads with one request per call, ranges as HTTP-style ranges,
/// and return null (not an exception) for missing keys.</remarks>
public interface IZarrStore
{
    /// <summary>True when <see cref="SetAsync"/> and <see cref="DeleteAsync"/> are allowed.</summary>
    bool IsWritable { get; }

    /// <summary>The whole value, or null when the key does not exist.</summary>
    ValueTask<IMemoryOwner<byte>?> GetAsync(string key, CancellationToken cancellationToken);

    /// <summary>Part of a value, or null when the key does not exist. A range past the end is truncated.</summary>
    ValueTask<IMemoryOwner<byte>?> GetRangeAsync(string key, ByteRange range, CancellationToken cancellationToken);

    /// <summary>The size of a value in bytes, or null when the key does not exist.</summary>
    ValueTask<long?> GetSizeAsync(string key, CancellationToken cancellationToken);

    /// <summary>Stores a value, replacing any previous one.</summary>
    ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken);

    /// <summary>Removes a key; no error when it does not exist.</summary>
    ValueTask DeleteAsync(string key, CancellationToken cancellationToken);

    /// <summary>Every key that starts with <paramref name="prefix"/> (empty: all keys).</summary>
    IAsyncEnumerable<string> ListAsync(string prefix, CancellationToken cancellationToken);
}

/// <summary>A byte range of a value: <c>[Offset, Offset + Length)</c>, to the end when Length is null, or the last
/// <see cref="SuffixLength"/> bytes.</summary>
public readonly record struct ByteRange
{
    private ByteRange(long offset, long? length, long? suffix)
    {
        Offset = offset;
        Length = length;
        SuffixLength = suffix;
    }

    /// <summary>First byte (ignored for suffix ranges).</summary>
    public long Offset { get; }

    /// <summary>Number of bytes, or null for "to the end".</summary>
    public long? Length { get; }

    /// <summary>For a suffix range, how many bytes at the end.</summary>
    public long? SuffixLength { get; }

    /// <summary>Bytes <c>[offset, offset + length)</c>.</summary>
    public static ByteRange Of(long offset, long length) => offset < 0 || length < 0
        ? throw new ArgumentOutOfRangeException(nameof(offset)) : new(offset, length, null);

    /// <summary>Bytes from <paramref name="offset"/> to the end.</summary>
    public static ByteRange From(long offset) => offset < 0 ? throw new ArgumentOutOfRangeException(nameof(offset)) : new(offset, null, null);

    /// <summary>The last <paramref name="length"/> bytes.</summary>
    public static ByteRange Suffix(long length) => length < 0 ? throw new ArgumentOutOfRangeException(nameof(length)) : new(0, null, length);

    /// <summary>Resolves to an absolute <c>(start, length)</c> within a value of <paramref name="size"/> bytes.</summary>
    public (long Start, long Length) Resolve(long size)
    {
        if (SuffixLength is { } s)
        {
            var n = Math.Min(s, size);
            return (size - n, n);
        }
        var start = Math.Min(Offset, size);
        var len = Length is { } l ? Math.Min(l, size - start) : size - start;
        return (start, len);
    }

    /// <summary>The HTTP <c>Range</c> header value.</summary>
    public string ToHttpRange() => SuffixLength is { } s ? $"bytes=-{s}"
        : Length is { } l ? $"bytes={Offset}-{Offset + l - 1}" : $"bytes={Offset}-";

    /// <inheritdoc />
    public override string ToString() => ToHttpRange();
}
