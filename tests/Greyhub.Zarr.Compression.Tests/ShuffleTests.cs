using Greyhub.Zarr.Compression.Shuffle;

namespace Greyhub.Zarr.Compression.Tests;

/// <summary>The SIMD shuffle kernels against the formulas c-blosc defines them by.</summary>
public sealed class ShuffleTests
{
    public static TheoryData<int, int> Shapes()
    {
        var data = new TheoryData<int, int>();
        foreach (var typeSize in new[] { 1, 2, 3, 4, 5, 7, 8, 12, 16, 17, 32 })
        {
            foreach (var length in new[] { 0, 1, 15, 16, 255, 256, 257, 1000, 4096, 4099, 65_536 + 24 })
            {
                data.Add(typeSize, length);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Byte_shuffle_matches_definition_and_inverts(int typeSize, int length)
    {
        var source = RandomBytes(length, typeSize * 7919 + length);
        var shuffled = new byte[length];
        ByteShuffle.Shuffle(typeSize, source, shuffled);

        var n = length / typeSize;
        var expected = new byte[length];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < typeSize; j++)
            {
                expected[(j * n) + i] = source[(i * typeSize) + j];
            }
        }
        source.AsSpan(n * typeSize).CopyTo(expected.AsSpan(n * typeSize));
        Assert.Equal(expected, shuffled);

        var restored = new byte[length];
        ByteShuffle.Unshuffle(typeSize, shuffled, restored);
        Assert.Equal(source, restored);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Bit_shuffle_matches_definition_and_inverts(int typeSize, int length)
    {
        var source = RandomBytes(length, typeSize * 104_729 + length);
        var shuffled = new byte[length];
        BitShuffle.Shuffle(typeSize, source, shuffled);

        var n = length / typeSize;
        var expected = new byte[length];
        if (n % 8 == 0)
        {
            for (var i = 0; i < n; i++)
            {
                for (var j = 0; j < typeSize; j++)
                {
                    for (var k = 0; k < 8; k++)
                    {
                        var bit = (source[(i * typeSize) + j] >> k) & 1;
                        expected[(((j * 8) + k) * (n / 8)) + (i / 8)] |= (byte)(bit << (i % 8));
                    }
                }
            }
            source.AsSpan(n * typeSize).CopyTo(expected.AsSpan(n * typeSize));
        }
        else
        {
            source.CopyTo(expected, 0);
        }
        Assert.Equal(expected, shuffled);

        var restored = new byte[length];
        BitShuffle.Unshuffle(typeSize, shuffled, restored);
        Assert.Equal(source, restored);
    }

    [Fact]
    public void Bit_transpose_is_an_involution_that_moves_bit_c_of_byte_r_to_bit_r_of_byte_c()
    {
        var random = new Random(5);
        for (var trial = 0; trial < 200; trial++)
        {
            var x = (ulong)random.NextInt64();
            var t = BitTranspose.Transpose8x8(x);
            for (var r = 0; r < 8; r++)
            {
                for (var c = 0; c < 8; c++)
                {
                    Assert.Equal((x >> ((8 * r) + c)) & 1, (t >> ((8 * c) + r)) & 1);
                }
            }
            Assert.Equal(x, BitTranspose.Transpose8x8(t));
        }
    }

    internal static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
