using System.Diagnostics;
using System.Globalization;

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
        var stored = StoredChunks.Load(dir);
        var n = stored.Size;
        var output = new float[(long)n * n * n];
        var best = double.MaxValue;
        for (var pass = 0; pass < passes; pass++)
        {
            var watch = Stopwatch.StartNew();
            Parallel.For(0, stored.Encoded.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
                stored.NewScratch,
                (i, _, scratch) =>
                {
                    stored.DecodeAndCopy(i, scratch, output);
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
