using ZstdSharp;
using ZstdSharp.Unsafe;

namespace Greyhub.Zarr.Compression;

/// <summary>
/// Zstandard frames as numcodecs' <c>Zstd</c> codec and the Zarr v3 <c>zstd</c> codec write them: one
/// frame per chunk, content size recorded in the frame, optional checksum. Built on ZstdSharp (a port
/// of zstd 1.5.7); output equals libzstd's where both versions choose the same matches (in practice at
/// low levels); any conforming frame, including several concatenated ones, decodes.
/// </summary>
public static class Zstd
{
    /// <summary>numcodecs' default level.</summary>
    public const int DefaultLevel = 1;

    // ZstdSharp contexts are not thread-safe and costly to create: one per thread (and level).
    [ThreadStatic]
    private static Dictionary<(int Level, bool Checksum), Compressor>? _compressors;

    [ThreadStatic]
    private static Decompressor? _decompressor;

    /// <summary>A destination of this size always holds the frame of <paramref name="uncompressedLength"/> bytes.</summary>
    public static int GetMaxCompressedLength(int uncompressedLength) => Compressor.GetCompressBound(uncompressedLength);

    /// <summary>Compresses into <paramref name="destination"/>; returns the frame's size.</summary>
    public static int Compress(ReadOnlySpan<byte> source, Span<byte> destination, int level = DefaultLevel, bool checksum = false)
    {
        ValidateLevel(level);
        var compressors = _compressors ??= [];
        if (!compressors.TryGetValue((level, checksum), out var compressor))
        {
            compressor = new Compressor(level);
            if (checksum)
            {
                compressor.SetParameter(ZSTD_cParameter.ZSTD_c_checksumFlag, 1);
            }
            compressors[(level, checksum)] = compressor;
        }
        try
        {
            return compressor.Wrap(source, destination);
        }
        catch (ZstdException e)
        {
            throw new ArgumentException("The destination is too small for the zstd frame.", nameof(destination), e);
        }
    }

    /// <summary>Compresses into a new array.</summary>
    public static byte[] Compress(ReadOnlySpan<byte> source, int level = DefaultLevel, bool checksum = false)
    {
        var buffer = new byte[GetMaxCompressedLength(source.Length)];
        var written = Compress(source, buffer, level, checksum);
        Array.Resize(ref buffer, written);
        return buffer;
    }

    /// <summary>The content size recorded in the first frame, or null when the frame does not say.</summary>
    /// <exception cref="CompressedDataException">Not a zstd frame.</exception>
    public static unsafe long? GetDecompressedSize(ReadOnlySpan<byte> source)
    {
        ulong size;
        fixed (byte* s = source)
        {
            size = Methods.ZSTD_getFrameContentSize(s, (nuint)source.Length);
        }
        const ulong Unknown = unchecked(0UL - 1);
        const ulong Error = unchecked(0UL - 2);
        return size switch
        {
            Error => throw new CompressedDataException("Not a zstd frame (or a truncated one)."),
            Unknown => null,
            > long.MaxValue => throw new CompressedDataException("zstd frame declares an impossible size."),
            _ => (long)size,
        };
    }

    /// <summary>Decompresses into <paramref name="destination"/>; returns the decoded size.</summary>
    /// <exception cref="CompressedDataException">Corrupt or truncated data, or data larger than the destination.</exception>
    public static int Decompress(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (source.IsEmpty)
        {
            throw new CompressedDataException("Empty input is not a zstd frame.");
        }
        try
        {
            var decompressor = _decompressor ??= new Decompressor();
            return decompressor.TryUnwrap(source, destination, out var written)
                ? written
                : throw new CompressedDataException("zstd data decodes to more bytes than the destination holds.");
        }
        catch (ZstdException e)
        {
            throw new CompressedDataException($"Corrupt zstd data: {e.Message}", e);
        }
    }

    /// <summary>
    /// Decompresses into a new array; frames without a content size are streamed, up to
    /// <paramref name="maxSize"/> bytes.
    /// </summary>
    /// <exception cref="CompressedDataException">Corrupt or truncated data, or more than <paramref name="maxSize"/> bytes.</exception>
    public static byte[] Decompress(ReadOnlySpan<byte> source, int maxSize = int.MaxValue)
    {
        var size = GetDecompressedSize(source);
        if (size is { } known)
        {
            if (known > maxSize)
            {
                throw new CompressedDataException($"zstd frame declares {known} bytes, more than the allowed {maxSize}.");
            }
            var buffer = new byte[known];
            var written = Decompress(source, buffer);
            // Concatenated frames: the first frame's size is only a lower bound.
            return written == known ? buffer : DecompressStreaming(source, maxSize);
        }
        return DecompressStreaming(source, maxSize);
    }

    private static byte[] DecompressStreaming(ReadOnlySpan<byte> source, int maxSize)
    {
        try
        {
            using var input = new MemoryStream(source.ToArray(), writable: false);
            using var zstd = new DecompressionStream(input);
            using var output = new MemoryStream();
            var chunk = new byte[81920];
            int read;
            while ((read = zstd.Read(chunk)) > 0)
            {
                if (output.Length + read > maxSize)
                {
                    throw new CompressedDataException($"zstd data decodes to more than the allowed {maxSize} bytes.");
                }
                output.Write(chunk, 0, read);
            }
            return output.ToArray();
        }
        catch (ZstdException e)
        {
            throw new CompressedDataException($"Corrupt zstd data: {e.Message}", e);
        }
        catch (IOException e)
        {
            throw new CompressedDataException($"Corrupt zstd data: {e.Message}", e);
        }
    }

    private static void ValidateLevel(int level)
    {
        if (level is < -131072 or > 22)
        {
            throw new ArgumentOutOfRangeException(nameof(level), level, "zstd level must be between -131072 and 22.");
        }
    }
}
