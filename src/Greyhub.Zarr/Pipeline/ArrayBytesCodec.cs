using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace Greyhub.Zarr.Pipeline;

/// <summary>A v3 array-to-bytes codec: serialises a C-order chunk of native elements.</summary>
internal abstract class ArrayBytesCodec
{
    public abstract string Name { get; }

    /// <summary>Decodes into <paramref name="chunk"/> (C order, <paramref name="spec"/> shape, little-endian elements).</summary>
    public abstract void Decode(ReadOnlySpan<byte> encoded, Span<byte> chunk, ChunkSpec spec);

    public abstract void Encode(ReadOnlySpan<byte> chunk, ChunkSpec spec, IBufferWriter<byte> output);

    /// <summary>The encoded size when fixed.</summary>
    public virtual int? EncodedSize(ChunkSpec spec) => null;

    public abstract JsonObject ToV3();
}

/// <summary>v3 <c>bytes</c> (and v2's implicit raw layout): elements in C order with the given byte order.</summary>
internal sealed class BytesArrayCodec(bool bigEndian) : ArrayBytesCodec
{
    public bool BigEndian => bigEndian;

    public override string Name => "bytes";

    public override void Decode(ReadOnlySpan<byte> encoded, Span<byte> chunk, ChunkSpec spec)
    {
        if (encoded.Length != chunk.Length)
        {
            throw new Codecs.ZarrCodecException($"chunk has {encoded.Length} bytes, expected {chunk.Length}");
        }
        Swap(encoded, chunk, spec.Type);
    }

    public override void Encode(ReadOnlySpan<byte> chunk, ChunkSpec spec, IBufferWriter<byte> output)
    {
        var dst = output.GetSpan(Math.Max(chunk.Length, 1))[..chunk.Length];
        Swap(chunk, dst, spec.Type);
        output.Advance(chunk.Length);
    }

    public override int? EncodedSize(ChunkSpec spec) => spec.ByteLength;

    public override JsonObject ToV3() => new()
    {
        ["name"] = "bytes",
        ["configuration"] = new JsonObject { ["endian"] = bigEndian ? "big" : "little" },
    };

    /// <summary>Copies, reversing byte order when stored big-endian.</summary>
    public void Swap(ReadOnlySpan<byte> src, Span<byte> dst, ZarrDataType type)
    {
        if (!bigEndian || type.SwapUnit == 1)
        {
            src.CopyTo(dst);
            return;
        }
        switch (type.SwapUnit)
        {
            case 2: BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, ushort>(src), MemoryMarshal.Cast<byte, ushort>(dst)); break;
            case 4: BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, uint>(src), MemoryMarshal.Cast<byte, uint>(dst)); break;
            case 8: BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, ulong>(src), MemoryMarshal.Cast<byte, ulong>(dst)); break;
            default: throw new ZarrUnsupportedException($"cannot swap {type.SwapUnit}-byte units");
        }
    }
}
