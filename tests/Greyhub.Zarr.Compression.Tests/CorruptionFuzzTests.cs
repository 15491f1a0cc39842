namespace Greyhub.Zarr.Compression.Tests;

/// <summary>
/// Seeded truncations and bit flips of valid frames: decoding either succeeds or throws the library's
/// typed exception; never another exception type, never a hang (each case is bounded work).
/// </summary>
public sealed class CorruptionFuzzTests
{
    public static TheoryData<BloscCompressor, BloscShuffle, int> Frames() => new()
    {
        { BloscCompressor.Lz4, BloscShuffle.Shuffle, 4 },
        { BloscCompressor.Lz4, BloscShuffle.BitShuffle, 8 },
        { BloscCompressor.Lz4Hc, BloscShuffle.NoShuffle, 1 },
        { BloscCompressor.Zstd, BloscShuffle.Shuffle, 8 },
        { BloscCompressor.Zlib, BloscShuffle.Shuffle, 2 },
    };

    [Theory]
    [MemberData(nameof(Frames))]
    public void Corrupt_blosc_frames_throw_only_BloscException(BloscCompressor compressor, BloscShuffle shuffle, int typeSize)
    {
        var data = Compressible(200_000, 11);
        var frame = Blosc.Compress(data, new BloscOptions { Compressor = compressor, Shuffle = shuffle, TypeSize = typeSize, Level = 5, BlockSize = 16_384 });
        var random = new Random((int)compressor * 31 + typeSize);
        var outcomes = new Dictionary<string, int>();
        for (var trial = 0; trial < 600; trial++)
        {
            var corrupt = Mutate(frame, random, trial);
            var outcome = Outcome(() => Blosc.Decompress(corrupt));
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            Assert.True(outcome is "ok" or nameof(BloscException), $"trial {trial}: {outcome}");
        }
        Assert.True(outcomes.GetValueOrDefault(nameof(BloscException)) > 100, "most mutations must be detected");
    }

    [Fact]
    public void Corrupt_blosclz_frames_throw_only_BloscException()
    {
        // A frame with one BloscLZ split that mixes literals, near and far matches.
        var random = new Random(99);
        for (var trial = 0; trial < 3000; trial++)
        {
            var stream = new byte[random.Next(1, 64)];
            random.NextBytes(stream);
            var frame = new byte[24 + stream.Length];
            frame[0] = 2;
            frame[1] = 1;
            frame[2] = BloscFrameInfo.FlagDontSplit;
            frame[3] = 1;
            BitConverter.TryWriteBytes(frame.AsSpan(4), 300);
            BitConverter.TryWriteBytes(frame.AsSpan(8), 300);
            BitConverter.TryWriteBytes(frame.AsSpan(12), frame.Length);
            BitConverter.TryWriteBytes(frame.AsSpan(16), 20);
            BitConverter.TryWriteBytes(frame.AsSpan(20), stream.Length);
            stream.CopyTo(frame, 24);
            var outcome = Outcome(() => Blosc.Decompress(frame));
            Assert.True(outcome is "ok" or nameof(BloscException), $"trial {trial}: {outcome}");
        }
    }

    [Fact]
    public void Corrupt_zstd_and_lz4_throw_only_CompressedDataException()
    {
        var data = Compressible(100_000, 5);
        var zstd = Zstd.Compress(data, 3, checksum: true);
        var lz4 = Lz4.Compress(data);
        var random = new Random(7);
        var detected = 0;
        for (var trial = 0; trial < 500; trial++)
        {
            foreach (var (name, frame, decode) in new (string, byte[], Func<byte[], byte[]>)[]
            {
                ("zstd", zstd, f => Zstd.Decompress(f, maxSize: 1 << 20)),
                ("lz4", lz4, f => Lz4.Decompress(f, maxSize: 1 << 20)),
            })
            {
                var outcome = Outcome(() => decode(Mutate(frame, random, trial)));
                Assert.True(outcome is "ok" or nameof(CompressedDataException), $"{name} trial {trial}: {outcome}");
                if (outcome != "ok")
                {
                    detected++;
                }
            }
        }
        Assert.True(detected > 200);
    }

    [Fact]
    public void Truncated_headers_and_garbage_throw_BloscException()
    {
        Assert.Throws<BloscException>(() => Blosc.Decompress(new byte[10]));
        Assert.Throws<BloscException>(() => Blosc.GetInfo(new byte[15]));
        var frame = Blosc.Compress(Compressible(10_000, 1), BloscOptions.Default);
        Assert.Throws<BloscException>(() => Blosc.Decompress(frame.AsSpan(0, frame.Length - 1)));
        var future = (byte[])frame.Clone();
        future[0] = 3;
        Assert.Throws<BloscException>(() => Blosc.Decompress(future));
        Assert.Throws<BloscException>(() => Blosc.Decompress(frame, maxSize: 9_999));
        Assert.Equal(10_000, Blosc.Decompress(frame, maxSize: 10_000).Length);
        var reserved = (byte[])frame.Clone();
        reserved[2] |= BloscFrameInfo.FlagReserved;
        Assert.Throws<BloscException>(() => Blosc.Decompress(reserved));
    }

    private static byte[] Mutate(byte[] frame, Random random, int trial)
    {
        var copy = (byte[])frame.Clone();
        switch (trial % 4)
        {
            case 0:
                return copy.AsSpan(0, random.Next(copy.Length)).ToArray();
            case 1:
                var flips = random.Next(1, 4);
                for (var f = 0; f < flips; f++)
                {
                    var at = random.Next(copy.Length);
                    copy[at] ^= (byte)(1 << random.Next(8));
                }
                return copy;
            case 2:
                // Header and block table are where sizes and offsets live.
                var pos = random.Next(Math.Min(copy.Length, 64));
                copy[pos] = (byte)random.Next(256);
                return copy;
            default:
                var start = random.Next(copy.Length);
                var len = Math.Min(random.Next(1, 32), copy.Length - start);
                random.NextBytes(copy.AsSpan(start, len));
                return copy;
        }
    }

    private static string Outcome(Action action)
    {
        try
        {
            action();
            return "ok";
        }
        catch (BloscException)
        {
            return nameof(BloscException);
        }
        catch (CompressedDataException)
        {
            return nameof(CompressedDataException);
        }
        catch (Exception e)
        {
            return $"{e.GetType().FullName}: {e.Message}";
        }
    }

    private static byte[] Compressible(int length, int seed)
    {
        var random = new Random(seed);
        var data = new byte[length];
        var value = 0f;
        for (var i = 0; i + 4 <= length; i += 4)
        {
            value += (float)random.NextDouble();
            BitConverter.TryWriteBytes(data.AsSpan(i), value);
        }
        return data;
    }
}
