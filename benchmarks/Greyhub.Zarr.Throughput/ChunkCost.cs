using System.Diagnostics;
using System.Globalization;
using Greyhub.Zarr.Storage;

namespace Greyhub.Zarr.Throughput;

/// <summary>
/// CPU per chunk on one thread, which a shared machine disturbs far less than wall time: (1) the floor, Blosc decode
/// of an in-memory chunk plus one copy into its place in the output; (2) the library's whole-array read with one
/// chunk in flight (file open and read, metadata, selection, decode, copy). The difference is the library's own
/// overhead per chunk. Prints "FLOOR_US LIBRARY_US CHUNKS".
/// </summary>
internal static class ChunkCost
{
    public static async Task<int> RunAsync(string dir, int passes)
    {
        var stored = StoredChunks.Load(dir);
        var (n, c, chunks) = (stored.Size, stored.Chunk, stored.Encoded);
        var output = new float[(long)n * n * n];
        var scratch = stored.NewScratch();
        // Untimed passes first (about 20,000 chunks): the JIT's tiering must be done before CPU is counted, or its
        // compilations land in the measurement.
        var warm = Math.Max(1, 20_000 / chunks.Length);
        var floor = double.MaxValue;
        for (var pass = 0; pass < warm + passes; pass++)
        {
            var cpu = ProcessCpu();
            for (var i = 0; i < chunks.Length; i++)
            {
                stored.DecodeAndCopy(i, scratch, output);
            }
            if (pass >= warm)
            {
                floor = Math.Min(floor, (ProcessCpu() - cpu).TotalSeconds);
            }
        }

        // The library with a budget of one chunk at a time: its CPU is then one thread's, whichever pool thread runs it.
        var array = await ZarrArray.OpenAsync(new FileSystemStore(dir), options: new ZarrOptions { MaxConcurrency = 1 });
        var slab = new float[(long)c * n * n];
        var library = double.MaxValue;
        using var self = Process.GetCurrentProcess();
        for (var pass = 0; pass < warm + passes; pass++)
        {
            self.Refresh();
            var cpu = self.TotalProcessorTime;
            for (var start = 0; start < n; start += c)
            {
                var rows = Math.Min(c, n - start);
                await array.ReadAsync<float>([new ZarrSlice(start, start + rows)], slab.AsMemory(0, rows * n * n));
            }
            self.Refresh();
            if (pass >= warm)
            {
                library = Math.Min(library, (self.TotalProcessorTime - cpu).TotalSeconds);
            }
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{floor / chunks.Length * 1e6:F1} {library / chunks.Length * 1e6:F1} {chunks.Length}"));
        return 0;
    }

    private static TimeSpan ProcessCpu()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }
}
