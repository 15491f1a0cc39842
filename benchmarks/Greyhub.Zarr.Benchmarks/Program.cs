using System.Diagnostics;
using BenchmarkDotNet.Running;
using Greyhub.Zarr.Compression;

namespace Greyhub.Zarr.Benchmarks;

public static class Program
{
    public static int Main(string[] args)
    {
        // decode-file FRAME RAW REPEATS: the C# half of blosc-vs-numcodecs.sh (best-of-N single-threaded decode).
        if (args.Length >= 3 && args[0] == "decode-file")
        {
            return DecodeFile(args[1], args[2], args.Length > 3 ? int.Parse(args[3]) : 10);
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }

    private static int DecodeFile(string framePath, string rawPath, int repeats)
    {
        var frame = File.ReadAllBytes(framePath);
        var raw = File.ReadAllBytes(rawPath);
        var output = new byte[Blosc.GetInfo(frame).UncompressedSize];
        Blosc.Decompress(frame, output);
        if (!output.AsSpan().SequenceEqual(raw))
        {
            Console.Error.WriteLine("decoded bytes differ from numcodecs' input");
            return 1;
        }
        // Warm up the JIT's tiered compilation before timing.
        for (var i = 0; i < 3; i++)
        {
            Blosc.Decompress(frame, output);
        }
        var best = double.MaxValue;
        for (var i = 0; i < repeats; i++)
        {
            var start = Stopwatch.GetTimestamp();
            Blosc.Decompress(frame, output);
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
        Console.WriteLine($"{best:F6}");
        return 0;
    }
}
