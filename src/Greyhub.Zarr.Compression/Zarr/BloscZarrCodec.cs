using System.Buffers;
using System.Text.Json.Nodes;
using Greyhub.Zarr.Codecs;

namespace Greyhub.Zarr.Compression.Zarr;

/// <summary>
/// The Blosc codec for Zarr: v2 numcodecs <c>blosc</c> (<c>cname</c>, <c>clevel</c>, <c>shuffle</c> 0/1/2 or -1 =
/// bit shuffle for 1-byte elements else byte shuffle, <c>blocksize</c>; the type size is the array's element size)
/// and v3 <c>blosc</c> (<c>shuffle</c> as <c>noshuffle</c>/<c>shuffle</c>/<c>bitshuffle</c>, explicit <c>typesize</c>).
/// </summary>
internal sealed class BloscZarrCodec : ZarrBytesCodec
{
    public const int AutoShuffle = -1;
    private readonly BloscOptions _options;
    private readonly int _v2Shuffle;

    private BloscZarrCodec(BloscOptions options, int v2Shuffle)
    {
        _options = options;
        _v2Shuffle = v2Shuffle;
    }

    public override string Name => "blosc";

    public BloscOptions Options => _options;

    public static BloscZarrCodec Create(JsonObject? configuration, ZarrCodecContext context)
    {
        const string Codec = "blosc";
        var cnameText = ConfigReader.String(configuration, "cname", Codec) ?? "lz4";
        BloscCompressor cname;
        try
        {
            cname = BloscOptions.ParseCompressor(cnameText);
        }
        catch (ArgumentException e)
        {
            throw new ZarrCodecException($"codec 'blosc': {e.Message}", e);
        }
        if (cname == BloscCompressor.Snappy)
        {
            throw new ZarrCodecException("codec 'blosc': cname 'snappy' is not supported");
        }
        var clevel = ConfigReader.Int(configuration, "clevel", 5, Codec);
        var blocksize = ConfigReader.Int(configuration, "blocksize", 0, Codec);
        int typesize;
        int v2Shuffle;
        BloscShuffle shuffle;
        if (context.ZarrFormat == 2)
        {
            typesize = Math.Max(1, context.ElementSize);
            v2Shuffle = ConfigReader.Int(configuration, "shuffle", 1, Codec);
            shuffle = v2Shuffle switch
            {
                AutoShuffle => typesize == 1 ? BloscShuffle.BitShuffle : BloscShuffle.Shuffle,
                0 or 1 or 2 => (BloscShuffle)v2Shuffle,
                _ => throw new ZarrCodecException($"codec 'blosc': shuffle must be -1, 0, 1 or 2, not {v2Shuffle}"),
            };
        }
        else
        {
            typesize = ConfigReader.Int(configuration, "typesize", Math.Max(1, context.ElementSize), Codec);
            shuffle = (ConfigReader.String(configuration, "shuffle", Codec) ?? "noshuffle") switch
            {
                "noshuffle" => BloscShuffle.NoShuffle,
                "shuffle" => BloscShuffle.Shuffle,
                "bitshuffle" => BloscShuffle.BitShuffle,
                var other => throw new ZarrCodecException($"codec 'blosc': shuffle must be noshuffle, shuffle or bitshuffle, not '{other}'"),
            };
            v2Shuffle = (int)shuffle;
        }
        var options = new BloscOptions { Compressor = cname, Level = clevel, Shuffle = shuffle, TypeSize = typesize, BlockSize = blocksize };
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new ZarrCodecException($"codec 'blosc': {e.Message}", e);
        }
        return new BloscZarrCodec(options, v2Shuffle);
    }

    public override void Encode(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        var span = destination.GetSpan(Blosc.GetMaxCompressedLength(source.Length));
        destination.Advance(Blosc.Compress(source, span, _options));
    }

    public override int Decode(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        try
        {
            var info = Blosc.GetInfo(source);
            if (info.UncompressedSize != destination.Length)
            {
                throw new ZarrCodecException($"codec 'blosc': frame decodes to {info.UncompressedSize} bytes, expected {destination.Length}");
            }
            return Blosc.Decompress(source, destination);
        }
        catch (BloscException e)
        {
            throw new ZarrCodecException($"codec 'blosc': {e.Message}", e);
        }
    }

    public override bool TryDecodeRows(ReadOnlySpan<byte> source, ChunkRows rows)
    {
        try
        {
            var info = Blosc.GetInfo(source);
            if (info.UncompressedSize != rows.ChunkBytes)
            {
                throw new ZarrCodecException($"codec 'blosc': frame decodes to {info.UncompressedSize} bytes, expected {rows.ChunkBytes}");
            }
            return Engine.BloscDecoder.TryDecompressRows(source, rows.Destination, rows.RowBytes, rows.Start, rows.Length, rows.Offsets);
        }
        catch (BloscException e)
        {
            throw new ZarrCodecException($"codec 'blosc': {e.Message}", e);
        }
    }

    public override int? GetDecodedLength(ReadOnlySpan<byte> source)
    {
        try
        {
            return Blosc.GetInfo(source).UncompressedSize;
        }
        catch (BloscException e)
        {
            throw new ZarrCodecException($"codec 'blosc': {e.Message}", e);
        }
    }

    public override JsonObject ToV3() => new()
    {
        ["name"] = "blosc",
        ["configuration"] = new JsonObject
        {
            ["cname"] = BloscOptions.GetName(_options.Compressor),
            ["clevel"] = _options.Level,
            ["shuffle"] = _options.Shuffle switch
            {
                BloscShuffle.Shuffle => "shuffle",
                BloscShuffle.BitShuffle => "bitshuffle",
                _ => "noshuffle",
            },
            ["typesize"] = _options.TypeSize,
            ["blocksize"] = _options.BlockSize,
        },
    };

    public override JsonObject? ToV2() => new()
    {
        ["id"] = "blosc",
        ["cname"] = BloscOptions.GetName(_options.Compressor),
        ["clevel"] = _options.Level,
        ["shuffle"] = _v2Shuffle,
        ["blocksize"] = _options.BlockSize,
    };
}
