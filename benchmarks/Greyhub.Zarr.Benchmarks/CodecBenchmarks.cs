using BenchmarkDotNet.Attributes;
using Greyhub.Zarr.Compression;

namespace Greyhub.Zarr.Benchmarks;

/// <summary>Encode and decode of one 4 MB chunk per codec and element size (MB/s = 4 / time).</summary>
[MemoryDiagnoser]
public class CodecBenchmarks
{
    private const int Size = 4 << 20;
    private byte[] _data = [];
    private byte[] _encoded = [];
    private byte[] _buffer = [];
    private byte[] _output = [];

    [Params("blosc-lz4", "blosc-zstd", "blosc-zlib", "zstd", "lz4")]
    public string Codec { get; set; } = "blosc-lz4";

    [Params(1, 4, 8)]
    public int TypeSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _data = BenchmarkData.Create(Size, TypeSize);
        _buffer = new byte[Size + (Size / 4) + 1024];
        _output = new byte[Size];
        _encoded = _buffer.AsSpan(0, Encode()).ToArray();
    }

    [Benchmark]
    public int Encode() => Codec switch
    {
        "blosc-lz4" => Blosc.Compress(_data, _buffer, Options(BloscCompressor.Lz4)),
        "blosc-zstd" => Blosc.Compress(_data, _buffer, Options(BloscCompressor.Zstd)),
        "blosc-zlib" => Blosc.Compress(_data, _buffer, Options(BloscCompressor.Zlib)),
        "zstd" => Zstd.Compress(_data, _buffer, Zstd.DefaultLevel),
        _ => Lz4.Compress(_data, _buffer),
    };

    [Benchmark]
    public int Decode() => Codec switch
    {
        "zstd" => Zstd.Decompress(_encoded, _output),
        "lz4" => Lz4.Decompress(_encoded, _output),
        _ => Blosc.Decompress(_encoded, _output),
    };

    private BloscOptions Options(BloscCompressor compressor) => new()
    {
        Compressor = compressor,
        Level = 5,
        Shuffle = BloscShuffle.Shuffle,
        TypeSize = TypeSize,
    };
}
