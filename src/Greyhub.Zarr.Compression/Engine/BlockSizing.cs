namespace Greyhub.Zarr.Compression.Engine;

/// <summary>c-blosc 1.x's encoder rules for block sizes and splitting (blosc.c, default split mode FORWARD_COMPAT).</summary>
internal static class BlockSizing
{
    public const int MinBufferSize = 128;
    public const int MaxSplits = 16;
    public const int MaxTypeSize = 255;
    public const int MaxBlockSize = (int.MaxValue - (MaxTypeSize * 4)) / 3;
    public const int MaxBufferSize = int.MaxValue - BloscFrameInfo.HeaderSize;
    private const int L1 = 32 * 1024;

    /// <summary>High-compression-ratio codecs get larger blocks.</summary>
    private static bool IsHcr(BloscCompressor compressor) =>
        compressor is BloscCompressor.Lz4Hc or BloscCompressor.Zlib or BloscCompressor.Zstd;

    /// <summary>Whether blocks are split into one stream per byte of the element (zstd never is).</summary>
    public static bool SplitBlock(BloscCompressor compressor, int typeSize, int blockSize) =>
        compressor != BloscCompressor.Zstd && typeSize <= MaxSplits && blockSize / typeSize >= MinBufferSize;

    public static int ComputeBlockSize(BloscCompressor compressor, int level, int typeSize, int nbytes, int forcedBlockSize)
    {
        if (nbytes < typeSize)
        {
            return 1;
        }
        var blockSize = nbytes;
        if (forcedBlockSize != 0)
        {
            blockSize = Math.Clamp(forcedBlockSize, MinBufferSize, MaxBlockSize);
        }
        else if (nbytes >= L1)
        {
            blockSize = IsHcr(compressor) ? 2 * L1 : L1;
            blockSize = level switch
            {
                0 => blockSize / 4,
                1 => blockSize / 2,
                2 => blockSize,
                3 => blockSize * 2,
                4 or 5 => blockSize * 4,
                6 or 7 or 8 => blockSize * 8,
                _ => IsHcr(compressor) ? blockSize * 16 : blockSize * 8,
            };
        }
        if (level > 0 && SplitBlock(compressor, typeSize, blockSize))
        {
            // Split codecs: at most 256 KB per stream, then between 64 KB and 1 MB per block.
            blockSize = Math.Min(blockSize, 1 << 18);
            blockSize *= typeSize;
            blockSize = Math.Clamp(blockSize, 1 << 16, 1 << 20);
        }
        if (blockSize > nbytes)
        {
            blockSize = nbytes;
        }
        if (blockSize > typeSize)
        {
            blockSize = blockSize / typeSize * typeSize;
        }
        return blockSize;
    }
}
