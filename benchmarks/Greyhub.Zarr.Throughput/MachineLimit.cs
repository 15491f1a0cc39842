using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Greyhub.Zarr.Compression;

namespace Greyhub.Zarr.Throughput;

/// <summary>
/// The machine's limit for reading a Blosc-compressed 3-D array: every chunk already in memory, Blosc decoding on
/// every core into a per-thread buffer, plus one copy of each chunk into its place in the output. No file system,
/// no metadata, no library overhead: what a perfect reader would still have to do.
/// </summary>
internal static class MachineLimit
{
    public static int Run(string dir, int passes)
    {
        var meta = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, ".zarray")))!;
        var n = (int)meta["shape"]![0]!;
        var c = (int)meta["chunks"]![0]!;
        var grid = (n + c - 1) / c;
        var chunks = new byte[grid * grid * grid][];
        for (var i = 0; i < chunks.Length; i++)
        {
            var (x, y, z) = (i / (grid * grid), i / grid % grid, i % grid);
            chunks[i] = File.ReadAllBytes(Path.Combine(dir, $"{x}.{y}.{z}"));
        }
        var output = new float[(long)n * n * n];
        var best = double.MaxValue;
        for (var pass = 0; pass < passes; pass++)
        {
            var watch = Stopwatch.StartNew();
            Parallel.For(0, chunks.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
                () => new float[c * c * c],
                (i, _, scratch) =>
                {
                    Blosc.Decompress(chunks[i], System.Runtime.InteropServices.MemoryMarshal.AsBytes(scratch.AsSpan()));
                    var (x, y, z) = (i / (grid * grid) * c, i / grid % grid * c, i % grid * c);
                    for (var a = 0; a < c; a++)
                    {
                        for (var b = 0; b < c; b++)
                        {
                            scratch.AsSpan(((a * c) + b) * c, c).CopyTo(output.AsSpan((int)((((long)(x + a) * n) + y + b) * n + z), c));
                        }
                    }
                    return scratch;
                },
                _ => { });
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }
        var bytes = (long)n * n * n * 4;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{best:F3} {bytes / best / 1e9:F3}"));
        return 0;
    }
}
