using System.Buffers;
using System.Text.Json.Nodes;

namespace Greyhub.Zarr.Codecs;

/// <summary>Base of numcodecs filters that map each element of <c>dtype</c> to one element of <c>astype</c>.</summary>
internal abstract class ElementwiseCodec(ZarrDataType dtype, ZarrDataType astype) : ZarrBytesCodec
{
    protected ZarrDataType Dtype { get; } = dtype;

    protected ZarrDataType Astype { get; } = astype;

    /// <summary>The element type of the encoded values (what a v3 codec chain's next codec sees).</summary>
    internal ZarrDataType EncodedType => Astype;

    public override void Encode(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        var n = Elements.Count(source.Length, Dtype.Size, Name);
        var size = n * Astype.Size;
        var dst = destination.GetSpan(Math.Max(1, size))[..size];
        for (var i = 0; i < n; i++)
        {
            EncodeOne(source.Slice(i * Dtype.Size, Dtype.Size), dst.Slice(i * Astype.Size, Astype.Size));
        }
        destination.Advance(size);
    }

    public override int Decode(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        var n = Elements.Count(source.Length, Astype.Size, Name);
        if ((long)n * Dtype.Size != destination.Length)
        {
            throw new ZarrCodecException($"{Name}: {n} elements, expected {destination.Length / Dtype.Size}");
        }
        for (var i = 0; i < n; i++)
        {
            DecodeOne(source.Slice(i * Astype.Size, Astype.Size), destination.Slice(i * Dtype.Size, Dtype.Size));
        }
        return destination.Length;
    }

    public override int? GetDecodedLength(ReadOnlySpan<byte> source) => source.Length / Astype.Size * Dtype.Size;

    public override int? ComputeEncodedSize(int decodedLength) => decodedLength / Dtype.Size * Astype.Size;

    public override JsonObject ToV3()
    {
        var v2 = ToV2()!;
        v2.Remove("id");
        return JsonConfig.V3("numcodecs." + Name, v2);
    }

    protected abstract void EncodeOne(ReadOnlySpan<byte> value, Span<byte> encoded);

    protected abstract void DecodeOne(ReadOnlySpan<byte> encoded, Span<byte> value);

    /// <summary>Rounds to the precision NumPy computes in for an array of <paramref name="t"/> with Python scalars
    /// (the array's float type; float64 for integer arrays). Double arithmetic then rounding to float32/float16
    /// is exactly float arithmetic for + - * /.</summary>
    protected static double In(ZarrDataType t, double v) => t.Kind != ZarrTypeKind.Float ? v : t.Size switch
    {
        2 => (double)(Half)v,
        4 => (float)v,
        _ => v,
    };

    protected static double Number(JsonObject? o, string key, double fallback, string codec)
    {
        var node = o?[key];
        if (node is null)
        {
            return fallback;
        }
        return node is JsonValue v && v.TryGetValue(out double d) ? d
            : throw new ZarrCodecException($"codec '{codec}': '{key}' must be a number, not {node.ToJsonString()}");
    }

    /// <summary>A number as configured (1000 stays 1000, 100.0 stays 100.0, as zarr-python writes them back).</summary>
    protected static JsonNode NumberJson(JsonObject? o, string key, double d)
        => o?[key] is JsonValue v ? JsonNode.Parse(v.ToJsonString())! : d == Math.Floor(d) && Math.Abs(d) < 1e15 ? JsonValue.Create((long)d) : JsonValue.Create(d);
}

/// <summary>numcodecs <c>fixedscaleoffset</c>: <c>round((x - offset) * scale)</c> stored as <c>astype</c>.</summary>
internal sealed class FixedScaleOffsetCodec(double offset, double scale, ZarrDataType dtype, ZarrDataType astype, JsonObject? configuration) : ElementwiseCodec(dtype, astype)
{
    private readonly JsonNode _scaleJson = NumberJson(configuration, "scale", scale);
    private readonly JsonNode _offsetJson = NumberJson(configuration, "offset", offset);

    public override string Name => "fixedscaleoffset";

    public static ZarrBytesCodec Create(JsonObject? c, ZarrCodecContext context)
    {
        var dtype = Elements.Type(c, "dtype", "fixedscaleoffset", Elements.OfContext(context));
        var astype = Elements.Type(c, "astype", "fixedscaleoffset", dtype);
        if (!Elements.IsNumeric(dtype) || !Elements.IsNumeric(astype))
        {
            throw new ZarrUnsupportedException($"fixedscaleoffset between '{dtype.V2Name}' and '{astype.V2Name}' is not supported");
        }
        var scale = Number(c, "scale", double.NaN, "fixedscaleoffset");
        var offset = Number(c, "offset", double.NaN, "fixedscaleoffset");
        if (double.IsNaN(scale) || double.IsNaN(offset) || scale == 0)
        {
            throw new ZarrCodecException("fixedscaleoffset needs a non-zero 'scale' and an 'offset'");
        }
        return new FixedScaleOffsetCodec(offset, scale, dtype, astype, c);
    }

    protected override void EncodeOne(ReadOnlySpan<byte> value, Span<byte> encoded)
    {
        var x = Elements.ReadDouble(value, Dtype);
        var y = In(Dtype, In(Dtype, x - In(Dtype, offset)) * In(Dtype, scale));
        Elements.WriteDouble(encoded, Astype, Math.Round(y, MidpointRounding.ToEven));
    }

    protected override void DecodeOne(ReadOnlySpan<byte> encoded, Span<byte> value)
    {
        // Integer / Python float is float64 in NumPy; a float astype keeps its own precision.
        var e = Elements.ReadDouble(encoded, Astype);
        Elements.WriteDouble(value, Dtype, In(Astype, In(Astype, e / In(Astype, scale)) + In(Astype, offset)));
    }

    public override JsonObject? ToV2() => new()
    {
        ["id"] = Name, ["scale"] = _scaleJson.DeepClone(), ["offset"] = _offsetJson.DeepClone(), ["dtype"] = Dtype.V2Name, ["astype"] = Astype.V2Name,
    };
}

/// <summary>numcodecs <c>quantize</c>: keeps <c>digits</c> decimal digits by rounding to a power-of-two grid.</summary>
internal sealed class QuantizeCodec : ElementwiseCodec
{
    private readonly int _digits;
    private readonly double _scale;

    private QuantizeCodec(int digits, ZarrDataType dtype, ZarrDataType astype) : base(dtype, astype)
    {
        _digits = digits;
        // The same steps as numcodecs, so the grid is the same power of two.
        var precision = Math.Pow(10, -digits);
        var exp = Math.Log(precision) / Math.Log(10);
        var e = exp < 0 ? (int)Math.Floor(exp) : (int)Math.Ceiling(exp);
        var bits = Math.Ceiling(Math.Log(Math.Pow(10, -e)) / Math.Log(2));
        _scale = Math.Pow(2, bits);
    }

    public override string Name => "quantize";

    public static ZarrBytesCodec Create(JsonObject? c, ZarrCodecContext context)
    {
        var dtype = Elements.Type(c, "dtype", "quantize", Elements.OfContext(context));
        var astype = Elements.Type(c, "astype", "quantize", dtype);
        if (dtype.Kind != ZarrTypeKind.Float || astype.Kind != ZarrTypeKind.Float)
        {
            throw new ZarrCodecException($"quantize needs float dtype and astype, not '{dtype.V2Name}' and '{astype.V2Name}'");
        }
        var digits = JsonConfig.GetInt(c, "digits", int.MinValue, "quantize");
        return digits == int.MinValue ? throw new ZarrCodecException("quantize needs 'digits'") : new QuantizeCodec(digits, dtype, astype);
    }

    protected override void EncodeOne(ReadOnlySpan<byte> value, Span<byte> encoded)
    {
        var x = Elements.ReadDouble(value, Dtype);
        var r = Math.Round(In(Dtype, In(Dtype, _scale) * x), MidpointRounding.ToEven);
        Elements.WriteDouble(encoded, Astype, In(Dtype, r / In(Dtype, _scale)));
    }

    protected override void DecodeOne(ReadOnlySpan<byte> encoded, Span<byte> value) => Elements.Convert(encoded, Astype, value, Dtype);

    public override JsonObject? ToV2() => new() { ["id"] = Name, ["digits"] = _digits, ["dtype"] = Dtype.V2Name, ["astype"] = Astype.V2Name };
}

/// <summary>numcodecs <c>astype</c>: stores <c>decode_dtype</c> values converted to <c>encode_dtype</c>.</summary>
internal sealed class AsTypeCodec(ZarrDataType decodeType, ZarrDataType encodeType) : ElementwiseCodec(decodeType, encodeType)
{
    public override string Name => "astype";

    public static ZarrBytesCodec Create(JsonObject? c, ZarrCodecContext context)
    {
        var decode = Elements.Type(c, "decode_dtype", "astype", Elements.OfContext(context));
        var encode = Elements.Type(c, "encode_dtype", "astype", null);
        if (!Elements.IsNumeric(decode) || !Elements.IsNumeric(encode))
        {
            throw new ZarrUnsupportedException($"astype between '{decode.V2Name}' and '{encode.V2Name}' is not supported");
        }
        return new AsTypeCodec(decode, encode);
    }

    protected override void EncodeOne(ReadOnlySpan<byte> value, Span<byte> encoded) => Elements.Convert(value, Dtype, encoded, Astype);

    protected override void DecodeOne(ReadOnlySpan<byte> encoded, Span<byte> value) => Elements.Convert(encoded, Astype, value, Dtype);

    public override JsonObject? ToV2() => new() { ["id"] = Name, ["encode_dtype"] = Astype.V2Name, ["decode_dtype"] = Dtype.V2Name };
}
