using System.Numerics;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Greyhub.Zarr.Storage;

namespace Greyhub.Zarr.Tests;

public sealed class RoundTripTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, int> Types => new()
    {
        { "bool", 3 }, { "int8", 3 }, { "int16", 3 }, { "int32", 3 }, { "int64", 3 }, { "uint8", 3 }, { "uint16", 3 }, { "uint32", 3 },
        { "uint64", 3 }, { "float16", 3 }, { "float32", 3 }, { "float64", 3 }, { "complex64", 3 }, { "complex128", 3 },
        { "|b1", 2 }, { "|i1", 2 }, { "<i2", 2 }, { ">i4", 2 }, { "<i8", 2 }, { "|u1", 2 }, { ">u2", 2 }, { "<u4", 2 }, { ">u8", 2 },
        { "<f2", 2 }, { ">f4", 2 }, { "<f8", 2 }, { "<c8", 2 }, { ">c16", 2 }, { "|S3", 2 }, { ">U2", 2 },
    };

    private static ZarrDataType TypeOf(string name, int format) => format == 3 ? ZarrDataType.FromV3(name) : ZarrDataType.FromV2(name);

    private static byte[] Random(ZarrDataType type, int elements, int seed)
    {
        var rng = new Random(seed);
        var bytes = new byte[elements * type.Size];
        rng.NextBytes(bytes);
        if (type.Kind == ZarrTypeKind.Bool)
        {
            for (var i = 0; i < bytes.Length; i++)
            {
                bytes[i] &= 1;
            }
        }
        return bytes;
    }

    [Theory]
    [MemberData(nameof(Types))]
    public async Task Every_type_round_trips_whole_and_by_region(string dtype, int format)
    {
        var type = TypeOf(dtype, format);
        var store = new InMemoryStore();
        var array = await ZarrArray.CreateAsync(store, "g/x", new ZarrArrayDefinition
        {
            ZarrFormat = format,
            Shape = [7, 9],
            ChunkShape = [3, 4],
            DataType = type,
            FortranOrder = dtype.Contains('4', StringComparison.Ordinal),
            Compressor = new JsonObject { ["name"] = "gzip", ["configuration"] = new JsonObject { ["level"] = 1 } },
            Filters = type.Size > 1 && format == 2 ? [new JsonObject { ["name"] = "numcodecs.shuffle", ["configuration"] = new JsonObject { ["elementsize"] = type.Size } }] : [],
        }, cancellationToken: Ct);
        var data = Random(type, 63, 1);
        await array.WriteBytesAsync(null, data, Ct);
        var reopened = await ZarrArray.OpenAsync(store, "g/x", cancellationToken: Ct);
        var back = new byte[data.Length];
        await reopened.ReadBytesAsync(null, back, Ct);
        Assert.Equal(data, back);

        // Overwrite a strided region and compare with a reference computed here.
        var region = Random(type, 3 * 3, 2);
        await reopened.WriteBytesAsync(ZarrSlice.Parse("1:7:2,2:9:3"), region, Ct);
        var k = 0;
        foreach (var i in new[] { 1, 3, 5 })
        {
            foreach (var j in new[] { 2, 5, 8 })
            {
                region.AsSpan(k++ * type.Size, type.Size).CopyTo(data.AsSpan(((i * 9) + j) * type.Size));
            }
        }
        await reopened.ReadBytesAsync(null, back, Ct);
        Assert.Equal(data, back);
        Assert.Equal(format, (await ZarrGroup.OpenAsync(store, "g", cancellationToken: Ct)).ZarrFormat);
    }

    [Fact]
    public async Task Typed_reads_check_the_element_type()
    {
        var array = await ZarrArray.CreateAsync(new InMemoryStore(), "", new ZarrArrayDefinition { Shape = [4], ChunkShape = [2], DataType = ZarrDataType.FromV3("float32") }, cancellationToken: Ct);
        await array.WriteAsync<float>(null, new float[] { 1, 2, 3, 4 }, Ct);
        Assert.Equal(new[] { 2f, 3f }, await array.ReadAsync<float>(ZarrSlice.Parse("1:3"), Ct));
        await Assert.ThrowsAsync<ZarrShapeException>(() => array.ReadAsync<int>(cancellationToken: Ct));
        await Assert.ThrowsAsync<ZarrShapeException>(() => array.ReadAsync<double>(cancellationToken: Ct));
        await Assert.ThrowsAsync<ZarrShapeException>(() => array.WriteAsync<float>(null, new float[3], Ct));
        await Assert.ThrowsAsync<ZarrShapeException>(() => array.ReadAsync<float>(ZarrSlice.Parse("0:9"), Ct));
    }

    [Fact]
    public async Task Complex_and_half_have_natural_clr_types()
    {
        var c = await ZarrArray.CreateAsync(new InMemoryStore(), "", new ZarrArrayDefinition { Shape = [3], ChunkShape = [2], DataType = ZarrDataType.FromV3("complex128"), FillValue = new JsonArray(1.5, "NaN") }, cancellationToken: Ct);
        var all = await c.ReadAsync<Complex>(cancellationToken: Ct);
        Assert.Equal(1.5, all[0].Real);
        Assert.True(double.IsNaN(all[2].Imaginary));
        var h = await ZarrArray.CreateAsync(new InMemoryStore(), "", new ZarrArrayDefinition { Shape = [3], ChunkShape = [2], DataType = ZarrDataType.FromV3("float16") }, cancellationToken: Ct);
        await h.WriteAsync<Half>(null, new[] { (Half)1, (Half)2.5, (Half)(-3) }, Ct);
        Assert.Equal(new[] { (Half)1, (Half)2.5, (Half)(-3) }, await h.ReadAsync<Half>(cancellationToken: Ct));
    }

    [Theory]
    [InlineData("\"NaN\"", 0x7fc00000u)]
    [InlineData("\"Infinity\"", 0x7f800000u)]
    [InlineData("\"-Infinity\"", 0xff800000u)]
    [InlineData("\"0x7fc00001\"", 0x7fc00001u)]
    [InlineData("-2.5", 0xc0200000u)]
    public async Task Float_fill_values_parse_and_round_trip(string json, uint bits)
    {
        var store = new InMemoryStore();
        var array = await ZarrArray.CreateAsync(store, "", new ZarrArrayDefinition { Shape = [2], ChunkShape = [2], DataType = ZarrDataType.FromV3("float32"), FillValue = JsonNode.Parse(json) }, cancellationToken: Ct);
        var values = await array.ReadAsync<float>(cancellationToken: Ct);
        Assert.Equal(bits, BitConverter.SingleToUInt32Bits(values[1]));
        var reopened = await ZarrArray.OpenAsync(store, cancellationToken: Ct);
        JsonAssert.Equal(JsonNode.Parse(json), reopened.FillValue);
    }

    [Fact]
    public async Task Text_arrays_round_trip_in_both_formats()
    {
        var store = new InMemoryStore();
        string[] words = ["", "a", "héllo", "Sariwŏn-si", "x"];
        var v3 = await ZarrArray.CreateAsync(store, "s3", new ZarrArrayDefinition { Shape = [5], ChunkShape = [2], DataType = ZarrDataType.FromV3("string"), Compressor = new JsonObject { ["name"] = "gzip" } }, cancellationToken: Ct);
        await v3.WriteStringsAsync(null, words, Ct);
        Assert.Equal(words, await (await ZarrArray.OpenAsync(store, "s3", cancellationToken: Ct)).ReadStringsAsync(cancellationToken: Ct));
        var u = await ZarrArray.CreateAsync(store, "u", new ZarrArrayDefinition { ZarrFormat = 2, Shape = [5], ChunkShape = [2], DataType = ZarrDataType.FromV2("<U10") }, cancellationToken: Ct);
        await u.WriteStringsAsync(null, words, Ct);
        Assert.Equal(words, await u.ReadStringsAsync(cancellationToken: Ct));
        var o = await ZarrArray.CreateAsync(store, "o", new ZarrArrayDefinition { ZarrFormat = 2, Shape = [5], ChunkShape = [3], DataType = new ZarrDataType(ZarrTypeKind.String, 0) }, cancellationToken: Ct);
        await o.WriteStringsAsync(null, words, Ct);
        Assert.Equal("|O", (string?)o.Metadata["dtype"]);
        Assert.Equal(words[1..3], await (await ZarrArray.OpenAsync(store, "o", cancellationToken: Ct)).ReadStringsAsync(ZarrSlice.Parse("1:3"), Ct));
    }

    [Fact]
    public async Task Resize_keeps_data_and_drops_chunks_outside()
    {
        var store = new InMemoryStore();
        var array = await ZarrArray.CreateAsync(store, "r", new ZarrArrayDefinition { Shape = [6, 6], ChunkShape = [3, 3], DataType = ZarrDataType.FromV3("int32") }, cancellationToken: Ct);
        await array.WriteAsync<int>(null, Enumerable.Range(0, 36).ToArray(), Ct);
        Assert.Contains("r/c/1/1", store.Keys);
        await array.ResizeAsync([3, 9], Ct);
        Assert.DoesNotContain("r/c/1/1", store.Keys);
        var reopened = await ZarrArray.OpenAsync(store, "r", cancellationToken: Ct);
        Assert.Equal([3L, 9L], reopened.Shape);
        var values = await reopened.ReadAsync<int>(cancellationToken: Ct);
        Assert.Equal(Enumerable.Range(0, 6), values[..6]);
        Assert.Equal([0, 0, 0], values[6..9]);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Array_attributes_and_dimension_names_persist(int format)
    {
        var store = new InMemoryStore();
        var array = await ZarrArray.CreateAsync(store, "x", new ZarrArrayDefinition
        {
            ZarrFormat = format, Shape = [2, 3], ChunkShape = [1, 3], DataType = ZarrDataType.FromV3("int8"),
            DimensionNames = format == 3 ? ["t", null] : null,
        }, cancellationToken: Ct);
        await array.SetAttributesAsync(new JsonObject { ["a"] = new JsonArray(1, 2), ["b"] = "c" }, Ct);
        var reopened = await ZarrArray.OpenAsync(store, "x", cancellationToken: Ct);
        JsonAssert.Equal(JsonNode.Parse("""{"a":[1,2],"b":"c"}"""), reopened.Attributes);
        Assert.Equal(format == 3 ? ["t", null] : null, reopened.DimensionNames);
        Assert.Contains(format == 2 ? "x/.zattrs" : "x/zarr.json", store.Keys);
        var huge = await ZarrArray.CreateAsync(store, "huge", new ZarrArrayDefinition { Shape = [1L << 20, 1L << 20], ChunkShape = [1024, 1024], DataType = ZarrDataType.FromV3("uint8") }, cancellationToken: Ct);
        await Assert.ThrowsAsync<ZarrShapeException>(() => huge.ReadAsync<byte>(cancellationToken: Ct));
    }

    [Fact]
    public async Task Delta_filter_stores_differences()
    {
        var store = new InMemoryStore();
        var array = await ZarrArray.CreateAsync(store, "", new ZarrArrayDefinition
        {
            ZarrFormat = 2, Shape = [4], ChunkShape = [4], DataType = ZarrDataType.FromV2("<i4"),
            Filters = [new JsonObject { ["name"] = "numcodecs.delta", ["configuration"] = new JsonObject { ["dtype"] = "<i4" } }],
        }, cancellationToken: Ct);
        await array.WriteAsync<int>(null, new[] { 10, 12, 15, 11 }, Ct);
        Assert.Equal(new[] { 10, 2, 3, -4 }, MemoryMarshal.Cast<byte, int>(store["0"]));
        Assert.Equal(new[] { 10, 12, 15, 11 }, await array.ReadAsync<int>(cancellationToken: Ct));
    }

    [Fact]
    public async Task Groups_attributes_and_consolidated_metadata()
    {
        var store = new InMemoryStore();
        foreach (var format in new[] { 2, 3 })
        {
            var root = await ZarrGroup.CreateAsync(store, "f" + format, format, new JsonObject { ["title"] = "t" }, cancellationToken: Ct);
            var sub = await root.CreateGroupAsync("sub", cancellationToken: Ct);
            var a = await sub.CreateArrayAsync("a", new ZarrArrayDefinition { ZarrFormat = format, Shape = [2], ChunkShape = [2], DataType = ZarrDataType.FromV3("uint8"), Attributes = new JsonObject { ["units"] = "m" } }, Ct);
            await a.WriteAsync<byte>(null, new byte[] { 1, 2 }, Ct);
            await root.ConsolidateAsync(Ct);
            var opened = await ZarrGroup.OpenAsync(store, "f" + format, cancellationToken: Ct);
            Assert.True(opened.IsConsolidated);
            Assert.Equal("t", (string?)opened.Attributes["title"]);
            var nodes = new List<ZarrNodeInfo>();
            await foreach (var n in opened.WalkAsync(Ct))
            {
                nodes.Add(n);
            }
            Assert.Equal([new($"f{format}/sub", ZarrNodeKind.Group, format), new($"f{format}/sub/a", ZarrNodeKind.Array, format)], nodes);
            var arr = await opened.OpenArrayAsync("sub/a", Ct);
            Assert.Equal("m", (string?)arr.Attributes["units"]);
            Assert.Equal(new byte[] { 1, 2 }, await arr.ReadAsync<byte>(cancellationToken: Ct));
        }
    }

    [Fact]
    public async Task Zip_store_round_trips()
    {
        using var dir = new TempDir();
        var path = dir.Sub("a.zip");
        using (var zip = new ZipStore(path, writable: true))
        {
            var array = await ZarrArray.CreateAsync(zip, "z", new ZarrArrayDefinition { ZarrFormat = 2, Shape = [10, 10], ChunkShape = [5, 5], DataType = ZarrDataType.FromV2("<f4") }, cancellationToken: Ct);
            await array.WriteAsync<float>(null, Fixtures.ArrayA, Ct);
        }
        using var read = new ZipStore(path);
        var back = await ZarrArray.OpenAsync(read, "z", cancellationToken: Ct);
        Assert.Equal(Fixtures.ArrayA, await back.ReadAsync<float>(cancellationToken: Ct));
        Assert.Equal(new[] { 2f, 3f }, await back.ReadAsync<float>(ZarrSlice.Parse("0,2:4"), Ct));
        Assert.Equal(4, await read.ListAsync("z/", Ct).CountAsync(k => !k.Contains(".z", StringComparison.Ordinal), Ct));
        using var range = await read.GetRangeAsync("z/0.0", ByteRange.Of(4, 4), Ct);
        Assert.Equal(1f, BitConverter.ToSingle(range!.Memory.Span));
    }
}
