using System.Text.Json.Nodes;

namespace Greyhub.Zarr.Tests;

public sealed class FixtureReadTests
{
    public static TheoryData<string, int> ArrayAStores => new()
    {
        { "v2/array_none_C.zarr", 2 },
        { "v2/array_none_F.zarr", 2 },
        { "v2/array_gzip_C.zarr", 2 },
        { "v3/array_none.zarr", 3 },
        { "v3/array_none.zarr", 2 },
        { "v3/array_none_transpose.zarr", 3 },
        { "v3/array_none_transpose.zarr", 2 },
        { "v3/array_gzip.zarr", 3 },
        { "v3/array_gzip.zarr", 2 },
        { "v3_zarr_python/array_none.zarr", 3 },
        { "v3_zarr_python/array_gzip.zarr", 3 },
        { "v3_zarr_python/array_zlib.zarr", 3 },
        { "v3_zarr_python/array_fletcher32.zarr", 3 },
    };

    [Theory]
    [MemberData(nameof(ArrayAStores))]
    public async Task Array_A_stores_read_to_0_to_99(string store, int format)
    {
        var array = await ZarrArray.OpenAsync(Fixtures.Store(store), zarrFormat: format, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(format, array.ZarrFormat);
        Assert.Equal([10L, 10L], array.Shape);
        Assert.Equal([5, 5], array.ChunkShape);
        var values = await array.ReadAsync<float>(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(Fixtures.ArrayA, values);
        Assert.Equal("value", (string?)array.Attributes["key"]);
    }

    [Theory]
    [MemberData(nameof(ArrayAStores))]
    public async Task Array_A_regions_with_steps_match(string store, int format)
    {
        var array = await ZarrArray.OpenAsync(Fixtures.Store(store), zarrFormat: format, cancellationToken: TestContext.Current.CancellationToken);
        var values = await array.ReadAsync<float>(ZarrSlice.Parse("1:9:3,2:8:2"), TestContext.Current.CancellationToken);
        float[] expected = [.. from i in new[] { 1, 4, 7 } from j in new[] { 2, 4, 6 } select (float)((10 * i) + j)];
        Assert.Equal(expected, values);
    }

    [Fact]
    public async Task Write_read_group_array_matches_matrix_W_with_NaN_fill()
    {
        var ct = TestContext.Current.CancellationToken;
        var root = await ZarrGroup.OpenAsync(Fixtures.Store("array_write_read.zarr"), cancellationToken: ct);
        var group = await root.OpenGroupAsync("group", ct);
        Assert.Equal("bar", (string?)group.Attributes["foo"]);
        var array = await group.OpenArrayAsync("array", ct);
        Assert.Equal(["y", "x"], array.DimensionNames!);
        Assert.Equal("NaN", (string?)array.FillValue);
        var w = await array.ReadAsync<float>(cancellationToken: ct);
        float[,] expected =
        {
            { float.NaN, float.NaN, float.NaN, float.NaN, 0.1f, 0.1f, -0.6f, 0.1f },
            { float.NaN, float.NaN, float.NaN, float.NaN, 0.1f, 0.1f, -1.6f, 0.1f },
            { float.NaN, float.NaN, float.NaN, float.NaN, 0.1f, 0.1f, -2.6f, 0.1f },
            { float.NaN, float.NaN, float.NaN, float.NaN, -3.4f, -3.5f, -3.6f, 0.1f },
            { 1.0f, 1.0f, 1.0f, -4.3f, -4.4f, -4.5f, -4.6f, 1.1f },
            { 1.0f, 1.0f, 1.0f, -5.3f, -5.4f, -5.5f, -5.6f, 1.1f },
            { 1.0f, 1.0f, 1.0f, 1.0f, 1.1f, 1.1f, -6.6f, 1.1f },
            { 1.0f, 1.0f, 1.0f, 1.0f, -7.4f, -7.5f, -7.6f, -7.7f },
        };
        Assert.Equal(expected.Cast<float>().ToArray(), w);
    }

    [Fact]
    public async Task Sharded_fixture_reads_0_to_63_following_the_index()
    {
        var ct = TestContext.Current.CancellationToken;
        var array = await ZarrArray.OpenAsync(Fixtures.Store("sharded_array_write_read.zarr"), "group/array", cancellationToken: ct);
        Assert.Equal([4, 8], array.ChunkShape);
        Assert.Equal([4, 4], array.InnerChunkShape!);
        var values = await array.ReadAsync<ushort>(cancellationToken: ct);
        Assert.Equal(Enumerable.Range(0, 64).Select(i => (ushort)i), values);
        var part = await array.ReadAsync<ushort>(ZarrSlice.Parse("5:7,1:3"), ct);
        Assert.Equal(new ushort[] { 41, 42, 49, 50 }, part);
    }

    [Fact]
    public async Task Sharded_fixture_root_is_an_implicit_group()
    {
        var ct = TestContext.Current.CancellationToken;
        var root = await ZarrGroup.OpenAsync(Fixtures.Store("sharded_array_write_read.zarr"), cancellationToken: ct);
        var nodes = new List<ZarrNodeInfo>();
        await foreach (var n in root.WalkAsync(ct))
        {
            nodes.Add(n);
        }
        Assert.Equal([new("group", ZarrNodeKind.Group, 3), new("group/array", ZarrNodeKind.Array, 3)], nodes);
    }

    [Fact]
    public async Task Cities_strings_match_the_csv()
    {
        var ct = TestContext.Current.CancellationToken;
        var array = await ZarrArray.OpenAsync(Fixtures.Store("v3/cities.zarr"), cancellationToken: ct);
        var cities = await array.ReadStringsAsync(cancellationToken: ct);
        var lines = File.ReadAllText(Path.Combine(Fixtures.Zarrs, "cities.csv")).Split('\n');
        Assert.Equal(47868, cities.Length);
        Assert.Equal("Tokyo", cities[0]);
        Assert.Equal("Sariwŏn-si", cities[47862]);
        Assert.Equal("Charlotte Amalie", cities[47867]);
        Assert.Equal(lines.Take(47868), cities);
        Assert.Equal(["Sariwŏn-si"], await array.ReadStringsAsync(ZarrSlice.Parse("47862:47863"), ct));
    }

    [Fact]
    public async Task Hierarchy_walks_to_the_expected_tree()
    {
        var ct = TestContext.Current.CancellationToken;
        var root = await ZarrGroup.OpenAsync(Fixtures.Store("hierarchy.zarr"), cancellationToken: ct);
        var children = await root.ListChildrenAsync(ct);
        Assert.Equal([new("a", ZarrNodeKind.Group, 3), new("b", ZarrNodeKind.Group, 3)], children);
        var a = await root.OpenGroupAsync("a", ct);
        Assert.Equal(["a/baz", "a/foo"], (await a.ListChildrenAsync(ct)).Select(n => n.Path));
        Assert.All(await a.ListChildrenAsync(ct), n => Assert.Equal(ZarrNodeKind.Array, n.Kind));
        Assert.Empty(await (await root.OpenGroupAsync("b", ct)).ListChildrenAsync(ct));
        var foo = await a.OpenArrayAsync("foo", ct);
        Assert.Equal([10000L, 1000L], foo.Shape);
        Assert.Equal(42, (int)foo.Attributes["foo"]!);
        Assert.Equal(["rows", "columns"], foo.DimensionNames!);
        var corner = await foo.ReadAsync<double>(ZarrSlice.Parse("0:2,0:2"), ct);
        Assert.All(corner, v => Assert.True(double.IsNaN(v)));
    }

    [Fact]
    public async Task Fletcher32_matches_the_fixture_checksum()
    {
        var bytes = await File.ReadAllBytesAsync(Path.Combine(Fixtures.Zarrs, "v3_zarr_python/array_fletcher32.zarr/c/0/0"), TestContext.Current.CancellationToken);
        Assert.Equal(0x8E7EB223u, Codecs.Fletcher32Codec.Compute(bytes.AsSpan(0, 100)));
    }

    [Fact]
    public void Crc32c_matches_the_standard_check_value()
    {
        Assert.Equal(0xE3069283u, Codecs.Crc32C.Compute("123456789"u8));
    }

    [Fact]
    public async Task Metadata_round_trips_for_v3_fixture()
    {
        var ct = TestContext.Current.CancellationToken;
        var array = await ZarrArray.OpenAsync(Fixtures.Store("sharded_array_write_read.zarr"), "group/array", cancellationToken: ct);
        var original = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Fixtures.Zarrs, "sharded_array_write_read.zarr/group/array/zarr.json"), ct))!;
        Assert.True(JsonNode.DeepEquals(original, array.Metadata), array.Metadata.ToJsonString());
    }
}
