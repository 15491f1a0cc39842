using System.Text.Json.Nodes;
using Greyhub.Zarr.Storage;

namespace Greyhub.Zarr.Tests;

/// <summary>What we write for the fixture arrays matches the fixtures' metadata, chunk keys and (uncompressed) chunk bytes.</summary>
public sealed class FixtureWriteTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, int> Stores => new()
    {
        { "v2/array_none_C.zarr", 2 },
        { "v2/array_none_F.zarr", 2 },
        { "v2/array_gzip_C.zarr", 2 },
        { "v3_zarr_python/array_none.zarr", 3 },
        { "v3_zarr_python/array_gzip.zarr", 3 },
        { "v3_zarr_python/array_zlib.zarr", 3 },
        { "v3_zarr_python/array_fletcher32.zarr", 3 },
        { "v3/array_none_transpose.zarr", 3 },
    };

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Rewriting_a_fixture_gives_the_same_structure(string path, int format)
    {
        var fixture = await ZarrArray.OpenAsync(Fixtures.Store(path), zarrFormat: format, cancellationToken: Ct);
        var fixtureMeta = fixture.Metadata;
        var codecs = format == 3 ? fixtureMeta["codecs"]!.AsArray().Where(c => (string)c!["name"]! is not ("bytes" or "transpose")).Select(c => c!.AsObject()).ToList()
            : [.. new[] { fixtureMeta["compressor"] as JsonObject }.Where(c => c is not null).Select(c => new JsonObject { ["name"] = (string)c!["id"]! == "zlib" ? "numcodecs.zlib" : (string)c["id"]!, ["configuration"] = new JsonObject { ["level"] = c["level"]!.DeepClone() } })];
        var store = new InMemoryStore();
        var copy = await ZarrArray.CreateAsync(store, "", new ZarrArrayDefinition
        {
            ZarrFormat = format,
            Shape = [10, 10],
            ChunkShape = [5, 5],
            DataType = fixture.DataType,
            FillValue = 0.0,
            FortranOrder = path.Contains("_F", StringComparison.Ordinal) || path.Contains("transpose", StringComparison.Ordinal),
            V2ChunkKeyEncoding = path.StartsWith("v3/", StringComparison.Ordinal),
            Compressor = codecs.LastOrDefault()?.DeepClone().AsObject(),
            Attributes = new JsonObject { ["key"] = "value" },
        }, cancellationToken: Ct);
        await copy.WriteAsync<float>(null, Fixtures.ArrayA, Ct);

        // The document on disk, as the fixture writer wrote it, against ours (ignoring the optional empty storage_transformers).
        var key = format == 3 ? "zarr.json" : ".zarray";
        var theirs = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Fixtures.Zarrs, path, key), Ct))!.AsObject();
        var ours = JsonNode.Parse(store[key]!)!.AsObject();
        theirs.Remove("storage_transformers");
        theirs.Remove("node_type");
        ours.Remove("node_type");
        JsonAssert.Equal(theirs, ours);
        if (format == 2)
        {
            JsonAssert.Equal(JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Fixtures.Zarrs, path, ".zattrs"), Ct)), JsonNode.Parse(store[".zattrs"]!));
        }

        var chunkKeys = Directory.EnumerateFiles(Path.Combine(Fixtures.Zarrs, path), "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Path.Combine(Fixtures.Zarrs, path), f).Replace('\\', '/'))
            .Where(k => !k.StartsWith('.') && k != "zarr.json").Order().ToList();
        var ourChunks = store.Keys.Where(k => !k.StartsWith('.') && k != "zarr.json").Order().ToList();
        Assert.Equal(chunkKeys, ourChunks);
        var compressed = codecs.Any(c => (string)c["name"]! is "gzip" or "numcodecs.zlib");
        foreach (var k in chunkKeys.Where(_ => !compressed))
        {
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(Fixtures.Zarrs, path, k), Ct), store[k]);
        }
        Assert.Equal(Fixtures.ArrayA, await (await ZarrArray.OpenAsync(store, cancellationToken: Ct)).ReadAsync<float>(cancellationToken: Ct));
    }
}
