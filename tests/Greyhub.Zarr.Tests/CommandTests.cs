using System.CommandLine;
using System.Text.Json.Nodes;
using Greyhub.Zarr.Storage;
using Greyhub.Zarr.Tools;

namespace Greyhub.Zarr.Tests;

/// <summary>The <c>zarr</c> command, parsed and invoked in-process.</summary>
public sealed class CommandTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await ZarrCommand.Create().Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, Ct);
        return (exit, output.ToString(), error.ToString());
    }

    private static string Fixture(string relative) => Path.Combine(Fixtures.Zarrs, relative);

    [Fact]
    public async Task Info_reports_metadata_and_chunk_statistics()
    {
        var (exit, output, error) = await RunAsync("info", Fixture("v2/array_none_C.zarr"));
        Assert.Equal(0, exit);
        Assert.Empty(error);
        var info = JsonNode.Parse(output)!;
        Assert.Equal("<f4", (string?)info["data_type"]);
        Assert.Equal(4, (int)info["chunk_stats"]!["chunks_stored"]!);
        Assert.Equal(400, (long)info["chunk_stats"]!["stored_bytes"]!);
        Assert.Equal(1.0, (double)info["chunk_stats"]!["compression_ratio"]!);
    }

    [Fact]
    public async Task Info_on_a_group_lists_the_hierarchy()
    {
        var (exit, output, _) = await RunAsync("info", Fixture("hierarchy.zarr"));
        Assert.Equal(0, exit);
        var nodes = JsonNode.Parse(output)!["nodes"]!.AsArray();
        Assert.Equal(["/a", "/a/baz", "/a/foo", "/b"], nodes.Select(n => (string)n!["path"]!));
        Assert.Equal(0, (int)nodes[2]!["chunk_stats"]!["chunks_stored"]!);
        Assert.Equal(10L * 10, (long)nodes[2]!["chunk_stats"]!["chunks_total"]!);
    }

    [Fact]
    public async Task Cat_prints_a_region_as_nested_json()
    {
        var (exit, output, _) = await RunAsync("cat", Fixture("v2/array_none_F.zarr"), "--region", "0:2,1:4");
        Assert.Equal(0, exit);
        JsonAssert.Equal(JsonNode.Parse("[[1,2,3],[11,12,13]]"), JsonNode.Parse(output));
        (exit, output, _) = await RunAsync("cat", Fixture("array_write_read.zarr"), "--path", "group/array", "--region", "3,3:6");
        Assert.Equal(0, exit);
        // An integer index drops its axis, as in NumPy.
        Assert.Equal("[\"NaN\",-3.4,-3.5]", output.Trim());
        (exit, output, _) = await RunAsync("cat", Fixture("v3/cities.zarr"), "--region", "47866:");
        Assert.Equal(0, exit);
        Assert.Equal(["Charlotte Amalie"], JsonNode.Parse(output)!.AsArray().Select(n => (string)n!).Skip(1));
    }

    [Fact]
    public async Task Cat_region_has_numpys_shape_integer_indexes_drop_their_axes()
    {
        Greyhub.Testing.Requires.PythonModules("apt-get install -y python3-zarr python3-numpy", "zarr", "numpy");
        string[] regions = ["1,2", "1:3,2", "2,1:3", "-1,:", "3", "0:1,4", "4:5,4:5", "-10,-1", "::3,7"];
        var fixture = Fixture("v2/array_none_F.zarr");
        var numpy = JsonNode.Parse(await Greyhub.Testing.DebianPython.RunAsync("""
            import sys, json, numpy as np, zarr
            z = zarr.open(sys.argv[1], mode="r")[...]
            print(json.dumps([z[eval("np.s_[" + r + "]")].tolist() for r in sys.argv[2:]]))
            """, [fixture, .. regions], Ct))!.AsArray();
        for (var i = 0; i < regions.Length; i++)
        {
            var (exit, output, error) = await RunAsync("cat", fixture, "--region", regions[i]);
            Assert.True(exit == 0, error);
            JsonAssert.Equal(numpy[i], JsonNode.Parse(output));
        }
        var (code, _, message) = await RunAsync("cat", fixture, "--region", "100,200");
        Assert.Equal(1, code);
        Assert.Contains("index 100 is out of bounds for axis 0 with size 10", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Info_on_a_group_reports_an_array_it_cannot_open_and_lists_the_rest()
    {
        using var dir = new TempDir();
        var root = dir.Sub("h.zarr");
        foreach (var file in Directory.EnumerateFiles(Fixture("hierarchy.zarr"), "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(root, Path.GetRelativePath(Fixture("hierarchy.zarr"), file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        Directory.CreateDirectory(Path.Combine(root, "a", "broken"));
        await File.WriteAllTextAsync(Path.Combine(root, "a", "broken", "zarr.json"), """
            {"zarr_format": 3, "node_type": "array", "shape": [4], "data_type": "float32",
             "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [2]}},
             "chunk_key_encoding": {"name": "default"}, "fill_value": 0,
             "codecs": [{"name": "bytes"}, {"name": "nosuchcodec"}]}
            """, Ct);
        var (exit, output, error) = await RunAsync("info", root);
        Assert.True(exit == 0, error);
        var info = JsonNode.Parse(output)!;
        var nodes = info["nodes"]!.AsArray();
        Assert.Equal(["/a", "/a/baz", "/a/broken", "/a/foo", "/b"], nodes.Select(n => (string)n!["path"]!));
        Assert.Contains("nosuchcodec", (string)nodes[2]!["error"]!, StringComparison.Ordinal);
        Assert.Equal("array", (string)nodes[2]!["node_type"]!);
        Assert.Equal(0, (int)nodes[3]!["chunk_stats"]!["chunks_stored"]!);
        Assert.Equal(1, (int)info["errors"]!);
    }

    [Fact]
    public async Task Convert_re_encodes_with_format_codec_chunks_and_shards()
    {
        using var dir = new TempDir();
        var v3 = dir.Sub("v3.zarr");
        var (exit, _, error) = await RunAsync("convert", Fixture("v2/array_gzip_C.zarr"), v3, "--format", "3", "--codec", "zstd", "--chunks", "2,5", "--shard", "4,10");
        Assert.True(exit == 0, error);
        var array = await ZarrArray.OpenAsync(new FileSystemStore(v3), cancellationToken: Ct);
        Assert.Equal(3, array.ZarrFormat);
        Assert.Equal([4, 10], array.ChunkShape);
        Assert.Equal([2, 5], array.InnerChunkShape!);
        Assert.Equal("zstd", (string?)array.Metadata["codecs"]![0]!["configuration"]!["codecs"]![1]!["name"]);
        Assert.Equal(Fixtures.ArrayA, await array.ReadAsync<float>(cancellationToken: Ct));

        var zip = dir.Sub("v2.zip");
        (exit, _, error) = await RunAsync("convert", v3, zip, "--format", "2", "--codec", "blosc-lz4", "--chunks", "3,3");
        Assert.True(exit == 0, error);
        using var zipStore = new ZipStore(zip);
        var back = await ZarrArray.OpenAsync(zipStore, cancellationToken: Ct);
        Assert.Equal("blosc", (string?)back.Metadata["compressor"]!["id"]);
        Assert.Equal(Fixtures.ArrayA, await back.ReadAsync<float>(cancellationToken: Ct));
    }

    [Fact]
    public async Task Convert_copies_a_hierarchy_keeping_codecs()
    {
        using var dir = new TempDir();
        var (exit, output, error) = await RunAsync("convert", Fixture("array_write_read.zarr"), dir.Sub("copy"));
        Assert.True(exit == 0, error);
        Assert.Equal(1, (int)JsonNode.Parse(output)!["arrays"]!);
        var group = await ZarrGroup.OpenAsync(new FileSystemStore(dir.Sub("copy")), "group", cancellationToken: Ct);
        Assert.Equal("bar", (string?)group.Attributes["foo"]);
        var original = await ZarrArray.OpenAsync(Fixtures.Store("array_write_read.zarr"), "group/array", cancellationToken: Ct);
        var copy = await group.OpenArrayAsync("array", Ct);
        Assert.Equal(await original.ReadAsync<float>(cancellationToken: Ct), await copy.ReadAsync<float>(cancellationToken: Ct));
        Assert.Equal(["y", "x"], copy.DimensionNames!);
    }

    [Fact]
    public async Task Bench_reports_throughput()
    {
        var (exit, output, _) = await RunAsync("bench", Fixture("v3_zarr_python/array_gzip.zarr"), "--repeat", "2");
        Assert.Equal(0, exit);
        var result = JsonNode.Parse(output)!;
        Assert.Equal(400, (long)result["bytes"]!);
        Assert.Equal(2, (int)result["repeat"]!);
        // A 400-byte read can take under the clock's resolution: check shape and sign, never speed.
        Assert.True(double.IsFinite((double)result["gb_per_s"]!) && (double)result["gb_per_s"]! >= 0);
        Assert.True((double)result["seconds"]! >= 0);
    }

    [Theory]
    [InlineData("info", "/nonexistent/store.zarr")]
    [InlineData("cat", "FIXTURE", "--region", "0:2,0:3,1")]
    [InlineData("convert", "FIXTURE", "DEST", "--codec", "nosuchcodec")]
    public async Task Errors_print_one_line_and_exit_non_zero(params string[] args)
    {
        using var dir = new TempDir();
        args = [.. args.Select(a => a == "FIXTURE" ? Fixture("v2/array_none_C.zarr") : a == "DEST" ? dir.Sub("d") : a)];
        var (exit, output, error) = await RunAsync(args);
        Assert.Equal(1, exit);
        Assert.Empty(output);
        Assert.StartsWith("zarr: error: ", error, StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));
    }
}
