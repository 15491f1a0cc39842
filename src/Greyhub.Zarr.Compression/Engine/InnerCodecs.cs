using System.IO.Compression;
using ZstdSharp;

namespace Greyhub.Zarr.Compression.Engine;

/// <summary>The per-split compressors behind a Blosc frame, called as c-blosc's wrappers call them.</summary>
internal static unsafe class InnerCodecs
{
    public const int FormatBloscLz = 0;
    public const int FormatLz4 = 1;
    public const int FormatSnappy = 2;
    public const int FormatZlib = 3;
    public const int FormatZstd = 4;

    [ThreadStatic]
    private static Compressor?[]? _zstdCompressors;

    [ThreadStatic]
    private static Decompressor? _zstdDecompressor;

    public static int FormatOf(BloscCompressor compressor) => compressor switch
    {
        BloscCompressor.BloscLz => FormatBloscLz,
        BloscCompressor.Lz4 or BloscCompressor.Lz4Hc => FormatLz4,
        BloscCompressor.Snappy => FormatSnappy,
        BloscCompressor.Zlib => FormatZlib,
        _ => FormatZstd,
    };

    /// <summary>Compresses one split; returns its size, or 0 when it does not fit in <paramref name="target"/>.</summary>
    public static int Compress(BloscCompressor compressor, int level, ReadOnlySpan<byte> source, Span<byte> target, bool splitBlock) => compressor switch
    {
        BloscCompressor.BloscLz => BloscLzEncoder.Compress(level, source, target, splitBlock),
        // c-blosc: acceleration = 10 - clevel for lz4, the clevel itself for lz4hc.
        BloscCompressor.Lz4 => Lz4Engine.CompressFast(source, target, 10 - level),
        BloscCompressor.Lz4Hc => Lz4Engine.CompressHc(source, target, level),
        BloscCompressor.Zstd => CompressZstd(source, target, ZstdLevel(level)),
        BloscCompressor.Zlib => CompressZlib(source, target, level),
        _ => throw new NotSupportedException($"Blosc {BloscOptions.GetName(compressor)} compression is not supported (decoding is)."),
    };

    /// <summary>c-blosc's zstd level mapping: 2c-1 below 9, the maximum (22) at 9.</summary>
    public static int ZstdLevel(int level) => level < 9 ? (2 * level) - 1 : 22;

    /// <summary>Decompresses one split; returns the decoded size, or -1 on corrupt input.</summary>
    public static int Decompress(int format, ReadOnlySpan<byte> source, Span<byte> target)
    {
        switch (format)
        {
            case FormatBloscLz:
                return BloscLz.Decompress(source, target);
            case FormatLz4:
                return Lz4Engine.Decompress(source, target);
            case FormatZstd:
                return DecompressZstd(source, target);
            case FormatZlib:
                return DecompressZlib(source, target);
            case FormatSnappy:
                throw new BloscException("Blosc frame uses snappy, which is not supported.");
            default:
                throw new BloscException($"Blosc frame uses unknown codec format {format}.");
        }
    }

    private static int CompressZstd(ReadOnlySpan<byte> source, Span<byte> target, int level)
    {
        var cache = _zstdCompressors ??= new Compressor?[23];
        var compressor = cache[level] ??= new Compressor(level);
        try
        {
            return compressor.TryWrap(source, target, out var written) ? written : 0;
        }
        catch (ZstdException)
        {
            return 0;
        }
    }

    public static int DecompressZstd(ReadOnlySpan<byte> source, Span<byte> target)
    {
        var decompressor = _zstdDecompressor ??= new Decompressor();
        try
        {
            return decompressor.TryUnwrap(source, target, out var written) ? written : -1;
        }
        catch (ZstdException)
        {
            return -1;
        }
    }

    private static int CompressZlib(ReadOnlySpan<byte> source, Span<byte> target, int level)
    {
        // zlib's compress2 fails when the stream does not fit; a bounded stream mimics that.
        fixed (byte* t = target)
        {
            using var sink = new UnmanagedMemoryStream(t, 0, target.Length, FileAccess.Write);
            try
            {
                using (var zlib = new ZLibStream(sink, new ZLibCompressionOptions { CompressionLevel = level }, leaveOpen: true))
                {
                    zlib.Write(source);
                }
                return (int)sink.Position;
            }
            catch (NotSupportedException)
            {
                return 0;
            }
            catch (IOException)
            {
                return 0;
            }
        }
    }

    private static int DecompressZlib(ReadOnlySpan<byte> source, Span<byte> target)
    {
        fixed (byte* s = source)
        {
            using var input = new UnmanagedMemoryStream(s, source.Length);
            try
            {
                using var zlib = new ZLibStream(input, CompressionMode.Decompress);
                var total = 0;
                while (total < target.Length)
                {
                    var read = zlib.Read(target[total..]);
                    if (read == 0)
                    {
                        break;
                    }
                    total += read;
                }
                // zlib's uncompress fails when the data does not fit the output.
                Span<byte> probe = stackalloc byte[1];
                return zlib.Read(probe) == 0 ? total : -1;
            }
            catch (InvalidDataException)
            {
                return -1;
            }
            catch (IOException)
            {
                return -1;
            }
        }
    }
}
