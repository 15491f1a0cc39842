using System.Globalization;
using System.Numerics;

namespace Greyhub.Zarr;

/// <summary>The kind of a Zarr element.</summary>
public enum ZarrTypeKind
{
    /// <summary>Boolean, one byte 0 or 1.</summary>
    Bool,
    /// <summary>Signed integer.</summary>
    Int,
    /// <summary>Unsigned integer.</summary>
    UInt,
    /// <summary>IEEE float (16, 32 or 64 bits).</summary>
    Float,
    /// <summary>Complex of two floats.</summary>
    Complex,
    /// <summary>Fixed-width raw bytes (v2 <c>|S</c>/<c>|V</c>, v3 <c>r&lt;N&gt;</c>).</summary>
    Bytes,
    /// <summary>Fixed-width UTF-32 text (v2 <c>&lt;U</c>).</summary>
    Unicode,
    /// <summary>Variable-length UTF-8 text (v3 <c>string</c>).</summary>
    String,
    /// <summary>NumPy <c>datetime64</c> (v2 <c>&lt;M8[unit]</c>): int64 counts of <see cref="ZarrDataType.TimeUnit"/> since 1970-01-01, <see cref="ZarrTime.NaT"/> for not-a-time.</summary>
    DateTime,
    /// <summary>NumPy <c>timedelta64</c> (v2 <c>&lt;m8[unit]</c>): int64 counts of <see cref="ZarrDataType.TimeUnit"/>, <see cref="ZarrTime.NaT"/> for not-a-time.</summary>
    TimeDelta,
}

/// <summary>An element type: kind, size in bytes and stored byte order (elements in memory are always little-endian).</summary>
/// <param name="Kind">The kind.</param>
/// <param name="Size">Bytes per element in memory (0 for variable-length strings).</param>
/// <param name="BigEndian">True when a v2 dtype stores elements big-endian.</param>
public sealed record ZarrDataType(ZarrTypeKind Kind, int Size, bool BigEndian = false)
{
    /// <summary>The unit of a datetime64/timedelta64 type as NumPy spells it (<c>ns</c>, <c>s</c>, <c>D</c>, <c>10ms</c>), else null.</summary>
    public string? TimeUnit { get; init; }

    /// <summary>The size of the unit that byte order applies to (the component of a complex, the code unit of text).</summary>
    public int SwapUnit => Kind switch
    {
        ZarrTypeKind.Complex => Size / 2,
        ZarrTypeKind.Unicode => 4,
        ZarrTypeKind.Bytes or ZarrTypeKind.Bool or ZarrTypeKind.String => 1,
        _ => Size,
    };

    /// <summary>The v3 <c>data_type</c> name.</summary>
    public string V3Name => Kind switch
    {
        ZarrTypeKind.Bool => "bool",
        ZarrTypeKind.Int => "int" + (Size * 8).ToString(CultureInfo.InvariantCulture),
        ZarrTypeKind.UInt => "uint" + (Size * 8).ToString(CultureInfo.InvariantCulture),
        ZarrTypeKind.Float => "float" + (Size * 8).ToString(CultureInfo.InvariantCulture),
        ZarrTypeKind.Complex => "complex" + (Size * 8).ToString(CultureInfo.InvariantCulture),
        ZarrTypeKind.Bytes => "r" + (Size * 8).ToString(CultureInfo.InvariantCulture),
        ZarrTypeKind.String => "string",
        _ => throw new ZarrUnsupportedException($"data type '{V2Name}' has no v3 equivalent"),
    };

    /// <summary>The v2 NumPy typestr.</summary>
    public string V2Name
    {
        get
        {
            var order = Size == 1 || Kind is ZarrTypeKind.Bytes or ZarrTypeKind.Bool ? '|' : BigEndian ? '>' : '<';
            var n = (Kind == ZarrTypeKind.Unicode ? Size / 4 : Size).ToString(CultureInfo.InvariantCulture);
            return Kind switch
            {
                ZarrTypeKind.Bool => "|b1",
                ZarrTypeKind.Int => $"{order}i{n}",
                ZarrTypeKind.UInt => $"{order}u{n}",
                ZarrTypeKind.Float => $"{order}f{n}",
                ZarrTypeKind.Complex => $"{order}c{n}",
                ZarrTypeKind.Bytes => $"|S{n}",
                ZarrTypeKind.Unicode => $"{(BigEndian ? '>' : '<')}U{n}",
                ZarrTypeKind.DateTime => $"{order}M8[{TimeUnit}]",
                ZarrTypeKind.TimeDelta => $"{order}m8[{TimeUnit}]",
                _ => "|O",
            };
        }
    }

    /// <summary>A name for messages and codec contexts: the v3 name, or the v2 typestr when there is no v3 one.</summary>
    internal string Name => Kind switch
    {
        ZarrTypeKind.String => "string",
        ZarrTypeKind.Unicode or ZarrTypeKind.DateTime or ZarrTypeKind.TimeDelta => V2Name,
        _ => V3Name,
    };

    /// <summary>The natural CLR element type, or null when there is none (complex64, text, raw bytes).</summary>
    public Type? ClrType => (Kind, Size) switch
    {
        (ZarrTypeKind.Bool, _) => typeof(bool),
        (ZarrTypeKind.Int, 1) => typeof(sbyte),
        (ZarrTypeKind.Int, 2) => typeof(short),
        (ZarrTypeKind.Int, 4) => typeof(int),
        (ZarrTypeKind.Int, 8) => typeof(long),
        (ZarrTypeKind.DateTime or ZarrTypeKind.TimeDelta, _) => typeof(long),
        (ZarrTypeKind.UInt, 1) => typeof(byte),
        (ZarrTypeKind.UInt, 2) => typeof(ushort),
        (ZarrTypeKind.UInt, 4) => typeof(uint),
        (ZarrTypeKind.UInt, 8) => typeof(ulong),
        (ZarrTypeKind.Float, 2) => typeof(Half),
        (ZarrTypeKind.Float, 4) => typeof(float),
        (ZarrTypeKind.Float, 8) => typeof(double),
        (ZarrTypeKind.Complex, 16) => typeof(Complex),
        _ => null,
    };

    /// <summary>Parses a v3 <c>data_type</c>.</summary>
    public static ZarrDataType FromV3(string name) => name switch
    {
        "bool" => new(ZarrTypeKind.Bool, 1),
        "int8" => new(ZarrTypeKind.Int, 1),
        "int16" => new(ZarrTypeKind.Int, 2),
        "int32" => new(ZarrTypeKind.Int, 4),
        "int64" => new(ZarrTypeKind.Int, 8),
        "uint8" => new(ZarrTypeKind.UInt, 1),
        "uint16" => new(ZarrTypeKind.UInt, 2),
        "uint32" => new(ZarrTypeKind.UInt, 4),
        "uint64" => new(ZarrTypeKind.UInt, 8),
        "float16" => new(ZarrTypeKind.Float, 2),
        "float32" => new(ZarrTypeKind.Float, 4),
        "float64" => new(ZarrTypeKind.Float, 8),
        "complex64" => new(ZarrTypeKind.Complex, 8),
        "complex128" => new(ZarrTypeKind.Complex, 16),
        "string" => new(ZarrTypeKind.String, 0),
        _ when name.Length > 1 && name[0] == 'r' && int.TryParse(name.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var bits)
            && bits > 0 && bits % 8 == 0 => new(ZarrTypeKind.Bytes, bits / 8),
        _ => throw new ZarrUnsupportedException($"unsupported data type '{name}'"),
    };

    /// <summary>Parses a v2 NumPy typestr such as <c>&lt;f8</c>, <c>&gt;i2</c>, <c>|b1</c>, <c>|S12</c>, <c>&lt;U5</c>.</summary>
    public static ZarrDataType FromV2(string dtype)
    {
        if (dtype.Length < 3 || dtype[0] is not ('<' or '>' or '|' or '='))
        {
            throw new ZarrUnsupportedException($"unsupported dtype '{dtype}'");
        }
        if (dtype[1] is 'M' or 'm')
        {
            return Time(dtype);
        }
        if (!int.TryParse(dtype.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n <= 0 || n > 1 << 20)
        {
            throw new ZarrUnsupportedException($"unsupported dtype '{dtype}'");
        }
        var big = dtype[0] == '>';
        ZarrDataType? t = (dtype[1], n) switch
        {
            ('b', 1) => new(ZarrTypeKind.Bool, 1),
            ('i', 1 or 2 or 4 or 8) => new(ZarrTypeKind.Int, n, big && n > 1),
            ('u', 1 or 2 or 4 or 8) => new(ZarrTypeKind.UInt, n, big && n > 1),
            ('f', 2 or 4 or 8) => new(ZarrTypeKind.Float, n, big),
            ('c', 8 or 16) => new(ZarrTypeKind.Complex, n, big),
            ('S' or 'V', _) => new(ZarrTypeKind.Bytes, n),
            ('U', _) => new(ZarrTypeKind.Unicode, checked(n * 4), big),
            _ => null,
        };
        return t ?? throw new ZarrUnsupportedException($"unsupported dtype '{dtype}'");
    }

    /// <summary>Parses <c>&lt;M8[unit]</c> / <c>&lt;m8[unit]</c> (xarray and pandas write <c>&lt;M8[ns]</c>).</summary>
    private static ZarrDataType Time(string dtype)
    {
        var body = dtype.AsSpan(2);
        if (!body.StartsWith("8[") || body[^1] != ']' || !ZarrTime.IsUnit(body[2..^1].ToString()))
        {
            throw new ZarrUnsupportedException($"unsupported dtype '{dtype}' (datetime64/timedelta64 need a unit, e.g. <M8[ns])");
        }
        return new(dtype[1] == 'M' ? ZarrTypeKind.DateTime : ZarrTypeKind.TimeDelta, 8, dtype[0] == '>') { TimeUnit = body[2..^1].ToString() };
    }

    /// <summary>True when elements of <typeparamref name="T"/> can stand for elements of this type.</summary>
    internal bool Accepts<T>() where T : unmanaged
    {
        if (Kind == ZarrTypeKind.String || System.Runtime.CompilerServices.Unsafe.SizeOf<T>() != Size)
        {
            return false;
        }
        var natural = ClrType;
        if (natural == typeof(T) || typeof(T) == typeof(byte) && Size == 1)
        {
            return true;
        }
        // A primitive of the right size but the wrong kind is a mistake (reading floats as ints); a user struct is a reinterpretation.
        return natural is null ? !typeof(T).IsPrimitive || Kind is ZarrTypeKind.Bytes : !typeof(T).IsPrimitive && typeof(T) != typeof(Half) && typeof(T) != typeof(Complex);
    }
}
