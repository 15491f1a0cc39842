using System.Text.Json.Nodes;
using Greyhub.Testing;
using Greyhub.Zarr.Storage;

namespace Greyhub.Zarr.Compression.Tests;

/// <summary>zarr-python 2.13 and Greyhub.Zarr exchange arrays compressed with blosc, zstd and lz4.</summary>
public sealed class ZarrInteropTests
{
    private const string Install = "apt-get install -y python3-zarr python3-numcodecs python3-numpy";

    private static readonly string[] Compressors =
    [
        "blosc_lz4_shuffle", "blosc_lz4_bitshuffle", "blosc_lz4hc_noshuffle", "blosc_zstd_shuffle",
        "blosc_zstd_bitshuffle", "blosc_zlib_auto", "blosc_blosclz_shuffle", "zstd", "lz4",
    ];

    static ZarrInteropTests() => ZarrCompression.Register();

    private static string Script => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Python", "zarr_interop.py"));

    [Fact]
    public async Task Greyhub_reads_arrays_written_by_zarr_python()
    {
        Requires.PythonModules(Install, "zarr", "numcodecs", "numpy");
        var ct = TestContext.Current.CancellationToken;
        var dir = Directory.CreateTempSubdirectory("greyhub-zarr-interop-");
        try
        {
            await DebianPython.RunAsync(Script, ["write", dir.FullName], ct);
            var store = new FileSystemStore(dir.FullName, writable: false);
            var checkedArrays = 0;
            foreach (var name in Compressors)
            {
                await Check<float>(store, $"{name}_float32", Expected.Float32, ct);
                await Check<short>(store, $"{name}_int16", Expected.Int16, ct);
                await Check<byte>(store, $"{name}_uint8", Expected.UInt8, ct);
                await Check<double>(store, $"{name}_float64", Expected.Float64, ct);
                checkedArrays += 4;
            }
            Assert.Equal(36, checkedArrays);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Zarr_python_reads_arrays_written_by_Greyhub()
    {
        Requires.PythonModules(Install, "zarr", "numcodecs", "numpy");
        var ct = TestContext.Current.CancellationToken;
        var dir = Directory.CreateTempSubdirectory("greyhub-zarr-interop-");
        try
        {
            var store = new FileSystemStore(dir.FullName);
            var compressors = new Dictionary<string, JsonObject>
            {
                ["blosc_lz4_shuffle"] = V2("blosc", new() { ["cname"] = "lz4", ["clevel"] = 5, ["shuffle"] = 1, ["blocksize"] = 0 }),
                ["blosc_zstd_bitshuffle"] = V2("blosc", new() { ["cname"] = "zstd", ["clevel"] = 3, ["shuffle"] = 2, ["blocksize"] = 0 }),
                ["blosc_lz4hc_auto"] = V2("blosc", new() { ["cname"] = "lz4hc", ["clevel"] = 9, ["shuffle"] = -1, ["blocksize"] = 0 }),
                ["blosc_zlib_noshuffle"] = V2("blosc", new() { ["cname"] = "zlib", ["clevel"] = 1, ["shuffle"] = 0, ["blocksize"] = 2048 }),
                ["zstd"] = V2("zstd", new() { ["level"] = 5 }),
                ["lz4"] = V2("lz4", new() { ["acceleration"] = 3 }),
            };
            var names = new List<string>();
            foreach (var (name, compressor) in compressors)
            {
                await Write(store, $"{name}_float32", "float32", compressor, Expected.Float32, ct);
                await Write(store, $"{name}_int16", "int16", compressor, Expected.Int16, ct);
                await Write(store, $"{name}_uint8", "uint8", compressor, Expected.UInt8, ct);
                await Write(store, $"{name}_float64", "float64", compressor, Expected.Float64, ct);
                names.AddRange([$"{name}_float32", $"{name}_int16", $"{name}_uint8", $"{name}_float64"]);
            }
            var output = await DebianPython.RunAsync(Script, ["read", dir.FullName, .. names], ct);
            var ok = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("ok ", StringComparison.Ordinal)).ToList();
            Assert.Equal(names.Count, ok.Count);
            Assert.Contains(ok, l => l.EndsWith(" blosc", StringComparison.Ordinal));
            Assert.Contains(ok, l => l.EndsWith(" zstd", StringComparison.Ordinal));
            Assert.Contains(ok, l => l.EndsWith(" lz4", StringComparison.Ordinal));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static JsonObject V2(string id, JsonObject fields)
    {
        fields["id"] = id;
        return new JsonObject { ["name"] = "numcodecs." + id, ["configuration"] = fields };
    }

    private static async Task Write<T>(IZarrStore store, string path, string dtype, JsonObject compressor, Func<T[]> values, CancellationToken ct)
        where T : unmanaged
    {
        var array = await ZarrArray.CreateAsync(store, path, new ZarrArrayDefinition
        {
            ZarrFormat = 2,
            Shape = [100, 37],
            ChunkShape = [30, 10],
            DataType = ZarrDataType.FromV3(dtype),
            Compressor = (JsonObject)compressor.DeepClone(),
        }, cancellationToken: ct);
        await array.WriteAsync<T>(null, values(), ct);
    }

    private static async Task Check<T>(IZarrStore store, string path, Func<T[]> expected, CancellationToken ct)
        where T : unmanaged
    {
        var array = await ZarrArray.OpenAsync(store, path, cancellationToken: ct);
        Assert.Equal(2, array.ZarrFormat);
        var values = await array.ReadAsync<T>(cancellationToken: ct);
        Assert.True(expected().AsSpan().SequenceEqual(values), $"{path}: values differ");
    }

    /// <summary>The same values as zarr_interop.py, in C order.</summary>
    private static class Expected
    {
        private const int Count = 100 * 37;

        public static float[] Float32() => [.. Enumerable.Range(0, Count).Select(i => (float)(i * 0.5))];

        public static short[] Int16() => [.. Enumerable.Range(0, Count).Select(i => (short)(((i * 7) % 30000) - 15000))];

        public static byte[] UInt8() => [.. Enumerable.Range(0, Count).Select(i => (byte)(i % 251))];

        public static double[] Float64() => [.. Enumerable.Range(0, Count).Select(i => (i * 0.25) - 100.0)];
    }
}
