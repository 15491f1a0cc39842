using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using System.Text.Json.Nodes;

namespace Greyhub.Zarr.Codecs;

/// <summary>v3 <c>crc32c</c>: appends the CRC-32C (Castagnoli) of the data as uint32 little-endian.</summary>
internal sealed class Crc32cCodec : ZarrBytesCodec
{
    public override string Name => "crc32c";

    public override void Encode(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        destination.Write(source);
        BinaryPrimitives.WriteUInt32LittleEndian(destination.GetSpan(4), Crc32C.Compute(source));
        destination.Advance(4);
    }

    public override int Decode(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (source.Length != destination.Length + 4)
        {
            throw new ZarrCodecException($"crc32c: {source.Length} bytes, expected {destination.Length + 4}");
        }
        var data = source[..^4];
        Check(data, source);
        data.CopyTo(destination);
        return destination.Length;
    }

    public override int? GetDecodedLength(ReadOnlySpan<byte> source) => source.Length >= 4 ? source.Length - 4 : throw new ZarrCodecException("crc32c: input shorter than its checksum");

    public override int? ComputeEncodedSize(int decodedLength) => decodedLength + 4;

    public override JsonObject ToV3() => new() { ["name"] = "crc32c" };

    public override JsonObject? ToV2() => new() { ["id"] = "crc32c" };

    private static void Check(ReadOnlySpan<byte> data, ReadOnlySpan<byte> source)
    {
        var expected = BinaryPrimitives.ReadUInt32LittleEndian(source[^4..]);
        var actual = Crc32C.Compute(data);
        if (expected != actual)
        {
            throw new ZarrCodecException($"crc32c mismatch: stored 0x{expected:x8}, computed 0x{actual:x8}");
        }
    }
}

/// <summary>CRC-32C with the CPU's instruction where there is one.</summary>
internal static class Crc32C
{
    private static readonly uint[] Table = BuildTable();

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        if (Sse42.X64.IsSupported)
        {
            ulong c = crc;
            while (data.Length >= 8)
            {
                c = Sse42.X64.Crc32(c, BinaryPrimitives.ReadUInt64LittleEndian(data));
                data = data[8..];
            }
            crc = (uint)c;
            foreach (var b in data)
            {
                crc = Sse42.Crc32(crc, b);
            }
        }
        else if (Crc32.Arm64.IsSupported)
        {
            while (data.Length >= 8)
            {
                crc = Crc32.Arm64.ComputeCrc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
                data = data[8..];
            }
            foreach (var b in data)
            {
                crc = Crc32.ComputeCrc32C(crc, b);
            }
        }
        else
        {
            foreach (var b in data)
            {
                crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
            }
        }
        return ~crc;
    }

    private static uint[] BuildTable()
    {
        var t = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var c = i;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0x82F63B78 ^ (c >> 1) : c >> 1;
            }
            t[i] = c;
        }
        return t;
    }
}

/// <summary>numcodecs <c>fletcher32</c>: appends an HDF5-style Fletcher-32 checksum as uint32 little-endian.</summary>
internal sealed class Fletcher32Codec : ZarrBytesCodec
{
    public override string Name => "fletcher32";

    public override void Encode(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        destination.Write(source);
        BinaryPrimitives.WriteUInt32LittleEndian(destination.GetSpan(4), Compute(source));
        destination.Advance(4);
    }

    public override int Decode(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (source.Length != destination.Length + 4)
        {
            throw new ZarrCodecException($"fletcher32: {source.Length} bytes, expected {destination.Length + 4}");
        }
        var stored = BinaryPrimitives.ReadUInt32LittleEndian(source[^4..]);
        var actual = Compute(source[..^4]);
        if (stored != actual)
        {
            throw new ZarrCodecException($"fletcher32 mismatch: stored 0x{stored:x8}, computed 0x{actual:x8}");
        }
        source[..^4].CopyTo(destination);
        return destination.Length;
    }

    public override int? GetDecodedLength(ReadOnlySpan<byte> source) => source.Length >= 4 ? source.Length - 4 : throw new ZarrCodecException("fletcher32: input shorter than its checksum");

    public override int? ComputeEncodedSize(int decodedLength) => decodedLength + 4;

    public override JsonObject ToV3() => new() { ["name"] = "numcodecs.fletcher32", ["configuration"] = new JsonObject() };

    public override JsonObject? ToV2() => new() { ["id"] = "fletcher32" };

    internal static uint Compute(ReadOnlySpan<byte> data)
    {
        uint s1 = 0xFFFF, s2 = 0xFFFF;
        var words = data.Length / 2;
        var i = 0;
        while (words > 0)
        {
            var block = Math.Min(words, 360);
            words -= block;
            for (var k = 0; k < block; k++, i += 2)
            {
                s1 += (uint)((data[i] << 8) | data[i + 1]);
                s2 += s1;
            }
            s1 = (s1 & 0xFFFF) + (s1 >> 16);
            s2 = (s2 & 0xFFFF) + (s2 >> 16);
        }
        if ((data.Length & 1) != 0)
        {
            s1 += (uint)data[^1] << 8;
            s2 += s1;
            s1 = (s1 & 0xFFFF) + (s1 >> 16);
            s2 = (s2 & 0xFFFF) + (s2 >> 16);
        }
        s1 = (s1 & 0xFFFF) + (s1 >> 16);
        s2 = (s2 & 0xFFFF) + (s2 >> 16);
        return (s2 << 16) | s1;
    }
}
