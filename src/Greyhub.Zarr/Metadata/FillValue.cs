using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;

namespace Greyhub.Zarr.Metadata;

/// <summary>A fill value as one element's bytes (little-endian, as in memory), or text for string arrays.</summary>
internal sealed class FillValue
{
    private FillValue(byte[] bytes, string? text, bool isNull)
    {
        Bytes = bytes;
        Text = text;
        IsNull = isNull;
        IsZero = bytes.AsSpan().IndexOfAnyExcept((byte)0) < 0;
    }

    public byte[] Bytes { get; }

    public string? Text { get; }

    /// <summary>A v2 string array's numeric fill (zarr-python's default 0), re-emitted as it was read.</summary>
    private JsonNode? _number;

    /// <summary>v2 <c>null</c>: undefined content (we use zeros).</summary>
    public bool IsNull { get; }

    public bool IsZero { get; }

    public static FillValue Zero(ZarrDataType type) => new(new byte[type.Size], type.Kind == ZarrTypeKind.String ? "" : null, false);

    public static FillValue Parse(JsonNode? node, ZarrDataType type, int format)
    {
        node = Normalize(node);
        if (node is null)
        {
            return format == 2 ? new(new byte[type.Size], type.Kind == ZarrTypeKind.String ? "" : null, true) : throw Bad(node, type);
        }
        var bytes = new byte[type.Size];
        switch (type.Kind)
        {
            case ZarrTypeKind.Bool:
                bytes[0] = node is JsonValue bv && bv.TryGetValue(out bool b) ? (byte)(b ? 1 : 0)
                    : Integer(node, type) is var iv && (iv == 0 || iv == 1) ? (byte)iv : throw Bad(node, type);
                break;
            case ZarrTypeKind.Int:
            case ZarrTypeKind.UInt:
                WriteInteger(bytes, node, type);
                break;
            case ZarrTypeKind.DateTime:
            case ZarrTypeKind.TimeDelta:
                // zarr-python 2 writes the int64 count (NaT is its minimum); accept "NaT" as well.
                BinaryPrimitives.WriteInt64LittleEndian(bytes, node is JsonValue nat && nat.TryGetValue(out string? ns) && ns == "NaT" ? ZarrTime.NaT
                    : (long)Integer(node, type) is var t && t == Integer(node, type) ? t : throw Bad(node, type));
                break;
            case ZarrTypeKind.Float:
                WriteFloat(bytes, node, type, format);
                break;
            case ZarrTypeKind.Complex:
                if (node is JsonArray { Count: 2 } pair)
                {
                    var half = new ZarrDataType(ZarrTypeKind.Float, type.Size / 2);
                    WriteFloat(bytes.AsSpan(0, half.Size), pair[0], half, format);
                    WriteFloat(bytes.AsSpan(half.Size), pair[1], half, format);
                }
                else
                {
                    Base64(bytes, node, type);
                }
                break;
            case ZarrTypeKind.Bytes:
                if (node is JsonArray arr && arr.Count == type.Size)
                {
                    for (var i = 0; i < arr.Count; i++)
                    {
                        bytes[i] = checked((byte)Integer(arr[i], type));
                    }
                }
                else if (node is JsonValue zv && zv.TryGetValue(out double z) && z == 0)
                {
                    // zarr-python 2 tolerated 0 for bytes dtypes.
                }
                else
                {
                    Base64(bytes, node, type);
                }
                break;
            case ZarrTypeKind.Unicode:
                {
                    var s = node is JsonValue sv && sv.TryGetValue(out string? str) ? str : throw Bad(node, type);
                    var units = Encoding.UTF32.GetBytes(s);
                    units.AsSpan(0, Math.Min(units.Length, bytes.Length)).CopyTo(bytes);
                    break;
                }
            case ZarrTypeKind.String:
                if (node is JsonValue tv && tv.TryGetValue(out string? text))
                {
                    return new([], text, false);
                }
                // zarr-python 2 writes fill_value 0 for object (vlen-utf8) arrays and fills missing chunks with that
                // Python object; as text it is the number as written ("0"), kept as a number in metadata we write back.
                if (node is JsonValue nv && nv.GetValueKind() == System.Text.Json.JsonValueKind.Number && format == 2)
                {
                    return new([], nv.ToJsonString(), false) { _number = nv.DeepClone() };
                }
                throw Bad(node, type);
        }
        return new(bytes, null, false);
    }

    /// <summary>The canonical JSON for this fill value in <paramref name="format"/>.</summary>
    public JsonNode? ToJson(ZarrDataType type, int format)
    {
        if (IsNull && format == 2)
        {
            return null;
        }
        if (_number is not null && format == 2)
        {
            return _number.DeepClone();
        }
        var b = Bytes.AsSpan();
        return type.Kind switch
        {
            ZarrTypeKind.Bool => JsonValue.Create(b[0] != 0),
            ZarrTypeKind.DateTime or ZarrTypeKind.TimeDelta => JsonValue.Create(BinaryPrimitives.ReadInt64LittleEndian(b)),
            ZarrTypeKind.Int => type.Size switch
            {
                1 => JsonValue.Create((sbyte)b[0]),
                2 => JsonValue.Create(BinaryPrimitives.ReadInt16LittleEndian(b)),
                4 => JsonValue.Create(BinaryPrimitives.ReadInt32LittleEndian(b)),
                _ => JsonValue.Create(BinaryPrimitives.ReadInt64LittleEndian(b)),
            },
            ZarrTypeKind.UInt => type.Size switch
            {
                1 => JsonValue.Create(b[0]),
                2 => JsonValue.Create(BinaryPrimitives.ReadUInt16LittleEndian(b)),
                4 => JsonValue.Create(BinaryPrimitives.ReadUInt32LittleEndian(b)),
                _ => JsonValue.Create(BinaryPrimitives.ReadUInt64LittleEndian(b)),
            },
            ZarrTypeKind.Float => FloatJson(b, format),
            ZarrTypeKind.Complex => new JsonArray(FloatJson(b[..(type.Size / 2)], format), FloatJson(b[(type.Size / 2)..], format)),
            ZarrTypeKind.Bytes when format == 3 => new JsonArray([.. Bytes.Select(x => (JsonNode?)JsonValue.Create(x))]),
            // NumPy's bytes scalars drop trailing NULs, so zarr-python encodes b"ab" for an S3 fill of "ab\0".
            ZarrTypeKind.Bytes => JsonValue.Create(Convert.ToBase64String(Bytes.AsSpan(0, Bytes.AsSpan().LastIndexOfAnyExcept((byte)0) + 1))),
            ZarrTypeKind.Unicode => JsonValue.Create(Encoding.UTF32.GetString(Bytes).TrimEnd('\0')),
            _ => JsonValue.Create(Text ?? ""),
        };
    }

    private static JsonValue FloatJson(ReadOnlySpan<byte> b, int format)
    {
        double d;
        bool canonicalNan;
        string hex;
        switch (b.Length)
        {
            case 2:
                var h = BinaryPrimitives.ReadHalfLittleEndian(b);
                d = (double)h;
                canonicalNan = BinaryPrimitives.ReadUInt16LittleEndian(b) == 0x7e00;
                hex = "0x" + BinaryPrimitives.ReadUInt16LittleEndian(b).ToString("x4", CultureInfo.InvariantCulture);
                break;
            case 4:
                d = BinaryPrimitives.ReadSingleLittleEndian(b);
                canonicalNan = BinaryPrimitives.ReadUInt32LittleEndian(b) == 0x7fc00000;
                hex = "0x" + BinaryPrimitives.ReadUInt32LittleEndian(b).ToString("x8", CultureInfo.InvariantCulture);
                break;
            default:
                d = BinaryPrimitives.ReadDoubleLittleEndian(b);
                canonicalNan = BinaryPrimitives.ReadUInt64LittleEndian(b) == 0x7ff8000000000000;
                hex = "0x" + BinaryPrimitives.ReadUInt64LittleEndian(b).ToString("x16", CultureInfo.InvariantCulture);
                break;
        }
        if (double.IsNaN(d))
        {
            return JsonValue.Create(format == 3 && !canonicalNan ? hex : "NaN");
        }
        if (double.IsInfinity(d))
        {
            return JsonValue.Create(d > 0 ? "Infinity" : "-Infinity");
        }
        return JsonValue.Create(d);
    }

    private static void WriteFloat(Span<byte> bytes, JsonNode? node, ZarrDataType type, int format)
    {
        double d;
        if (node is JsonValue v && v.TryGetValue(out string? s))
        {
            if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            {
                if (s.Length != 2 + (2 * bytes.Length) || !ulong.TryParse(s.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var bits))
                {
                    throw Bad(node, type);
                }
                switch (bytes.Length)
                {
                    case 2: BinaryPrimitives.WriteUInt16LittleEndian(bytes, (ushort)bits); break;
                    case 4: BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)bits); break;
                    default: BinaryPrimitives.WriteUInt64LittleEndian(bytes, bits); break;
                }
                return;
            }
            d = s switch
            {
                "NaN" => double.NaN,
                "Infinity" => double.PositiveInfinity,
                "-Infinity" => double.NegativeInfinity,
                _ when format == 2 && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
                _ => throw Bad(node, type),
            };
        }
        else if (node is JsonValue n && n.TryGetValue(out double x))
        {
            d = x;
        }
        else
        {
            throw Bad(node, type);
        }
        switch (bytes.Length)
        {
            case 2: BinaryPrimitives.WriteHalfLittleEndian(bytes, double.IsNaN(d) ? BitConverter.UInt16BitsToHalf(0x7e00) : (Half)d); break;
            case 4: BinaryPrimitives.WriteSingleLittleEndian(bytes, double.IsNaN(d) ? BitConverter.Int32BitsToSingle(0x7fc00000) : (float)d); break;
            default: BinaryPrimitives.WriteDoubleLittleEndian(bytes, double.IsNaN(d) ? BitConverter.Int64BitsToDouble(0x7ff8000000000000) : d); break;
        }
    }

    private static void WriteInteger(Span<byte> bytes, JsonNode node, ZarrDataType type)
    {
        Int128 value = Integer(node, type);
        Int128 min = type.Kind == ZarrTypeKind.UInt ? 0 : -(Int128.One << ((type.Size * 8) - 1));
        Int128 max = type.Kind == ZarrTypeKind.UInt ? (Int128.One << (type.Size * 8)) - 1 : (Int128.One << ((type.Size * 8) - 1)) - 1;
        if (value < min || value > max)
        {
            throw Bad(node, type);
        }
        var u = (ulong)(value & ulong.MaxValue);
        Span<byte> all = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(all, u);
        all[..type.Size].CopyTo(bytes);
    }

    private static Int128 Integer(JsonNode? node, ZarrDataType type)
    {
        if (node is JsonValue v)
        {
            if (v.TryGetValue(out long l))
            {
                return l;
            }
            if (v.TryGetValue(out ulong ul))
            {
                return ul;
            }
            if (v.TryGetValue(out double d) && d == Math.Floor(d) && Math.Abs(d) < 1e19)
            {
                return (Int128)d;
            }
        }
        throw Bad(node, type);
    }

    private static void Base64(Span<byte> bytes, JsonNode node, ZarrDataType type)
    {
        if (node is not JsonValue v || !v.TryGetValue(out string? s))
        {
            throw Bad(node, type);
        }
        var buffer = new byte[(s.Length * 3 / 4) + 3];
        if (!Convert.TryFromBase64String(s, buffer, out var n))
        {
            throw Bad(node, type);
        }
        buffer.AsSpan(0, Math.Min(n, bytes.Length)).CopyTo(bytes);
    }

    /// <summary>JSON values built in code (e.g. from an int) only convert to their own CLR type: round-trip through text.</summary>
    private static JsonNode? Normalize(JsonNode? node)
    {
        if (node is not JsonValue v || v.GetValueKind() != System.Text.Json.JsonValueKind.Number)
        {
            return node is JsonArray a ? new JsonArray([.. a.Select(x => Normalize(x?.DeepClone()))]) : node;
        }
        if (v.TryGetValue(out double d) && !double.IsFinite(d))
        {
            return JsonValue.Create(double.IsNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
        }
        return JsonNode.Parse(v.ToJsonString());
    }

    private static ZarrMetadataException Bad(JsonNode? node, ZarrDataType type)
        => new($"fill_value {node?.ToJsonString() ?? "null"} is not valid for data type '{(type.Kind == ZarrTypeKind.String ? "string" : type.V2Name)}'");

    /// <summary>Writes the fill into every element of <paramref name="buffer"/>.</summary>
    public void FillBuffer(Span<byte> buffer)
    {
        if (IsZero)
        {
            buffer.Clear();
            return;
        }
        switch (Bytes.Length)
        {
            case 1: buffer.Fill(Bytes[0]); break;
            case 2: MemoryMarshal.Cast<byte, ushort>(buffer).Fill(BitConverter.ToUInt16(Bytes)); break;
            case 4: MemoryMarshal.Cast<byte, uint>(buffer).Fill(BitConverter.ToUInt32(Bytes)); break;
            case 8: MemoryMarshal.Cast<byte, ulong>(buffer).Fill(BitConverter.ToUInt64(Bytes)); break;
            case 16: MemoryMarshal.Cast<byte, Int128>(buffer).Fill(MemoryMarshal.Read<Int128>(Bytes)); break;
            default:
                for (var i = 0; i + Bytes.Length <= buffer.Length; i += Bytes.Length)
                {
                    Bytes.CopyTo(buffer[i..]);
                }
                break;
        }
    }

    /// <summary>True when every element of <paramref name="buffer"/> equals the fill (bitwise).</summary>
    public bool IsAllFill(ReadOnlySpan<byte> buffer)
    {
        if (IsZero)
        {
            return buffer.IndexOfAnyExcept((byte)0) < 0;
        }
        switch (Bytes.Length)
        {
            case 1: return buffer.IndexOfAnyExcept(Bytes[0]) < 0;
            case 2: return MemoryMarshal.Cast<byte, ushort>(buffer).IndexOfAnyExcept(BitConverter.ToUInt16(Bytes)) < 0;
            case 4: return MemoryMarshal.Cast<byte, uint>(buffer).IndexOfAnyExcept(BitConverter.ToUInt32(Bytes)) < 0;
            case 8: return MemoryMarshal.Cast<byte, ulong>(buffer).IndexOfAnyExcept(BitConverter.ToUInt64(Bytes)) < 0;
            default:
                for (var i = 0; i + Bytes.Length <= buffer.Length; i += Bytes.Length)
                {
                    if (!buffer.Slice(i, Bytes.Length).SequenceEqual(Bytes))
                    {
                        return false;
                    }
                }
                return true;
        }
    }
}
