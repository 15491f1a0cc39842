using System.Buffers.Binary;

namespace Greyhub.Zarr.Compression.Tests;

/// <summary>Round trips, header fields and the encoder's block-size rules, without Python.</summary>
public sealed class BloscRoundTripTests
{
    public static TheoryData<BloscCompressor, BloscShuffle, int, int> Settings()
    {
        var data = new TheoryData<BloscCompressor, BloscShuffle, int, int>();
        foreach (var compressor in new[] { BloscCompressor.Lz4, BloscCompressor.Lz4Hc, BloscCompressor.Zstd, BloscCompressor.Zlib })
        {
            foreach (var shuffle in new[] { BloscShuffle.NoShuffle, BloscShuffle.Shuffle, BloscShuffle.BitShuffle })
            {
                foreach (var typeSize in new[] { 1, 4, 8, 13 })
                {
                    foreach (var level in new[] { 0, 1, 9 })
                    {
                        data.Add(compressor, shuffle, typeSize, level);
                    }
                }
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Settings))]
    public void Round_trips_compressible_and_random_data(BloscCompressor compressor, BloscShuffle shuffle, int typeSize, int level)
    {
        var options = new BloscOptions { Compressor = compressor, Shuffle = shuffle, TypeSize = typeSize, Level = level };
        foreach (var length in new[] { 0, 1, 127, 128, 5000, 100_003 })
        {
            foreach (var data in new[] { Ramp(length), ShuffleTests.RandomBytes(length, length) })
            {
                var frame = Blosc.Compress(data, options);
                var info = Blosc.GetInfo(frame);
                Assert.Equal(length, info.UncompressedSize);
                Assert.Equal(frame.Length, info.CompressedSize);
                Assert.True(frame.Length <= Blosc.GetMaxCompressedLength(length));
                Assert.Equal(data, Blosc.Decompress(frame));
            }
        }
    }

    [Fact]
    public void Level_zero_and_tiny_inputs_are_stored_with_the_memcpyed_flag()
    {
        var stored = Blosc.Compress(Ramp(1000), BloscOptions.Default with { Level = 0 });
        Assert.True(Blosc.GetInfo(stored).IsMemcpyed);
        Assert.Equal(1016, stored.Length);
        var tiny = Blosc.Compress(Ramp(127), BloscOptions.Default);
        Assert.True(Blosc.GetInfo(tiny).IsMemcpyed);
        var random = Blosc.Compress(ShuffleTests.RandomBytes(50_000, 1), BloscOptions.Default with { Shuffle = BloscShuffle.NoShuffle });
        Assert.True(Blosc.GetInfo(random).IsMemcpyed, "incompressible data falls back to a stored frame");
    }

    [Fact]
    public void Header_records_codec_shuffle_split_and_typesize()
    {
        var frame = Blosc.Compress(Ramp(1 << 20), new BloscOptions { Compressor = BloscCompressor.Zstd, Shuffle = BloscShuffle.BitShuffle, TypeSize = 4, Level = 5 });
        var info = Blosc.GetInfo(frame);
        Assert.Equal(2, info.Version);
        Assert.Equal("zstd", info.CodecName);
        Assert.Equal(BloscShuffle.BitShuffle, info.Shuffle);
        Assert.True(info.DontSplit, "zstd never splits blocks");
        Assert.Equal(4, info.TypeSize);
        // HCR codec at clevel 5: 32 KB x 2 x 4.
        Assert.Equal(256 * 1024, info.BlockSize);

        var lz4 = Blosc.GetInfo(Blosc.Compress(Ramp(1 << 20), new BloscOptions { Compressor = BloscCompressor.Lz4, TypeSize = 4, Level = 5 }));
        Assert.False(lz4.DontSplit);
        Assert.Equal("lz4", lz4.CodecName);
        // Split codec: 128 KB x typesize 4 = 512 KB.
        Assert.Equal(512 * 1024, lz4.BlockSize);

        var huge = Blosc.GetInfo(Blosc.Compress(Ramp(5000), BloscOptions.Default with { TypeSize = 1000 }));
        Assert.Equal(1, huge.TypeSize);
    }

    [Fact]
    public void A_larger_destination_does_not_change_the_frame()
    {
        var data = ShuffleTests.RandomBytes(20_000, 3);
        var exact = Blosc.Compress(data, BloscOptions.Default);
        var big = new byte[100_000];
        var written = Blosc.Compress(data, big, BloscOptions.Default);
        Assert.Equal(exact, big.AsSpan(0, written).ToArray());
    }

    [Fact]
    public void Rejects_invalid_options_and_small_destinations()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Blosc.Compress(Ramp(10), BloscOptions.Default with { Level = 10 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Blosc.Compress(Ramp(10), BloscOptions.Default with { TypeSize = 0 }));
        Assert.Throws<NotSupportedException>(() => Blosc.Compress(Ramp(10), BloscOptions.Default with { Compressor = BloscCompressor.Snappy }));
        Assert.Throws<ArgumentException>(() => Blosc.Compress(ShuffleTests.RandomBytes(1000, 1), new byte[500], BloscOptions.Default));
        Assert.Throws<ArgumentException>(() => BloscOptions.ParseCompressor("brotli"));
        var frame = Blosc.Compress(Ramp(1000), BloscOptions.Default);
        Assert.Throws<ArgumentException>(() => Blosc.Decompress(frame, new byte[999]));
    }

    [Fact]
    public void Reads_a_hand_written_blosclz_frame()
    {
        // One block, one split, BloscLZ stream: 4 literals "abcd", a match of 7 at distance 1, 4 literals.
        byte[] stream = [3, (byte)'a', (byte)'b', (byte)'c', (byte)'d', (5 << 5) | 0, 0, 3, (byte)'w', (byte)'x', (byte)'y', (byte)'z'];
        var expected = "abcddddddddwxyz"u8.ToArray();
        var frame = new byte[16 + 4 + 4 + stream.Length];
        frame[0] = 2;
        frame[1] = 1;
        frame[2] = BloscFrameInfo.FlagDontSplit; // blosclz, no shuffle
        frame[3] = 1;
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(4), expected.Length);
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(8), expected.Length);
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(12), frame.Length);
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(16), 20);
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(20), stream.Length);
        stream.CopyTo(frame, 24);
        Assert.Equal(expected, Blosc.Decompress(frame));
    }

    private static byte[] Ramp(int length)
    {
        var data = new byte[length];
        for (var i = 0; i < length; i++)
        {
            data[i] = (byte)((i / 7) ^ (i >> 10));
        }
        return data;
    }
}
