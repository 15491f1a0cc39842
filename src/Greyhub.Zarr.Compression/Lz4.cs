using System.Buffers.Binary;
using Greyhub.Zarr.Compression.Engine;
using K4os.Compression.LZ4;

namespace Greyhub.Zarr.Compression;

/// <summary>
/// LZ4 as numcodecs' <c>LZ4</c> codec writes it: the uncompressed size as a 4-byte little-endian
/// integer, then one raw LZ4 block (<c>LZ4_compress_fast</c> with the given acceleration). Output is
/// byte-identical to numcodecs'.
/// </summary>
public static class Lz4
{
    /// <summary>numcodecs' default acceleration.</summary>
    public const int DefaultAcceleration = 1;

    private const int SizePrefix = 4;

    /// <summary>A destination of this size always holds the encoding of <paramref name="uncompressedLength"/> bytes.</summary>
    public static int GetMaxCompressedLength(int uncompressedLength) => LZ4Codec.MaximumOutputSize(uncompressedLength) + SizePrefix;

    /// <summary>Compresses into <paramref name="destination"/>; returns the encoded size.</summary>
    public static int Compress(ReadOnlySpan<byte> source, Span<byte> destination, int acceleration = DefaultAcceleration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, SizePrefix, nameof(destination));
        BinaryPrimitives.WriteInt32LittleEndian(destination, source.Length);
        if (source.IsEmpty)
        {
            // LZ4 encodes nothing as a single zero token.
            ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, SizePrefix + 1, nameof(destination));
            destination[SizePrefix] = 0;
            return SizePrefix + 1;
        }
        var written = Lz4Engine.CompressFast(source, destination[SizePrefix..], Math.Max(1, acceleration));
        return written > 0
            ? written + SizePrefix
            : throw new ArgumentException("The destination is too small for the LZ4 block.", nameof(destination));
    }

    /// <summary>Compresses into a new array.</summary>
    public static byte[] Compress(ReadOnlySpan<byte> source, int acceleration = DefaultAcceleration)
    {
        var buffer = new byte[GetMaxCompressedLength(source.Length)];
        var written = Compress(source, buffer, acceleration);
        Array.Resize(ref buffer, written);
        return buffer;
    }

    /// <summary>The uncompressed size from the 4-byte prefix.</summary>
    /// <exception cref="CompressedDataException">Fewer than 4 bytes, or a negative size.</exception>
    public static int GetDecompressedSize(ReadOnlySpan<byte> source)
    {
        if (source.Length < SizePrefix)
        {
            throw new CompressedDataException("LZ4 data truncated: no size prefix.");
        }
        var size = BinaryPrimitives.ReadInt32LittleEndian(source);
        return size >= 0 ? size : throw new CompressedDataException("LZ4 size prefix is negative.");
    }

    /// <summary>Decompresses into <paramref name="destination"/>; returns the decoded size.</summary>
    /// <exception cref="CompressedDataException">Corrupt or truncated data.</exception>
    public static int Decompress(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        var size = GetDecompressedSize(source);
        if (destination.Length < size)
        {
            throw new ArgumentException($"The destination holds {destination.Length} bytes, the data decodes to {size}.", nameof(destination));
        }
        if (size == 0)
        {
            return 0;
        }
        var decoded = Lz4Engine.Decompress(source[SizePrefix..], destination[..size]);
        return decoded == size
            ? size
            : throw new CompressedDataException($"Corrupt LZ4 data: decoded {decoded} bytes instead of {size}.");
    }

    /// <summary>Decompresses into a new array, refusing sizes above <paramref name="maxSize"/>.</summary>
    /// <exception cref="CompressedDataException">Corrupt or truncated data, or a size above <paramref name="maxSize"/>.</exception>
    public static byte[] Decompress(ReadOnlySpan<byte> source, int maxSize = int.MaxValue)
    {
        var size = GetDecompressedSize(source);
        if (size > maxSize)
        {
            throw new CompressedDataException($"LZ4 data declares {size} bytes, more than the allowed {maxSize}.");
        }
        var buffer = new byte[size];
        Decompress(source, buffer);
        return buffer;
    }
}
