namespace Greyhub.Zarr.Benchmarks;

/// <summary>Deterministic, realistically compressible inputs per element size.</summary>
internal static class BenchmarkData
{
    public static byte[] Create(int length, int typeSize)
    {
        var random = new Random(42);
        var data = new byte[length];
        switch (typeSize)
        {
            case 1:
                // Classes or masks: few distinct values in runs.
                for (var i = 0; i < length; i++)
                {
                    data[i] = (byte)((i / 64 % 8) + (random.Next(16) == 0 ? 1 : 0));
                }
                break;
            case 4:
                // A smooth float32 field with a little noise.
                for (var i = 0; i + 4 <= length; i += 4)
                {
                    var value = (float)(Math.Sin(i * 1e-4) * 100 + (random.NextDouble() * 0.01));
                    BitConverter.TryWriteBytes(data.AsSpan(i), value);
                }
                break;
            default:
                // Monotonic int64 counters (timestamps, ids).
                long counter = 1_700_000_000_000;
                for (var i = 0; i + 8 <= length; i += 8)
                {
                    counter += random.Next(1, 1000);
                    BitConverter.TryWriteBytes(data.AsSpan(i), counter);
                }
                break;
        }
        return data;
    }
}
