using System.Buffers;
using System.Text.Json.Nodes;

namespace Greyhub.Zarr.Codecs;

/// <summary>numcodecs <c>packbits</c>: one byte holding the count of padding bits, then booleans eight to a byte, first element in the high bit.</summary>
internal sealed class PackBitsCodec : ZarrBytesCodec
{
    public override string Name => "packbits";

    public override void Encode(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        var size = (int)ComputeEncodedSize(source.Length)!;
        var dst = destination.GetSpan(size)[..size];
        dst.Clear();
        dst[0] = (byte)((8 - (source.Length % 8)) % 8);
        for (var i = 0; i < source.Length; i++)
        {
            if (source[i] != 0)
            {
                dst[1 + (i >> 3)] |= (byte)(0x80 >> (i & 7));
            }
        }
        destination.Advance(size);
    }

    public override int Decode(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (GetDecodedLength(source) is not { } n || n != destination.Length)
        {
            throw new ZarrCodecException($"packbits: {source.Length} bytes do not hold {destination.Length} booleans");
        }
        for (var i = 0; i < n; i++)
        {
            destination[i] = (byte)((source[1 + (i >> 3)] >> (7 - (i & 7))) & 1);
        }
        return n;
    }

    public override int? GetDecodedLength(ReadOnlySpan<byte> source)
        => source.Length == 0 || source[0] > 7 || (source.Length == 1 && source[0] != 0) ? null : ((source.Length - 1) * 8) - source[0];

    public override int? ComputeEncodedSize(int decodedLength) => 1 + ((decodedLength + 7) / 8);

    public override JsonObject ToV3() => JsonConfig.V3("numcodecs.packbits", null);

    public override JsonObject? ToV2() => new() { ["id"] = Name };
}
