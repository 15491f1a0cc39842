using System.Buffers;
using System.Text.Json.Nodes;
using Greyhub.Zarr.Codecs;

namespace Greyhub.Zarr.Compression.Zarr;

/// <summary>
/// Zstandard for Zarr: v2 numcodecs <c>zstd</c> (<c>level</c>, default 1; <c>checksum</c> when given) and
/// v3 <c>zstd</c> (<c>level</c>, default 0 = zstd's default; <c>checksum</c>, default false).
/// </summary>
internal sealed class ZstdZarrCodec(int level, bool checksum) : ZarrBytesCodec
{
    public override string Name => "zstd";

    public static ZstdZarrCodec Create(JsonObject? configuration, ZarrCodecContext context)
    {
        var level = ConfigReader.Int(configuration, "level", context.ZarrFormat == 2 ? Zstd.DefaultLevel : 0, "zstd");
        if (level is < -131072 or > 22)
        {
            throw new ZarrCodecException($"codec 'zstd': level must be between -131072 and 22, not {level}");
        }
        return new ZstdZarrCodec(level, ConfigReader.Bool(configuration, "checksum", false, "zstd"));
    }

    public override void Encode(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        var span = destination.GetSpan(Zstd.GetMaxCompressedLength(source.Length));
        destination.Advance(Zstd.Compress(source, span, level, checksum));
    }

    public override int Decode(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        try
        {
            var written = Zstd.Decompress(source, destination);
            return written == destination.Length
                ? written
                : throw new ZarrCodecException($"codec 'zstd': data decodes to {written} bytes, expected {destination.Length}");
        }
        catch (CompressedDataException e)
        {
            throw new ZarrCodecException($"codec 'zstd': {e.Message}", e);
        }
    }

    public override void Decode(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        try
        {
            var decoded = Zstd.Decompress(source);
            decoded.CopyTo(destination.GetSpan(Math.Max(decoded.Length, 1)));
            destination.Advance(decoded.Length);
        }
        catch (CompressedDataException e)
        {
            throw new ZarrCodecException($"codec 'zstd': {e.Message}", e);
        }
    }

    public override int? GetDecodedLength(ReadOnlySpan<byte> source)
    {
        try
        {
            return Zstd.GetDecompressedSize(source) is { } size
                ? size <= int.MaxValue ? (int)size : throw new ZarrCodecException("codec 'zstd': frame is larger than 2 GB")
                : null;
        }
        catch (CompressedDataException e)
        {
            throw new ZarrCodecException($"codec 'zstd': {e.Message}", e);
        }
    }

    public override JsonObject ToV3() => new()
    {
        ["name"] = "zstd",
        ["configuration"] = new JsonObject { ["level"] = level, ["checksum"] = checksum },
    };

    public override JsonObject? ToV2()
    {
        var o = new JsonObject { ["id"] = "zstd", ["level"] = level };
        if (checksum)
        {
            o["checksum"] = true;
        }
        return o;
    }
}
