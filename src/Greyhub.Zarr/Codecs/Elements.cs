using System.Buffers.Binary;
using System.Text.Json.Nodes;

namespace Greyhub.Zarr.Codecs;

/// <summary>
/// Reads and writes single numeric elements in a filter's own dtype (its byte order included), with NumPy's
/// <c>astype</c> conversions: integers wrap, floats to integers truncate, floats round to nearest.
/// </summary>
internal static class Elements
{
    /// <summary>Parses a filter's dtype field (a NumPy typestr, or the array's v3 name when absent).</summary>
    public static ZarrDataType Type(JsonObject? configuration, string key, string codec, ZarrDataType? fallback)
    {
        var name = JsonConfig.GetString(configuration, key, codec);
        if (name is null)
        {
            return fallback ?? throw new ZarrCodecException($"codec '{codec}': '{key}' is required");
        }
        return name.Length > 0 && name[0] is '<' or '>' or '|' or '=' ? ZarrDataType.FromV2(name)
            // NumPy's short spellings without a byte order ("f8", "u2") are native, little-endian wherever this runs.
            : name.Length is 2 or 3 && char.IsAsciiLetterLower(name[0]) && !name.AsSpan(1).ContainsAnyExceptInRange('0', '9')
                ? ZarrDataType.FromV2("<" + name)
            : ZarrDataType.FromV3(name);
    }

    /// <summary>The array's data type from a codec context (v2 typestr or v3 name).</summary>
    public static ZarrDataType? OfContext(ZarrCodecContext context)
        => context.DataType is "string" or "" ? null
            : context.DataType[0] is '<' or '>' or '|' or '=' ? ZarrDataType.FromV2(context.DataType) : ZarrDataType.FromV3(context.DataType);

    public static bool IsNumeric(ZarrDataType t) => t.Kind is ZarrTypeKind.Int or ZarrTypeKind.UInt or ZarrTypeKind.Float or ZarrTypeKind.Bool;

    public static double ReadDouble(ReadOnlySpan<byte> e, ZarrDataType t) => t.Kind == ZarrTypeKind.Float
        ? t.Size switch
        {
            2 => (double)(t.BigEndian ? BinaryPrimitives.ReadHalfBigEndian(e) : BinaryPrimitives.ReadHalfLittleEndian(e)),
            4 => t.BigEndian ? BinaryPrimitives.ReadSingleBigEndian(e) : BinaryPrimitives.ReadSingleLittleEndian(e),
            _ => t.BigEndian ? BinaryPrimitives.ReadDoubleBigEndian(e) : BinaryPrimitives.ReadDoubleLittleEndian(e),
        }
        : (double)ReadInteger(e, t);

    public static Int128 ReadInteger(ReadOnlySpan<byte> e, ZarrDataType t)
    {
        if (t.Kind == ZarrTypeKind.Float)
        {
            return Truncate(ReadDouble(e, t));
        }
        var be = t.BigEndian;
        return (t.Kind, t.Size) switch
        {
            (ZarrTypeKind.Bool, _) => e[0] != 0 ? 1 : 0,
            (ZarrTypeKind.Int, 1) => (sbyte)e[0],
            (ZarrTypeKind.Int, 2) => be ? BinaryPrimitives.ReadInt16BigEndian(e) : BinaryPrimitives.ReadInt16LittleEndian(e),
            (ZarrTypeKind.Int, 4) => be ? BinaryPrimitives.ReadInt32BigEndian(e) : BinaryPrimitives.ReadInt32LittleEndian(e),
            (ZarrTypeKind.Int, _) => be ? BinaryPrimitives.ReadInt64BigEndian(e) : BinaryPrimitives.ReadInt64LittleEndian(e),
            (_, 1) => e[0],
            (_, 2) => be ? BinaryPrimitives.ReadUInt16BigEndian(e) : BinaryPrimitives.ReadUInt16LittleEndian(e),
            (_, 4) => be ? BinaryPrimitives.ReadUInt32BigEndian(e) : BinaryPrimitives.ReadUInt32LittleEndian(e),
            _ => be ? BinaryPrimitives.ReadUInt64BigEndian(e) : BinaryPrimitives.ReadUInt64LittleEndian(e),
        };
    }

    public static void WriteDouble(Span<byte> e, ZarrDataType t, double v)
    {
        if (t.Kind != ZarrTypeKind.Float)
        {
            WriteInteger(e, t, t.Kind == ZarrTypeKind.Bool ? (v != 0 ? 1 : 0) : Truncate(v));
            return;
        }
        switch (t.Size)
        {
            case 2:
                if (t.BigEndian) { BinaryPrimitives.WriteHalfBigEndian(e, (Half)v); } else { BinaryPrimitives.WriteHalfLittleEndian(e, (Half)v); }
                break;
            case 4:
                if (t.BigEndian) { BinaryPrimitives.WriteSingleBigEndian(e, (float)v); } else { BinaryPrimitives.WriteSingleLittleEndian(e, (float)v); }
                break;
            default:
                if (t.BigEndian) { BinaryPrimitives.WriteDoubleBigEndian(e, v); } else { BinaryPrimitives.WriteDoubleLittleEndian(e, v); }
                break;
        }
    }

    /// <summary>Writes an integer, wrapping to the type's width as NumPy's <c>astype</c> does.</summary>
    public static void WriteInteger(Span<byte> e, ZarrDataType t, Int128 v)
    {
        if (t.Kind == ZarrTypeKind.Float)
        {
            WriteDouble(e, t, (double)v);
            return;
        }
        var bits = unchecked((ulong)v);
        var be = t.BigEndian;
        switch (t.Size)
        {
            case 1: e[0] = t.Kind == ZarrTypeKind.Bool ? (byte)(v != 0 ? 1 : 0) : unchecked((byte)bits); break;
            case 2: if (be) { BinaryPrimitives.WriteUInt16BigEndian(e, unchecked((ushort)bits)); } else { BinaryPrimitives.WriteUInt16LittleEndian(e, unchecked((ushort)bits)); } break;
            case 4: if (be) { BinaryPrimitives.WriteUInt32BigEndian(e, unchecked((uint)bits)); } else { BinaryPrimitives.WriteUInt32LittleEndian(e, unchecked((uint)bits)); } break;
            default: if (be) { BinaryPrimitives.WriteUInt64BigEndian(e, bits); } else { BinaryPrimitives.WriteUInt64LittleEndian(e, bits); } break;
        }
    }

    /// <summary>NumPy <c>astype</c> between any two numeric dtypes.</summary>
    public static void Convert(ReadOnlySpan<byte> e, ZarrDataType from, Span<byte> d, ZarrDataType to)
    {
        if (from.Kind == ZarrTypeKind.Float || to.Kind == ZarrTypeKind.Float)
        {
            WriteDouble(d, to, ReadDouble(e, from));
        }
        else
        {
            WriteInteger(d, to, ReadInteger(e, from));
        }
    }

    /// <summary>C's float-to-integer conversion (toward zero); NaN becomes the minimum as on x86.</summary>
    private static Int128 Truncate(double v) => double.IsNaN(v) ? long.MinValue : (Int128)Math.Truncate(Math.Clamp(v, -1.7e38, 1.7e38));

    /// <summary>Checks that <paramref name="length"/> bytes hold whole elements of <paramref name="size"/>.</summary>
    public static int Count(int length, int size, string codec)
        => length % size == 0 ? length / size : throw new ZarrCodecException($"{codec}: {length} bytes is not a whole number of {size}-byte elements");
}
