namespace Greyhub.Zarr.Compression;

/// <summary>Settings for <see cref="Blosc.Compress(ReadOnlySpan{byte}, Span{byte}, BloscOptions)"/>.</summary>
public sealed record BloscOptions
{
    /// <summary>numcodecs' default: lz4, level 5, byte shuffle, automatic block size.</summary>
    public static BloscOptions Default { get; } = new();

    /// <summary>The inner compressor (default <see cref="BloscCompressor.Lz4"/>).</summary>
    public BloscCompressor Compressor { get; init; } = BloscCompressor.Lz4;

    /// <summary>Compression level 0..9; 0 stores the data uncompressed (default 5).</summary>
    public int Level { get; init; } = 5;

    /// <summary>The shuffle filter (default <see cref="BloscShuffle.Shuffle"/>).</summary>
    public BloscShuffle Shuffle { get; init; } = BloscShuffle.Shuffle;

    /// <summary>Element size in bytes, used by the shuffle filters; values above 255 are treated as 1, as c-blosc does.</summary>
    public int TypeSize { get; init; } = 1;

    /// <summary>Block size in bytes; 0 picks it automatically exactly as c-blosc does.</summary>
    public int BlockSize { get; init; }

    /// <summary>The c-blosc / numcodecs name of a compressor (<c>lz4</c>, <c>zstd</c>, ...).</summary>
    public static string GetName(BloscCompressor compressor) => compressor switch
    {
        BloscCompressor.BloscLz => "blosclz",
        BloscCompressor.Lz4 => "lz4",
        BloscCompressor.Lz4Hc => "lz4hc",
        BloscCompressor.Snappy => "snappy",
        BloscCompressor.Zlib => "zlib",
        BloscCompressor.Zstd => "zstd",
        _ => throw new ArgumentOutOfRangeException(nameof(compressor), compressor, "Unknown Blosc compressor."),
    };

    /// <summary>Parses a c-blosc / numcodecs compressor name; throws listing the valid names.</summary>
    public static BloscCompressor ParseCompressor(string name) => name switch
    {
        "blosclz" => BloscCompressor.BloscLz,
        "lz4" => BloscCompressor.Lz4,
        "lz4hc" => BloscCompressor.Lz4Hc,
        "snappy" => BloscCompressor.Snappy,
        "zlib" => BloscCompressor.Zlib,
        "zstd" => BloscCompressor.Zstd,
        _ => throw new ArgumentException($"Unknown Blosc compressor '{name}'; valid names are blosclz, lz4, lz4hc, snappy, zlib, zstd.", nameof(name)),
    };

    internal void Validate()
    {
        if (Level is < 0 or > 9)
        {
            throw new ArgumentOutOfRangeException(nameof(Level), Level, "Blosc level must be between 0 and 9.");
        }
        if (Shuffle is < BloscShuffle.NoShuffle or > BloscShuffle.BitShuffle)
        {
            throw new ArgumentOutOfRangeException(nameof(Shuffle), Shuffle, "Unknown shuffle.");
        }
        if (TypeSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(TypeSize), TypeSize, "Type size must be at least 1.");
        }
        if (BlockSize < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(BlockSize), BlockSize, "Block size must be 0 (automatic) or positive.");
        }
        if (Compressor is < BloscCompressor.BloscLz or > BloscCompressor.Zstd)
        {
            throw new ArgumentOutOfRangeException(nameof(Compressor), Compressor, "Unknown Blosc compressor.");
        }
        if (Compressor == BloscCompressor.Snappy)
        {
            throw new NotSupportedException("Blosc snappy is not supported.");
        }
    }
}
