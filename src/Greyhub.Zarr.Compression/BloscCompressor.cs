namespace Greyhub.Zarr.Compression;

/// <summary>The inner compressor of a Blosc frame (the values are c-blosc's compressor codes).</summary>
public enum BloscCompressor
{
    /// <summary>BloscLZ, Blosc's own FastLZ derivative.</summary>
    BloscLz = 0,

    /// <summary>LZ4 (raw block format).</summary>
    Lz4 = 1,

    /// <summary>LZ4 high-compression; same stream format as <see cref="Lz4"/>.</summary>
    Lz4Hc = 2,

    /// <summary>Snappy (not supported: neither numcodecs' nor Debian's c-blosc build it by default).</summary>
    Snappy = 3,

    /// <summary>zlib stream (RFC 1950).</summary>
    Zlib = 4,

    /// <summary>Zstandard frame.</summary>
    Zstd = 5,
}

/// <summary>The shuffle filter applied to each block before compression.</summary>
public enum BloscShuffle
{
    /// <summary>No filter.</summary>
    NoShuffle = 0,

    /// <summary>Byte shuffle: byte <c>j</c> of every element is grouped together.</summary>
    Shuffle = 1,

    /// <summary>Bit shuffle: bit <c>k</c> of byte <c>j</c> of every element is grouped together.</summary>
    BitShuffle = 2,
}
