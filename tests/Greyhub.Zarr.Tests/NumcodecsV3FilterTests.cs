using System.Text.Json;

namespace Greyhub.Zarr.Tests;

/// <summary>
/// Zarr v3 stores with numcodecs array-to-array filters before <c>bytes</c> (numcodecs.zarr3 names, as zarr-python 3
/// writes them), read against what numcodecs itself decodes. The stores and expected values come from
/// <c>tests/fixtures/zarr/numcodecs-v3/make.py</c> (chunks encoded by numcodecs; see its docstring).
/// </summary>
public sealed class NumcodecsV3FilterTests
{
    private static readonly string Folder = Path.Combine(Fixtures.Root, "tests", "fixtures", "zarr", "numcodecs-v3");

    private static readonly Lazy<Dictionary<string, double[]>> Expected = new(() =>
        JsonSerializer.Deserialize<Dictionary<string, double[]>>(File.ReadAllText(Path.Combine(Folder, "expected.json")))!);

    private static Task<ZarrArray> OpenAsync(string name) =>
        ZarrArray.OpenAsync(new Storage.FileSystemStore(Path.Combine(Folder, name), writable: false), cancellationToken: TestContext.Current.CancellationToken);

    [Fact]
    public async Task Fixedscaleoffset_to_int16_then_shuffle_and_gzip_reads_as_numcodecs_decodes()
    {
        var array = await OpenAsync("fixedscaleoffset.zarr");
        Assert.Equal([20L, 30L], array.Shape);
        var values = await array.ReadAsync<double>(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(Expected.Value["fixedscaleoffset.zarr"], values);
        // Tenths of a kelvin: the filter really ran (the raw int16 values are 250 K below).
        Assert.All(values, v => Assert.InRange(v, 260, 300));
    }

    [Fact]
    public async Task Fixedscaleoffset_region_across_chunk_edges_matches()
    {
        var array = await OpenAsync("fixedscaleoffset.zarr");
        var values = await array.ReadAsync<double>(ZarrSlice.Parse("5:19:2,14:29:3"), TestContext.Current.CancellationToken);
        var all = Expected.Value["fixedscaleoffset.zarr"];
        double[] expected = [.. from i in Enumerable.Range(5, 14).Where(i => (i - 5) % 2 == 0)
                                from j in Enumerable.Range(14, 15).Where(j => (j - 14) % 3 == 0)
                                select all[(i * 30) + j]];
        Assert.Equal(expected, values);
    }

    [Fact]
    public async Task Quantize_float32_with_numpy_dtype_name_reads_as_numcodecs_decodes()
    {
        var array = await OpenAsync("quantize.zarr");
        var values = await array.ReadAsync<float>(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(Expected.Value["quantize.zarr"].Select(v => (float)v), values);
    }

    [Fact]
    public async Task Astype_with_short_numpy_spellings_reads_float32_storage_as_float64()
    {
        var array = await OpenAsync("astype.zarr");
        var values = await array.ReadAsync<double>(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(Expected.Value["astype.zarr"], values);
        // 12 float64 elements in 3 chunks of 5 stored as float32: 20 bytes each.
        Assert.Equal(20, new FileInfo(Path.Combine(Folder, "astype.zarr", "c", "0")).Length);
    }

    [Fact]
    public async Task Delta_after_transpose_reads_as_numcodecs_decodes()
    {
        var array = await OpenAsync("transpose-delta.zarr");
        var values = await array.ReadAsync<int>(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(Expected.Value["transpose-delta.zarr"].Select(v => (int)v), values);
    }

    [Fact]
    public async Task Delta_before_transpose_is_refused_with_a_clear_error()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Path);
        await File.WriteAllTextAsync(Path.Combine(dir.Path, "zarr.json"), """
            {"zarr_format": 3, "node_type": "array", "shape": [4, 4], "data_type": "int32",
             "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [4, 4]}},
             "chunk_key_encoding": {"name": "default"}, "fill_value": 0,
             "codecs": [{"name": "numcodecs.delta", "configuration": {"dtype": "<i4"}},
                        {"name": "transpose", "configuration": {"order": [1, 0]}}, {"name": "bytes"}]}
            """, TestContext.Current.CancellationToken);
        var e = await Assert.ThrowsAsync<ZarrUnsupportedException>(() =>
            ZarrArray.OpenAsync(new Storage.FileSystemStore(dir.Path, writable: false), cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("transpose after a numcodecs delta", e.Message, StringComparison.Ordinal);
    }
}
