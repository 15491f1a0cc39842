using System.Buffers;
using System.Text.Json.Nodes;
using Greyhub.Zarr.Codecs;

namespace Greyhub.Zarr.Compression.Zarr;

/// <summary>numcodecs <c>lz4</c> for Zarr (v2 id <c>lz4</c>, v3 <c>numcodecs.lz4</c>): <c>acceleration</c>, default 1.</summary>
internal sealed class Lz4ZarrCodec(int acceleration) : ZarrBytesCodec
{
    public const string V3Name = "numcodecs.lz4";

    public override string Name => V3Name;

    public static Lz4ZarrCodec Create(JsonObject? configuration, ZarrCodecContext context) =>
        new(ConfigReader.Int(configuration, "acceleration", Lz4.DefaultAcceleration, "lz4"));

    public override void Encode(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        var span = destination.GetSpan(Lz4.GetMaxCompressedLength(source.Length));
        destination.Advance(Lz4.Compress(source, span, acceleration));
    }

    public override int Decode(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        try
        {
            var size = Lz4.GetDecompressedSize(source);
            return size == destination.Length
                ? Lz4.Decompress(source, destination)
                : throw new ZarrCodecException($"codec 'lz4': data decodes to {size} bytes, expected {destination.Length}");
        }
        catch (CompressedDataException e)
        {
            throw new ZarrCodecException($"codec 'lz4': {e.Message}", e);
        }
    }

    public override int? GetDecodedLength(ReadOnlySpan<byte> source)
    {
        try
        {
            return Lz4.GetDecompressedSize(source);
        }
        catch (CompressedDataException e)
        {
            throw new ZarrCodecException($"codec 'lz4': {e.Message}", e);
        }
    }

    public override JsonObject ToV3() => new()
    {
        ["name"] = V3Name,
        ["configuration"] = new JsonObject { ["acceleration"] = acceleration },
    };

    public override JsonObject? ToV2() => new() { ["id"] = "lz4", ["acceleration"] = acceleration };
}
