using System.Buffers;
using System.Buffers.Binary;
using Greyhub.Zarr.Compression.Shuffle;

namespace Greyhub.Zarr.Compression.Engine;

/// <summary>Writes Blosc 1 frames byte for byte as c-blosc 1.x does (serial path: blosc.c <c>serial_blosc</c>/<c>blosc_c</c>).</summary>
internal static class BloscEncoder
{
    private const int Header = BloscFrameInfo.HeaderSize;

    public static int Compress(ReadOnlySpan<byte> source, Span<byte> destination, BloscOptions options)
    {
        options.Validate();
        if (source.Length > BlockSizing.MaxBufferSize)
        {
            throw new ArgumentException($"Blosc cannot compress more than {BlockSizing.MaxBufferSize} bytes.", nameof(source));
        }
        if (destination.Length < Header)
        {
            throw new ArgumentException($"The destination must hold at least {Header} bytes.", nameof(destination));
        }
        var nbytes = source.Length;
        // c-blosc is given nbytes + 16 by numcodecs; a larger buffer must not change the output.
        var maxBytes = (int)Math.Min(destination.Length, (long)nbytes + Header);
        var typeSize = options.TypeSize > BlockSizing.MaxTypeSize ? 1 : options.TypeSize;
        var compressor = options.Compressor;
        var level = options.Level;
        var blockSize = BlockSizing.ComputeBlockSize(compressor, level, typeSize, nbytes, options.BlockSize);
        var nblocks = nbytes / blockSize;
        var leftover = nbytes % blockSize;
        if (leftover > 0)
        {
            nblocks++;
        }

        var flags = 0;
        if (options.Shuffle == BloscShuffle.Shuffle)
        {
            flags |= BloscFrameInfo.FlagShuffle;
        }
        else if (options.Shuffle == BloscShuffle.BitShuffle)
        {
            flags |= BloscFrameInfo.FlagBitShuffle;
        }
        var dontSplit = !BlockSizing.SplitBlock(compressor, typeSize, blockSize);
        if (dontSplit)
        {
            flags |= BloscFrameInfo.FlagDontSplit;
        }
        flags |= InnerCodecs.FormatOf(compressor) << 5;
        var memcpyed = level == 0 || nbytes < BlockSizing.MinBufferSize;

        destination[0] = 2;
        destination[1] = 1;
        destination[3] = (byte)typeSize;
        BinaryPrimitives.WriteInt32LittleEndian(destination[4..], nbytes);
        BinaryPrimitives.WriteInt32LittleEndian(destination[8..], blockSize);

        var written = 0;
        if (!memcpyed)
        {
            var frame = new Frame(compressor, level, typeSize, blockSize, flags, dontSplit, maxBytes);
            written = frame.CompressBlocks(source, destination, nblocks, leftover);
        }
        if (written == 0)
        {
            // Incompressible (or level 0 / tiny input): store the data after the header.
            if (nbytes + Header > maxBytes)
            {
                throw new ArgumentException($"The destination is too small: {nbytes + Header} bytes needed.", nameof(destination));
            }
            flags |= BloscFrameInfo.FlagMemcpyed;
            source.CopyTo(destination[Header..]);
            written = nbytes + Header;
        }
        destination[2] = (byte)flags;
        BinaryPrimitives.WriteInt32LittleEndian(destination[12..], written);
        return written;
    }

    private readonly ref struct Frame(BloscCompressor compressor, int level, int typeSize, int blockSize, int flags, bool dontSplit, int maxBytes)
    {
        /// <summary>Returns the frame size, or 0 when the data does not compress into <c>maxBytes</c>.</summary>
        public int CompressBlocks(ReadOnlySpan<byte> source, Span<byte> destination, int nblocks, int leftover)
        {
            var ntbytes = Header + (4 * nblocks);
            if (ntbytes > maxBytes)
            {
                return 0;
            }
            var rented = ArrayPool<byte>.Shared.Rent(blockSize);
            try
            {
                for (var j = 0; j < nblocks; j++)
                {
                    BinaryPrimitives.WriteInt32LittleEndian(destination[(Header + (4 * j))..], ntbytes);
                    var isLeftover = j == nblocks - 1 && leftover > 0;
                    var size = isLeftover ? leftover : blockSize;
                    var block = source.Slice(j * blockSize, size);
                    var cbytes = CompressBlock(block, isLeftover, ntbytes, destination, rented);
                    if (cbytes == 0)
                    {
                        return 0;
                    }
                    ntbytes += cbytes;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
            return ntbytes;
        }

        private int CompressBlock(ReadOnlySpan<byte> block, bool isLeftover, int ntbytes, Span<byte> destination, byte[] scratch)
        {
            var size = block.Length;
            var filtered = block;
            if ((flags & BloscFrameInfo.FlagShuffle) != 0 && typeSize > 1)
            {
                ByteShuffle.Shuffle(typeSize, block, scratch);
                filtered = scratch.AsSpan(0, size);
            }
            else if ((flags & BloscFrameInfo.FlagBitShuffle) != 0 && size >= typeSize)
            {
                BitShuffle.Shuffle(typeSize, block, scratch);
                filtered = scratch.AsSpan(0, size);
            }

            var nsplits = !dontSplit && !isLeftover ? typeSize : 1;
            var neblock = size / nsplits;
            var ctbytes = 0;
            for (var j = 0; j < nsplits; j++)
            {
                var lengthAt = ntbytes;
                ntbytes += 4;
                ctbytes += 4;
                var maxOut = neblock;
                if (ntbytes + maxOut > maxBytes)
                {
                    maxOut = maxBytes - ntbytes;
                    if (maxOut <= 0)
                    {
                        return 0;
                    }
                }
                var split = filtered.Slice(j * neblock, neblock);
                var cbytes = InnerCodecs.Compress(compressor, level, split, destination.Slice(ntbytes, maxOut), !dontSplit);
                if (cbytes == 0 || cbytes == neblock)
                {
                    // The codec could not shrink this split: store it raw, if that still fits.
                    if (ntbytes + neblock > maxBytes)
                    {
                        return 0;
                    }
                    split.CopyTo(destination[ntbytes..]);
                    cbytes = neblock;
                }
                BinaryPrimitives.WriteInt32LittleEndian(destination[lengthAt..], cbytes);
                ntbytes += cbytes;
                ctbytes += cbytes;
            }
            return ctbytes;
        }
    }
}
