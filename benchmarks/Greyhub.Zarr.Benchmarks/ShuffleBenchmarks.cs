using BenchmarkDotNet.Attributes;
using Greyhub.Zarr.Compression.Shuffle;

namespace Greyhub.Zarr.Benchmarks;

/// <summary>The shuffle filters alone over one 1 MB block (MB/s = 1 / time).</summary>
[MemoryDiagnoser]
public class ShuffleBenchmarks
{
    private const int Size = 1 << 20;
    private byte[] _data = [];
    private byte[] _output = [];

    [Params(2, 4, 8, 16)]
    public int TypeSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _data = BenchmarkData.Create(Size, TypeSize);
        _output = new byte[Size];
    }

    [Benchmark]
    public void Shuffle() => ByteShuffle.Shuffle(TypeSize, _data, _output);

    [Benchmark]
    public void Unshuffle() => ByteShuffle.Unshuffle(TypeSize, _data, _output);

    [Benchmark]
    public void ScalarUnshuffle() => ByteShuffle.UnshuffleScalar(TypeSize, _data, _output, Size / TypeSize, 0);

    [Benchmark]
    public void BitShuffleBlock() => BitShuffle.Shuffle(TypeSize, _data, _output);

    [Benchmark]
    public void BitUnshuffleBlock() => BitShuffle.Unshuffle(TypeSize, _data, _output);
}
