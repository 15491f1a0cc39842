using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Greyhub.Zarr;
using Greyhub.Zarr.Compression;
using Greyhub.Zarr.Storage;

// usage: write DIR SIZE CHUNK CODEC | read DIR|URL | limit DIR (blosc, whole chunks: the machine's limit)
//        | chunkcost DIR (single-threaded CPU per chunk: Blosc decode + one copy, then the library's read)
// Prints the seconds taken and GB/s of decoded float32 data.
if (args.Length < 2)
{
    await Console.Error.WriteLineAsync("usage: write DIR SIZE CHUNK CODEC | read DIR|URL");
    return 2;
}
ZarrCompression.Register();
var mode = args[0];
if (mode == "limit")
{
    return Greyhub.Zarr.Throughput.MachineLimit.Run(args[1], int.TryParse(Environment.GetEnvironmentVariable("PASSES"), out var lp) ? Math.Max(1, lp) : 2);
}
if (mode == "chunkcost")
{
    return await Greyhub.Zarr.Throughput.ChunkCost.RunAsync(args[1], int.TryParse(Environment.GetEnvironmentVariable("PASSES"), out var cp) ? Math.Max(1, cp) : 2);
}
var location = args[1];
using var client = new HttpClient();
IZarrStore store = location.StartsWith("http", StringComparison.Ordinal) ? new HttpStore(new Uri(location), client) : new FileSystemStore(location);
var watch = Stopwatch.StartNew();
long bytes;
if (mode == "write")
{
    var size = int.Parse(args[2], CultureInfo.InvariantCulture);
    var chunk = int.Parse(args[3], CultureInfo.InvariantCulture);
    var codec = args[4];
    var array = await ZarrArray.CreateAsync(store, "", new ZarrArrayDefinition
    {
        ZarrFormat = 2,
        Shape = [size, size, size],
        ChunkShape = [chunk, chunk, chunk],
        DataType = ZarrDataType.FromV2("<f4"),
        FillValue = 0,
        Compressor = codec switch
        {
            "none" => null,
            "zlib" => new JsonObject { ["name"] = "numcodecs.zlib", ["configuration"] = new JsonObject { ["level"] = 1 } },
            "zstd" => new JsonObject { ["name"] = "numcodecs.zstd", ["configuration"] = new JsonObject { ["level"] = 1 } },
            "blosc-lz4" => new JsonObject
            {
                ["name"] = "numcodecs.blosc",
                ["configuration"] = new JsonObject { ["cname"] = "lz4", ["clevel"] = 5, ["shuffle"] = 1, ["blocksize"] = 0 },
            },
            _ => throw new ArgumentException($"unknown codec {codec}: none, zlib, zstd, blosc-lz4"),
        },
    });
    // Slabs of one chunk row: smooth data so compression has something to do.
    var slab = new float[(long)chunk * size * size];
    for (var start = 0; start < size; start += chunk)
    {
        var rows = Math.Min(chunk, size - start);
        for (long i = 0; i < (long)rows * size * size; i++)
        {
            slab[i] = MathF.Sin((start * (float)size * size + i) * 1e-4f);
        }
        await array.WriteAsync<float>([new ZarrSlice(start, start + rows)], slab.AsMemory(0, rows * size * size));
    }
    bytes = (long)size * size * size * 4;
}
else
{
    var array = await ZarrArray.OpenAsync(store);
    var size = (int)array.Shape[0];
    var chunk = array.ChunkShape[0];
    var slab = new float[(long)chunk * size * size];
    double checksum = 0;
    // Best of PASSES whole-array passes (default 2), as the Python side does: steady-state throughput,
    // not the first pass's one-off costs (JIT, first touch of buffers), on both sides alike.
    var passes = int.TryParse(Environment.GetEnvironmentVariable("PASSES"), out var p) ? Math.Max(1, p) : 2;
    var best = double.MaxValue;
    var bestCpu = double.MaxValue;
    using var self = Process.GetCurrentProcess();
    for (var pass = 0; pass < passes; pass++)
    {
        self.Refresh();
        var cpu = self.TotalProcessorTime;
        watch.Restart();
        for (var start = 0; start < size; start += chunk)
        {
            var rows = Math.Min(chunk, size - start);
            await array.ReadAsync<float>([new ZarrSlice(start, start + rows)], slab.AsMemory(0, rows * size * size));
            checksum += slab[0];
        }
        best = Math.Min(best, watch.Elapsed.TotalSeconds);
        self.Refresh();
        bestCpu = Math.Min(bestCpu, (self.TotalProcessorTime - cpu).TotalSeconds);
    }
    bytes = (long)size * size * size * 4;
    _ = checksum;
    // Third field: CPU seconds (all threads) of the least costly pass, which a loaded machine disturbs less than wall time.
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{best:F3} {bytes / best / 1e9:F3} {bestCpu:F3}"));
    return 0;
}
var seconds = watch.Elapsed.TotalSeconds;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{seconds:F3} {bytes / seconds / 1e9:F3}"));
return 0;
