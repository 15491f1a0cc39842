using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Greyhub.Zarr.Tools;

/// <summary><c>zarr bench</c>: decoded read throughput of a whole array.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var source = ZarrCommand.Source();
        var path = ZarrCommand.NodePath();
        var repeat = new Option<int>("--repeat") { Description = "How many times to read the array (the best run is reported).", DefaultValueFactory = _ => 3 };
        var concurrency = new Option<int?>("--concurrency") { Description = "Chunk reads in flight (default: 2 x cores)." };
        var command = new Command("bench", "Read a whole array and report decoded throughput.") { source, path, repeat, concurrency };
        command.SetAction((parse, ct) => ZarrCommand.RunAsync(parse, async (output, token) =>
        {
            using var opener = new StoreOpener();
            var options = parse.GetValue(concurrency) is { } c ? new ZarrOptions { MaxConcurrency = c } : ZarrOptions.Default;
            var array = await ZarrArray.OpenAsync(opener.Open(parse.GetRequiredValue(source)), parse.GetValue(path) ?? "", options, cancellationToken: token);
            if (array.DataType.Kind == ZarrTypeKind.String)
            {
                throw new ZarrUnsupportedException("bench reads fixed-size element arrays only");
            }
            var result = await MeasureAsync(array, Math.Max(1, parse.GetValue(repeat)), token);
            await output.WriteLineAsync(result.ToJsonString());
        }, ct));
        return command;
    }

    internal static async Task<JsonObject> MeasureAsync(ZarrArray array, int repeat, CancellationToken cancellationToken)
    {
        var rows = array.Shape.Count == 0 ? 1 : array.Shape[0];
        var rowBytes = array.Shape.Skip(1).Aggregate((long)array.DataType.Size, (a, b) => a * b);
        // Slabs of whole chunk rows, at most ~512 MB each.
        var chunkRows = (long)(array.ChunkShape.Count == 0 ? 1 : array.ChunkShape[0]);
        var slab = Math.Max(chunkRows, 512L * 1024 * 1024 / Math.Max(1, rowBytes) / chunkRows * chunkRows);
        slab = Math.Min(slab, rows);
        var buffer = new byte[Math.Max(1, slab * rowBytes)];
        var total = rows * rowBytes;
        var best = double.MaxValue;
        for (var r = 0; r < repeat; r++)
        {
            var watch = Stopwatch.StartNew();
            for (long start = 0; start < rows; start += slab)
            {
                var n = Math.Min(slab, rows - start);
                ZarrSlice[] sel = array.Shape.Count == 0 ? [] : [new ZarrSlice(start, start + n)];
                await array.ReadBytesAsync(sel, buffer.AsMemory(0, (int)(n * rowBytes)), cancellationToken);
            }
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }
        // Never divide by a zero duration (a tiny array can read faster than the clock ticks).
        best = Math.Max(best, 1e-9);
        return new JsonObject
        {
            ["path"] = "/" + array.Path,
            ["bytes"] = total,
            ["seconds"] = Math.Round(best, 6),
            ["gb_per_s"] = Math.Round(total / best / 1e9, 6),
            ["repeat"] = repeat,
        };
    }
}
