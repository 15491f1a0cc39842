using Greyhub.Zarr.Compression.Engine;

namespace Greyhub.Zarr.Compression;

/// <summary>
/// Blosc 1 frames (the format of c-blosc 1.x, as numcodecs and zarr-python write them), usable
/// without Zarr. Encoding reproduces c-blosc's output byte for byte for lz4, lz4hc and zstd with the
/// same settings; decoding reads every c-blosc 1.x frame except snappy. Corrupt or truncated input
/// raises <see cref="BloscException"/>.
/// </summary>
public static class Blosc
{
    /// <summary>Largest overhead Blosc adds to incompressible data: the 16-byte header.</summary>
    public const int MaxOverhead = BloscFrameInfo.HeaderSize;

    /// <summary>A destination of this size always holds the frame of <paramref name="uncompressedLength"/> bytes.</summary>
    public static int GetMaxCompressedLength(int uncompressedLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(uncompressedLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(uncompressedLength, int.MaxValue - MaxOverhead);
        return uncompressedLength + MaxOverhead;
    }

    /// <summary>
    /// Compresses <paramref name="source"/> into <paramref name="destination"/> and returns the frame's size.
    /// Give a destination of <see cref="GetMaxCompressedLength"/> bytes; a smaller one throws
    /// <see cref="ArgumentException"/> when the frame does not fit.
    /// </summary>
    public static int Compress(ReadOnlySpan<byte> source, Span<byte> destination, BloscOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return BloscEncoder.Compress(source, destination, options);
    }

    /// <summary>Compresses <paramref name="source"/> into a new array.</summary>
    public static byte[] Compress(ReadOnlySpan<byte> source, BloscOptions options)
    {
        var buffer = new byte[GetMaxCompressedLength(source.Length)];
        var written = Compress(source, buffer, options);
        Array.Resize(ref buffer, written);
        return buffer;
    }

    /// <summary>
    /// Decompresses the frame at the start of <paramref name="source"/> into <paramref name="destination"/>
    /// (at least <see cref="BloscFrameInfo.UncompressedSize"/> bytes) and returns the decoded size.
    /// </summary>
    /// <exception cref="BloscException">The frame is corrupt, truncated or unsupported.</exception>
    public static int Decompress(ReadOnlySpan<byte> source, Span<byte> destination) => BloscDecoder.Decompress(source, destination);

    /// <summary>
    /// Decompresses the frame at the start of <paramref name="source"/> into a new array, refusing frames that
    /// declare more than <paramref name="maxSize"/> bytes (a guard against decompression bombs).
    /// </summary>
    /// <exception cref="BloscException">The frame is corrupt, truncated, unsupported or too large.</exception>
    public static byte[] Decompress(ReadOnlySpan<byte> source, int maxSize = int.MaxValue)
    {
        var info = BloscDecoder.ReadAndValidate(source);
        if (info.UncompressedSize > maxSize)
        {
            throw new BloscException($"Blosc frame declares {info.UncompressedSize} bytes, more than the allowed {maxSize}.");
        }
        var buffer = new byte[info.UncompressedSize];
        BloscDecoder.Decompress(source, buffer);
        return buffer;
    }

    /// <summary>Reads the header of the frame (only its first 16 bytes are needed).</summary>
    /// <exception cref="BloscException">Fewer than 16 bytes, or negative sizes.</exception>
    public static BloscFrameInfo GetInfo(ReadOnlySpan<byte> header) => BloscFrameInfo.Read(header);
}
