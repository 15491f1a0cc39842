using System.Buffers.Binary;

namespace Greyhub.Zarr.Compression;

/// <summary>The 16-byte header of a Blosc 1 frame.</summary>
/// <param name="Version">Format version (c-blosc 1.x writes and reads 2).</param>
/// <param name="CodecVersion">Version of the inner codec's format (1).</param>
/// <param name="Flags">Raw flag byte: shuffle, memcpyed, bitshuffle, don't-split and codec bits.</param>
/// <param name="TypeSize">Element size used by the shuffle filters.</param>
/// <param name="UncompressedSize">Size of the data once decompressed.</param>
/// <param name="BlockSize">Size of each block (the last one may be shorter).</param>
/// <param name="CompressedSize">Size of the whole frame, header included.</param>
public readonly record struct BloscFrameInfo(
    byte Version,
    byte CodecVersion,
    byte Flags,
    int TypeSize,
    int UncompressedSize,
    int BlockSize,
    int CompressedSize)
{
    /// <summary>Size of the header.</summary>
    public const int HeaderSize = 16;

    /// <summary>Flag: byte shuffle.</summary>
    public const byte FlagShuffle = 0x01;

    /// <summary>Flag: data stored uncompressed after the header.</summary>
    public const byte FlagMemcpyed = 0x02;

    /// <summary>Flag: bit shuffle.</summary>
    public const byte FlagBitShuffle = 0x04;

    /// <summary>Flag bit reserved by c-blosc; a frame with it set is rejected.</summary>
    public const byte FlagReserved = 0x08;

    /// <summary>Flag: blocks are not split into one stream per byte of the element.</summary>
    public const byte FlagDontSplit = 0x10;

    /// <summary>True when the data is stored uncompressed.</summary>
    public bool IsMemcpyed => (Flags & FlagMemcpyed) != 0;

    /// <summary>True when blocks are not split into one stream per byte of the element.</summary>
    public bool DontSplit => (Flags & FlagDontSplit) != 0;

    /// <summary>The shuffle recorded in the flags (byte shuffle wins if both bits are set, as in c-blosc).</summary>
    public BloscShuffle Shuffle => (Flags & FlagShuffle) != 0 ? BloscShuffle.Shuffle
        : (Flags & FlagBitShuffle) != 0 ? BloscShuffle.BitShuffle : BloscShuffle.NoShuffle;

    /// <summary>The inner codec's format number (bits 5..7): 0 blosclz, 1 lz4/lz4hc, 2 snappy, 3 zlib, 4 zstd.</summary>
    public int CodecFormat => Flags >> 5;

    /// <summary>The inner codec's name as c-blosc reports it (<c>lz4</c> covers lz4hc too).</summary>
    public string CodecName => CodecFormat switch
    {
        0 => "blosclz",
        1 => "lz4",
        2 => "snappy",
        3 => "zlib",
        4 => "zstd",
        _ => "unknown",
    };

    /// <summary>Reads the header; throws <see cref="BloscException"/> when fewer than 16 bytes are given or sizes are negative.</summary>
    public static BloscFrameInfo Read(ReadOnlySpan<byte> header)
    {
        if (header.Length < HeaderSize)
        {
            throw new BloscException($"Blosc frame truncated: {header.Length} bytes, the header alone takes {HeaderSize}.");
        }
        var info = new BloscFrameInfo(
            header[0],
            header[1],
            header[2],
            header[3],
            BinaryPrimitives.ReadInt32LittleEndian(header[4..]),
            BinaryPrimitives.ReadInt32LittleEndian(header[8..]),
            BinaryPrimitives.ReadInt32LittleEndian(header[12..]));
        if (info.UncompressedSize < 0 || info.BlockSize < 0 || info.CompressedSize < 0)
        {
            throw new BloscException("Blosc header has a negative size.");
        }
        return info;
    }
}
