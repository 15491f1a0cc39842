using System.Text.Json.Nodes;
using Greyhub.Zarr.Storage;

namespace Greyhub.Zarr.Tests;

public sealed class ShardingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(InMemoryStore Store, ushort[] Data)> ShardedAsync(bool indexAtStart, bool sparse = false)
    {
        var store = new InMemoryStore();
        var array = await ZarrArray.CreateAsync(store, "s", new ZarrArrayDefinition
        {
            Shape = [16, 16],
            ChunkShape = [4, 4],
            ShardShape = [8, 8],
            ShardIndexAtStart = indexAtStart,
            DataType = ZarrDataType.FromV3("uint16"),
            Compressor = new JsonObject { ["name"] = "gzip", ["configuration"] = new JsonObject { ["level"] = 5 } },
        }, cancellationToken: Ct);
        var data = Enumerable.Range(0, 256).Select(i => (ushort)(sparse && (i / 16 % 8 >= 4 || i % 16 % 8 >= 4) ? 0 : i + 1)).ToArray();
        await array.WriteAsync<ushort>(null, data, Ct);
        return (store, data);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Partial_read_takes_one_range_for_the_index_and_one_per_inner_chunk(bool indexAtStart)
    {
        var (store, data) = await ShardedAsync(indexAtStart);
        var counting = new CountingStore(store);
        var array = await ZarrArray.OpenAsync(counting, "s", cancellationToken: Ct);
        counting.Reads.Clear();
        // Rows 1..2, columns 3..5: inner chunks (0,0) and (0,1) of shard (0,0).
        var part = await array.ReadAsync<ushort>(ZarrSlice.Parse("1:3,3:6"), Ct);
        Assert.Equal(new[] { data[19], data[20], data[21], data[35], data[36], data[37] }, part);
        var reads = counting.Reads.ToArray();
        Assert.Equal(3, reads.Length);
        Assert.All(reads, r => Assert.Equal("s/c/0/0", r.Key));
        const int indexSize = (4 * 16) + 4;
        var index = reads[0];
        Assert.Equal(indexAtStart ? ByteRange.Of(0, indexSize) : ByteRange.Suffix(indexSize), index.Range);
        Assert.Equal(indexSize, index.Bytes);
        var shard = store["s/c/0/0"]!;
        var entries = Enumerable.Range(0, 8).Select(i => BitConverter.ToUInt64(shard.AsSpan((indexAtStart ? 0 : shard.Length - indexSize) + (8 * i)))).ToArray();
        Assert.Equal(ByteRange.Of((long)entries[0], (long)entries[1]), reads[1].Range);
        Assert.Equal(ByteRange.Of((long)entries[2], (long)entries[3]), reads[2].Range);
        Assert.Equal((int)entries[1], reads[1].Bytes);
    }

    [Fact]
    public async Task Reading_a_whole_shard_takes_one_request()
    {
        var (store, data) = await ShardedAsync(false);
        var counting = new CountingStore(store);
        var array = await ZarrArray.OpenAsync(counting, "s", cancellationToken: Ct);
        counting.Reads.Clear();
        var part = await array.ReadAsync<ushort>(ZarrSlice.Parse("8:16,0:8"), Ct);
        Assert.Equal(Enumerable.Range(8, 8).SelectMany(r => data.Skip(r * 16).Take(8)), part);
        var read = Assert.Single(counting.Reads);
        Assert.Equal(("s/c/1/0", (ByteRange?)null), (read.Key, read.Range));
    }

    [Fact]
    public async Task Empty_inner_chunks_are_marked_in_the_index_and_read_as_fill()
    {
        var (store, data) = await ShardedAsync(false, sparse: true);
        var shard = store["s/c/0/0"]!;
        var index = shard.AsSpan(shard.Length - 68, 64).ToArray();
        // Only inner chunk (0,0) holds data; the other three are empty (2^64-1, 2^64-1).
        Assert.Equal(ulong.MaxValue, BitConverter.ToUInt64(index, 16));
        Assert.Equal(ulong.MaxValue, BitConverter.ToUInt64(index, 24));
        var counting = new CountingStore(store);
        var array = await ZarrArray.OpenAsync(counting, "s", cancellationToken: Ct);
        counting.Reads.Clear();
        Assert.Equal(new ushort[] { 0, 0 }, await array.ReadAsync<ushort>(ZarrSlice.Parse("5,5:7"), Ct));
        Assert.Single(counting.Reads);
        Assert.Equal(data, await array.ReadAsync<ushort>(cancellationToken: Ct));
    }

    [Fact]
    public async Task Nested_sharding_round_trips()
    {
        var store = new InMemoryStore();
        var meta = new JsonObject
        {
            ["zarr_format"] = 3, ["node_type"] = "array", ["shape"] = new JsonArray(8, 8), ["data_type"] = "int32",
            ["chunk_grid"] = new JsonObject { ["name"] = "regular", ["configuration"] = new JsonObject { ["chunk_shape"] = new JsonArray(8, 8) } },
            ["chunk_key_encoding"] = new JsonObject { ["name"] = "default" }, ["fill_value"] = -1,
            ["codecs"] = JsonNode.Parse("""
                [{"name":"sharding_indexed","configuration":{"chunk_shape":[4,4],"index_location":"start",
                  "codecs":[{"name":"sharding_indexed","configuration":{"chunk_shape":[2,2],
                    "codecs":[{"name":"bytes","configuration":{"endian":"big"}},{"name":"gzip","configuration":{"level":1}}],
                    "index_codecs":[{"name":"bytes","configuration":{"endian":"little"}},{"name":"crc32c"}],"index_location":"end"}}],
                  "index_codecs":[{"name":"bytes","configuration":{"endian":"little"}},{"name":"crc32c"}]}}]
                """),
        };
        await store.SetAsync("zarr.json", System.Text.Encoding.UTF8.GetBytes(meta.ToJsonString()), Ct);
        var array = await ZarrArray.OpenAsync(store, cancellationToken: Ct);
        var data = Enumerable.Range(0, 64).Select(i => i * 7).ToArray();
        await array.WriteAsync<int>(null, data, Ct);
        Assert.Equal(data, await array.ReadAsync<int>(cancellationToken: Ct));
        Assert.Equal(new[] { data[9], data[10] }, await array.ReadAsync<int>(ZarrSlice.Parse("1,1:3"), Ct));
        JsonAssert.Equal(meta["codecs"], array.Metadata["codecs"]);
    }
}
