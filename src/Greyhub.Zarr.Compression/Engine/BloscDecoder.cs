using System.Buffers;
using System.Buffers.Binary;
using Greyhub.Zarr.Compression.Shuffle;

namespace Greyhub.Zarr.Compression.Engine;

/// <summary>
/// Reads Blosc 1 frames as c-blosc 1.x does (blosc.c <c>blosc_run_decompression_with_context</c>/<c>blosc_d</c>),
/// checking every offset and size against the frame so that corrupt input raises <see cref="BloscException"/>.
/// </summary>
internal static partial class BloscDecoder
{
    private const int Header = BloscFrameInfo.HeaderSize;

    public static BloscFrameInfo ReadAndValidate(ReadOnlySpan<byte> source)
    {
        var info = BloscFrameInfo.Read(source);
        if (info.UncompressedSize == 0)
        {
            return info;
        }
        if (info.Version != 2)
        {
            throw new BloscException($"Unsupported Blosc format version {info.Version} (only 2, c-blosc 1.x, is read).");
        }
        if ((info.Flags & BloscFrameInfo.FlagReserved) != 0)
        {
            throw new BloscException("Blosc frame sets a reserved flag.");
        }
        if (info.BlockSize <= 0 || info.BlockSize > BlockSizing.MaxBlockSize || info.TypeSize == 0)
        {
            throw new BloscException($"Blosc frame has an invalid block size {info.BlockSize} or type size {info.TypeSize}.");
        }
        if (info.CompressedSize > source.Length)
        {
            throw new BloscException($"Blosc frame truncated: header says {info.CompressedSize} bytes, {source.Length} given.");
        }
        if (info.IsMemcpyed)
        {
            if ((long)info.UncompressedSize + Header != info.CompressedSize)
            {
                throw new BloscException("Blosc memcpyed frame has inconsistent sizes.");
            }
        }
        else
        {
            if (info.CodecVersion != 1)
            {
                throw new BloscException($"Unsupported Blosc codec format version {info.CodecVersion}.");
            }
            var nblocks = BlockCount(info);
            if (nblocks > (info.CompressedSize - Header) / 4)
            {
                throw new BloscException("Blosc frame too short for its block table.");
            }
        }
        return info;
    }

    public static int Decompress(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        var info = ReadAndValidate(source);
        var nbytes = info.UncompressedSize;
        if (nbytes == 0)
        {
            return 0;
        }
        if (destination.Length < nbytes)
        {
            throw new ArgumentException($"The destination holds {destination.Length} bytes, the frame decodes to {nbytes}.", nameof(destination));
        }
        var frame = source[..info.CompressedSize];
        if (info.IsMemcpyed)
        {
            frame.Slice(Header, nbytes).CopyTo(destination);
            return nbytes;
        }
        var nblocks = BlockCount(info);
        var blockSize = info.BlockSize;
        var leftover = nbytes % blockSize;
        var scratchSize = Math.Min(blockSize, nbytes);
        var scratch = ArrayPool<byte>.Shared.Rent(scratchSize);
        try
        {
            for (var j = 0; j < nblocks; j++)
            {
                var isLeftover = j == nblocks - 1 && leftover > 0;
                var size = isLeftover ? leftover : blockSize;
                var start = BinaryPrimitives.ReadInt32LittleEndian(frame[(Header + (4 * j))..]);
                DecompressBlock(info, frame, start, isLeftover, destination.Slice((int)((long)j * blockSize), size), scratch);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
        return nbytes;
    }

    private static int BlockCount(BloscFrameInfo info) =>
        (int)(((long)info.UncompressedSize + info.BlockSize - 1) / info.BlockSize);

    private static void DecompressBlock(BloscFrameInfo info, ReadOnlySpan<byte> frame, int offset, bool isLeftover, Span<byte> output, byte[] scratch)
    {
        var size = output.Length;
        var typeSize = info.TypeSize;
        var shuffle = (info.Flags & BloscFrameInfo.FlagShuffle) != 0 && typeSize > 1;
        var bitShuffle = !shuffle && (info.Flags & BloscFrameInfo.FlagBitShuffle) != 0 && size >= typeSize;
        var target = shuffle || bitShuffle ? scratch.AsSpan(0, size) : output;
        DecodeSplits(info, frame, offset, isLeftover, target);
        if (shuffle)
        {
            ByteShuffle.Unshuffle(typeSize, target, output);
        }
        else if (bitShuffle)
        {
            BitShuffle.Unshuffle(typeSize, target, output);
        }
    }

    /// <summary>Decodes the splits of one block into <paramref name="target"/> (still shuffled when the frame is).</summary>
    private static void DecodeSplits(BloscFrameInfo info, ReadOnlySpan<byte> frame, int offset, bool isLeftover, Span<byte> target)
    {
        var size = target.Length;
        var typeSize = info.TypeSize;
        // The decoder's split rule keeps compatibility with frames written before the don't-split flag.
        var nsplits = !info.DontSplit && typeSize <= BlockSizing.MaxSplits && size / typeSize >= BlockSizing.MinBufferSize && !isLeftover
            ? typeSize
            : 1;
        if (size % nsplits != 0)
        {
            throw new BloscException("Blosc block size is not a multiple of the type size.");
        }
        var neblock = size / nsplits;
        var compressedSize = frame.Length;
        var format = info.CodecFormat;
        for (var j = 0; j < nsplits; j++)
        {
            if (offset < Header || offset > compressedSize - 4)
            {
                throw new BloscException($"Blosc block offset {offset} lies outside the frame.");
            }
            var cbytes = BinaryPrimitives.ReadInt32LittleEndian(frame[offset..]);
            offset += 4;
            if (cbytes < 0 || cbytes > compressedSize - offset)
            {
                throw new BloscException($"Blosc split of {cbytes} bytes runs past the frame.");
            }
            var split = frame.Slice(offset, cbytes);
            var splitOut = target.Slice(j * neblock, neblock);
            if (cbytes == neblock)
            {
                split.CopyTo(splitOut);
            }
            else
            {
                var decoded = InnerCodecs.Decompress(format, split, splitOut);
                if (decoded != neblock)
                {
                    throw new BloscException($"Blosc split decoded to {decoded} bytes instead of {neblock}: corrupt data.");
                }
            }
            offset += cbytes;
        }
    }
}
