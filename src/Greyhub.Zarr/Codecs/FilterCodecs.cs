using System.Buffers;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace Greyhub.Zarr.Codecs;

/// <summary>numcodecs <c>shuffle</c>: groups byte k of every element together.</summary>
internal sealed class ShuffleCodec : ZarrBytesCodec
{
    public ShuffleCodec(int elementSize)
    {
        if (elementSize < 1)
        {
            throw new ZarrCodecException($"shuffle: elementsize must be positive, not {elementSize}");
        }
        ElementSize = elementSize;
    }

    public int ElementSize { get; }

    public override string Name => "shuffle";

    public override void Encode(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        Check(source.Length);
        var dst = destination.GetSpan(Math.Max(1, source.Length))[..source.Length];
        var count = source.Length / ElementSize;
        for (var b = 0; b < ElementSize; b++)
        {
            var row = dst.Slice(b * count, count);
            for (var i = 0; i < count; i++)
            {
                row[i] = source[(i * ElementSize) + b];
            }
        }
        destination.Advance(source.Length);
    }

    public override int Decode(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (source.Length != destination.Length)
        {
            throw new ZarrCodecException($"shuffle: {source.Length} bytes, expected {destination.Length}");
        }
        Check(source.Length);
        var count = source.Length / ElementSize;
        for (var b = 0; b < ElementSize; b++)
        {
            var row = source.Slice(b * count, count);
            for (var i = 0; i < count; i++)
            {
                destination[(i * ElementSize) + b] = row[i];
            }
        }
        return destination.Length;
    }

    public override int? GetDecodedLength(ReadOnlySpan<byte> source) => source.Length;

    public override int? ComputeEncodedSize(int decodedLength) => decodedLength;

    public override JsonObject ToV3() => JsonConfig.V3("numcodecs.shuffle", new JsonObject { ["elementsize"] = ElementSize });

    public override JsonObject? ToV2() => new() { ["id"] = "shuffle", ["elementsize"] = ElementSize };

    private void Check(int length)
    {
        if (length % ElementSize != 0)
        {
            throw new ZarrCodecException($"shuffle: {length} bytes is not a multiple of elementsize {ElementSize}");
        }
    }
}

/// <summary>numcodecs <c>delta</c>: stores the first element, then differences (same dtype and astype only).</summary>
internal sealed class DeltaCodec : ZarrBytesCodec
{
    private readonly ZarrDataType _type;

    private DeltaCodec(ZarrDataType type) => _type = type;

    public override string Name => "delta";

    public static ZarrBytesCodec Create(JsonObject? configuration, ZarrCodecContext context)
    {
        var dtype = JsonConfig.GetString(configuration, "dtype", "delta");
        var astype = JsonConfig.GetString(configuration, "astype", "delta") ?? dtype;
        var name = dtype ?? context.DataType;
        var type = name.Length > 0 && name[0] is '<' or '>' or '|' ? ZarrDataType.FromV2(name) : ZarrDataType.FromV3(name);
        if (astype is not null && astype != dtype && ZarrDataType.FromV2(astype) != type)
        {
            throw new ZarrUnsupportedException($"delta with astype '{astype}' different from dtype '{dtype}' is not supported");
        }
        if (type.Kind is not (ZarrTypeKind.Int or ZarrTypeKind.UInt or ZarrTypeKind.Float))
        {
            throw new ZarrUnsupportedException($"delta over dtype '{type.V2Name}' is not supported");
        }
        return new DeltaCodec(type);
    }

    public override void Encode(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        var dst = destination.GetSpan(Math.Max(1, source.Length))[..source.Length];
        source.CopyTo(dst);
        Transform(dst, encode: true);
        destination.Advance(source.Length);
    }

    public override int Decode(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (source.Length != destination.Length || source.Length % _type.Size != 0)
        {
            throw new ZarrCodecException($"delta: {source.Length} bytes, expected {destination.Length} in whole elements of {_type.Size}");
        }
        source.CopyTo(destination);
        Transform(destination, encode: false);
        return destination.Length;
    }

    public override int? GetDecodedLength(ReadOnlySpan<byte> source) => source.Length;

    public override int? ComputeEncodedSize(int decodedLength) => decodedLength;

    public override JsonObject ToV3() => JsonConfig.V3("numcodecs.delta", new JsonObject { ["dtype"] = _type.V2Name, ["astype"] = _type.V2Name });

    public override JsonObject? ToV2() => new() { ["id"] = "delta", ["dtype"] = _type.V2Name, ["astype"] = _type.V2Name };

    private void Transform(Span<byte> data, bool encode)
    {
        // Big-endian dtypes: work on native values, then restore the stored byte order.
        var swap = new Pipeline.BytesArrayCodec(_type.BigEndian);
        swap.Swap(data, data, _type);
        TransformNative(data, encode);
        swap.Swap(data, data, _type);
    }

    private void TransformNative(Span<byte> data, bool encode)
    {
        switch (_type.Kind, _type.Size)
        {
            case (ZarrTypeKind.Int, 1): Run(MemoryMarshal.Cast<byte, sbyte>(data), encode); break;
            case (ZarrTypeKind.Int, 2): Run(MemoryMarshal.Cast<byte, short>(data), encode); break;
            case (ZarrTypeKind.Int, 4): Run(MemoryMarshal.Cast<byte, int>(data), encode); break;
            case (ZarrTypeKind.Int, 8): Run(MemoryMarshal.Cast<byte, long>(data), encode); break;
            case (ZarrTypeKind.UInt, 1): Run(data, encode); break;
            case (ZarrTypeKind.UInt, 2): Run(MemoryMarshal.Cast<byte, ushort>(data), encode); break;
            case (ZarrTypeKind.UInt, 4): Run(MemoryMarshal.Cast<byte, uint>(data), encode); break;
            case (ZarrTypeKind.UInt, 8): Run(MemoryMarshal.Cast<byte, ulong>(data), encode); break;
            case (ZarrTypeKind.Float, 2): Run(MemoryMarshal.Cast<byte, Half>(data), encode); break;
            case (ZarrTypeKind.Float, 4): Run(MemoryMarshal.Cast<byte, float>(data), encode); break;
            case (ZarrTypeKind.Float, 8): Run(MemoryMarshal.Cast<byte, double>(data), encode); break;
            default: throw new ZarrUnsupportedException($"delta over dtype '{_type.V2Name}' is not supported");
        }
    }

    private static void Run<T>(Span<T> v, bool encode) where T : INumberBase<T>
    {
        if (encode)
        {
            for (var i = v.Length - 1; i > 0; i--)
            {
                v[i] = unchecked(v[i] - v[i - 1]);
            }
        }
        else
        {
            for (var i = 1; i < v.Length; i++)
            {
                v[i] = unchecked(v[i] + v[i - 1]);
            }
        }
    }
}
