using System.Text.Json.Nodes;
using Greyhub.Zarr.Codecs;
using Greyhub.Zarr.Compression.Engine;
using Greyhub.Zarr.Compression.Shuffle;
using Greyhub.Zarr.Storage;

namespace Greyhub.Zarr.Compression.Tests;

/// <summary>
/// The row path: a Blosc chunk decoded straight into its rows' places in a larger output (range unshuffle, scatter
/// per block, the Zarr read path choosing it), each against the plain decode followed by a row copy.
/// </summary>
public sealed class BloscRowsTests
{
    public static TheoryData<int, int> RangeShapes()
    {
        var data = new TheoryData<int, int>();
        foreach (var typeSize in new[] { 1, 2, 3, 4, 8, 16 })
        {
            foreach (var n in new[] { 1, 15, 16, 17, 31, 32, 33, 48, 100, 257, 1000 })
            {
                data.Add(typeSize, n);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(RangeShapes))]
    public void Range_unshuffle_matches_the_scalar_definition(int typeSize, int n)
    {
        var shuffled = ShuffleTests.RandomBytes((n * typeSize) + 5, (typeSize * 31) + n);
        var random = new Random(n);
        var ranges = new List<(int First, int Count)> { (0, n), (0, 0), (n - 1, 1), (n / 2, n - (n / 2)) };
        for (var k = 0; k < 8; k++)
        {
            var first = random.Next(n);
            ranges.Add((first, random.Next(n - first + 1)));
        }
        foreach (var (first, count) in ranges)
        {
            var expected = new byte[count * typeSize];
            for (var i = 0; i < count; i++)
            {
                for (var j = 0; j < typeSize; j++)
                {
                    expected[(i * typeSize) + j] = shuffled[(j * n) + first + i];
                }
            }
            // One spare byte each side: the kernel writes exactly its range.
            var actual = new byte[(count * typeSize) + 2];
            actual[0] = actual[^1] = 0xA5;
            ByteShuffle.UnshuffleRange(typeSize, shuffled, n, first, count, actual.AsSpan(1, count * typeSize));
            Assert.Equal(expected, actual[1..^1]);
            Assert.Equal(0xA5, actual[0]);
            Assert.Equal(0xA5, actual[^1]);
        }
    }

    public static TheoryData<string, int, int, int, int> Frames() => new()
    {
        // cname, shuffle (0 none, 1 byte, 2 bit), typesize, blocksize (0 = automatic), level
        { "lz4", 1, 4, 0, 5 },
        { "lz4", 1, 8, 0, 5 },
        { "lz4", 1, 4, 1000, 5 },   // blocks that end mid-row
        { "lz4", 1, 8, 4096, 9 },
        { "zstd", 1, 4, 0, 3 },
        { "blosclz", 1, 4, 0, 5 },
        { "lz4", 0, 4, 0, 5 },
        { "lz4", 1, 4, 0, 0 },      // level 0: stored as memcpy
        { "lz4", 2, 4, 0, 5 },      // bit shuffle: no row path
        { "lz4", 1, 2, 0, 5 },      // no vector range kernel for 2 bytes: no row path
    };

    [Theory]
    [MemberData(nameof(Frames))]
    public void Rows_decode_matches_decode_then_copy(string cname, int shuffle, int typeSize, int blockSize, int level)
    {
        // A 24 x 40-element chunk (rows of 40 elements) with smooth data so the codecs really compress.
        const int Rows = 24;
        const int RowElements = 40;
        var rowBytes = RowElements * typeSize;
        var chunk = new byte[Rows * rowBytes];
        for (var i = 0; i < chunk.Length; i++)
        {
            chunk[i] = (byte)((i / typeSize % 97) + (i % typeSize == 0 ? i / 4000 : 0));
        }
        var frame = Blosc.Compress(chunk, new BloscOptions
        {
            Compressor = BloscOptions.ParseCompressor(cname),
            Level = level,
            Shuffle = (BloscShuffle)shuffle,
            TypeSize = typeSize,
            BlockSize = blockSize,
        });
        var hasPath = shuffle != 2 && (shuffle == 0 || level == 0 || typeSize is 4 or 8);
        foreach (var (start, length) in new[] { (0, rowBytes), (3 * typeSize, 10 * typeSize), (0, typeSize), (rowBytes - typeSize, typeSize) })
        {
            // Rows go to shuffled places in an output twice the chunk's size; every third row is dropped.
            var random = new Random(start + length);
            var places = Enumerable.Range(0, 2 * Rows).OrderBy(_ => random.Next()).Take(Rows).ToArray();
            var offsets = places.Select((p, r) => r % 3 == 1 ? -1L : (long)p * rowBytes).ToArray();
            var expected = Enumerable.Repeat((byte)0xEE, 2 * Rows * rowBytes).ToArray();
            new ChunkRows(expected, rowBytes, start, length, offsets).CopyFrom(chunk);

            var actual = Enumerable.Repeat((byte)0xEE, expected.Length).ToArray();
            var done = BloscDecoder.TryDecompressRows(frame, actual, rowBytes, start, length, offsets);
            Assert.Equal(hasPath, done);
            Assert.Equal(done ? expected : Enumerable.Repeat((byte)0xEE, expected.Length).ToArray(), actual);
        }
    }

    [Fact]
    public void Rows_decode_refuses_a_frame_of_another_size()
    {
        var frame = Blosc.Compress(new byte[4000], new BloscOptions { TypeSize = 4 });
        var codec = ZarrCompression.Register(new ZarrCodecRegistry()).CreateV2(new JsonObject { ["id"] = "blosc" }, new ZarrCodecContext(2, 4, "float32"));
        var output = new byte[8000];
        Assert.Throws<ZarrCodecException>(() => codec.TryDecodeRows(frame, new ChunkRows(output, 400, 0, 400, new long[9])));
        Assert.Throws<ZarrCodecException>(() => codec.TryDecodeRows(frame.AsSpan(0, 40), new ChunkRows(output, 400, 0, 400, new long[10])));
    }

    public static TheoryData<string, string> Arrays() => new()
    {
        { "<f4", "lz4" },
        { "<f8", "lz4" },
        { ">f4", "lz4" },   // byte-swapped on decode: the row path must stay out
        { "<i2", "lz4" },   // no range kernel: decode then copy
        { "|u1", "lz4" },
        { "<f4", "zlib" },  // a codec without a row path
        { "<f4", "none" },  // no compressor: rows copied from the stored bytes
    };

    [Theory]
    [MemberData(nameof(Arrays))]
    public async Task Array_reads_of_chunks_not_contiguous_in_the_output_give_the_written_values(string dtype, string codec)
    {
        // 37 x 45 x 70 with 8 x 16 x 32 chunks: edge chunks on every axis, and no chunk contiguous in a whole read.
        long[] shape = [37, 45, 70];
        var store = new InMemoryStore();
        var array = await ZarrArray.CreateAsync(store, "a", new ZarrArrayDefinition
        {
            ZarrFormat = 2,
            Shape = shape,
            ChunkShape = [8, 16, 32],
            DataType = ZarrDataType.FromV2(dtype),
            FillValue = 0,
            Compressor = codec switch
            {
                "none" => null,
                "zlib" => new JsonObject { ["name"] = "numcodecs.zlib", ["configuration"] = new JsonObject { ["level"] = 1 } },
                _ => new JsonObject
                {
                    ["name"] = "numcodecs.blosc",
                    ["configuration"] = new JsonObject { ["cname"] = codec, ["clevel"] = 5, ["shuffle"] = 1, ["blocksize"] = 0 },
                },
            },
        }, new ZarrOptions { Codecs = ZarrCompression.Register(new ZarrCodecRegistry()) }, TestContext.Current.CancellationToken);
        var size = array.DataType.Size;
        var all = new byte[shape[0] * shape[1] * shape[2] * size];
        for (var i = 0; i < all.Length; i++)
        {
            all[i] = (byte)((i / size * 7) + (i % size * 61));
        }
        await array.WriteBytesAsync(null, all, TestContext.Current.CancellationToken);

        foreach (var region in new[]
        {
            new[] { new ZarrSlice(0, 37), new ZarrSlice(0, 45), new ZarrSlice(0, 70) },
            [new ZarrSlice(3, 30), new ZarrSlice(15, 33), new ZarrSlice(5, 67)],
            [new ZarrSlice(8, 16), new ZarrSlice(0, 45), new ZarrSlice(31, 33)],
            [new ZarrSlice(1, 36, 2), new ZarrSlice(0, 45), new ZarrSlice(2, 70, 3)],
        })
        {
            var counts = region.Select((s, d) => (s.Stop!.Value - s.Start!.Value + s.Step - 1) / s.Step).ToArray();
            var expected = new byte[counts[0] * counts[1] * counts[2] * size];
            var at = 0;
            for (var x = 0; x < counts[0]; x++)
            {
                for (var y = 0; y < counts[1]; y++)
                {
                    for (var z = 0; z < counts[2]; z++)
                    {
                        var from = ((((region[0].Start!.Value + (x * region[0].Step)) * shape[1]) + region[1].Start!.Value + (y * region[1].Step)) * shape[2])
                                   + region[2].Start!.Value + (z * region[2].Step);
                        all.AsSpan((int)(from * size), size).CopyTo(expected.AsSpan(at, size));
                        at += size;
                    }
                }
            }
            var actual = new byte[expected.Length];
            await array.ReadBytesAsync(region, actual, TestContext.Current.CancellationToken);
            Assert.Equal(expected, actual);
        }
    }
}
