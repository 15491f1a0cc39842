using System.Buffers;
using System.Buffers.Binary;
using Greyhub.Zarr.Compression.Shuffle;

namespace Greyhub.Zarr.Compression.Engine;

// Decoding a frame whose rows go to scattered places (a chunk inside a larger array): each block is decoded into
// a block-sized scratch buffer, then unshuffled (or copied) row segment by row segment straight into place. This
// saves the whole-chunk buffer and the row-by-row copy out of it that the plain path needs.
internal static partial class BloscDecoder
{
    /// <summary>
    /// Decodes the frame into rows of <paramref name="rowBytes"/> bytes, of which bytes <paramref name="start"/>..
    /// <paramref name="start"/>+<paramref name="length"/> of row <c>r</c> go to <c>destination[offsets[r]..]</c>
    /// (rows with a negative offset are dropped). The frame must decode to exactly <c>rowBytes × offsets.Length</c>
    /// bytes. Returns false, having written nothing, when the frame has no such path (bit shuffle, or a type size
    /// that rows or blocks do not divide, or none of the vector unshuffle kernels).
    /// </summary>
    public static bool TryDecompressRows(ReadOnlySpan<byte> source, Span<byte> destination, int rowBytes, int start, int length, ReadOnlySpan<long> offsets)
    {
        var info = ReadAndValidate(source);
        var nbytes = info.UncompressedSize;
        if (nbytes != (long)rowBytes * offsets.Length)
        {
            throw new ArgumentException($"The frame decodes to {nbytes} bytes, not {offsets.Length} rows of {rowBytes}.", nameof(source));
        }
        if (nbytes == 0)
        {
            return true;
        }
        var frame = source[..info.CompressedSize];
        if (info.IsMemcpyed)
        {
            WriteRows(frame.Slice(Header, nbytes), 0, 0, destination, rowBytes, start, length, offsets);
            return true;
        }
        var typeSize = info.TypeSize;
        var blockSize = info.BlockSize;
        var shuffle = (info.Flags & BloscFrameInfo.FlagShuffle) != 0 && typeSize > 1;
        if ((info.Flags & BloscFrameInfo.FlagBitShuffle) != 0 && !shuffle)
        {
            return false;
        }
        if (shuffle && (!ByteShuffle.HasRangeKernel(typeSize) || blockSize % typeSize != 0 || rowBytes % typeSize != 0
                        || start % typeSize != 0 || length % typeSize != 0))
        {
            return false;
        }
        var nblocks = BlockCount(info);
        var leftover = nbytes % blockSize;
        var scratch = ArrayPool<byte>.Shared.Rent(Math.Min(blockSize, nbytes));
        try
        {
            for (var j = 0; j < nblocks; j++)
            {
                var isLeftover = j == nblocks - 1 && leftover > 0;
                var size = isLeftover ? leftover : blockSize;
                var block = scratch.AsSpan(0, size);
                DecodeSplits(info, frame, BinaryPrimitives.ReadInt32LittleEndian(frame[(Header + (4 * j))..]), isLeftover, block);
                var blockStart = (long)j * blockSize;
                WriteRows(block, blockStart, shuffle ? typeSize : 0, destination, rowBytes, start, length, offsets);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
        return true;
    }

    /// <summary>
    /// Writes the row segments that fall in <paramref name="block"/> (chunk bytes from <paramref name="blockStart"/>)
    /// straight into place: copied, or unshuffled when <paramref name="shuffleTypeSize"/> is not 0.
    /// </summary>
    private static void WriteRows(ReadOnlySpan<byte> block, long blockStart, int shuffleTypeSize, Span<byte> destination, int rowBytes, int start, int length,
        ReadOnlySpan<long> offsets)
    {
        var blockEnd = blockStart + block.Length;
        for (var r = (int)(blockStart / rowBytes); r < offsets.Length && (long)r * rowBytes < blockEnd; r++)
        {
            if (offsets[r] < 0)
            {
                continue;
            }
            var from = ((long)r * rowBytes) + start;
            var a = Math.Max(from, blockStart);
            var b = Math.Min(from + length, blockEnd);
            if (a >= b)
            {
                continue;
            }
            var target = destination.Slice((int)(offsets[r] + (a - from)), (int)(b - a));
            if (shuffleTypeSize == 0)
            {
                block.Slice((int)(a - blockStart), (int)(b - a)).CopyTo(target);
            }
            else
            {
                ByteShuffle.UnshuffleRange(shuffleTypeSize, block, block.Length / shuffleTypeSize, (int)((a - blockStart) / shuffleTypeSize),
                    (int)((b - a) / shuffleTypeSize), target);
            }
        }
    }
}
