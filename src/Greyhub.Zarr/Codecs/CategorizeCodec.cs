using System.Buffers;
using System.Text;
using System.Text.Json.Nodes;

namespace Greyhub.Zarr.Codecs;

/// <summary>
/// numcodecs <c>categorize</c>: each text value stored as its 1-based index in <c>labels</c> (0 for any other value,
/// which decodes to the empty string), as unsigned integers of <c>astype</c>. Over fixed-width <c>&lt;U</c> arrays it is
/// a bytes codec; over <c>|O</c> arrays it is the object codec that turns strings into bytes (see <see cref="EncodeStrings"/>).
/// </summary>
internal sealed class CategorizeCodec : ZarrBytesCodec
{
    private readonly string[] _labels;
    private readonly ZarrDataType? _text;
    private readonly ZarrDataType _astype;
    private readonly byte[][] _utf32;
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);

    private CategorizeCodec(string[] labels, ZarrDataType? text, ZarrDataType astype)
    {
        _labels = labels;
        _text = text;
        _astype = astype;
        for (var i = labels.Length - 1; i >= 0; i--)
        {
            _index[labels[i]] = i + 1;
        }
        // NumPy stores a label into a <Un element truncated or NUL-padded to n characters.
        _utf32 = text is null ? [] : [.. labels.Select(l => { var b = new byte[text.Size]; var u = Encoding.UTF32.GetBytes(l); u.AsSpan(0, Math.Min(u.Length, b.Length)).CopyTo(b); return b; })];
    }

    public override string Name => "categorize";

    /// <summary>True when the codec serves an object (<c>|O</c>) array, as its object codec.</summary>
    public bool IsObjectCodec => _text is null;

    public int EncodedElementSize => _astype.Size;

    public static CategorizeCodec Create(JsonObject? c, ZarrCodecContext context)
    {
        var dtypeName = JsonConfig.GetString(c, "dtype", "categorize") ?? (context.DataType == "string" ? "|O" : context.DataType);
        ZarrDataType? text = dtypeName == "|O" ? null : Elements.Type(c, "dtype", "categorize", Elements.OfContext(context));
        if (text is not null && text.Kind != ZarrTypeKind.Unicode)
        {
            throw new ZarrUnsupportedException($"categorize over dtype '{text.V2Name}' is not supported (only <U and |O)");
        }
        var astype = JsonConfig.GetString(c, "astype", "categorize") is { } a ? ZarrDataType.FromV2(a) : new ZarrDataType(ZarrTypeKind.UInt, 1);
        if (astype.Kind is not (ZarrTypeKind.UInt or ZarrTypeKind.Int))
        {
            throw new ZarrCodecException($"categorize astype must be an integer dtype, not '{astype.V2Name}'");
        }
        if (c?["labels"] is not JsonArray list || list.Any(l => l is not JsonValue v || !v.TryGetValue(out string? _)))
        {
            throw new ZarrCodecException("categorize needs 'labels', a list of strings");
        }
        return new CategorizeCodec([.. list.Select(l => (string)l!)], text, astype);
    }

    public override void Encode(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        var text = _text ?? throw new ZarrUnsupportedException("categorize over |O arrays encodes strings");
        var n = Elements.Count(source.Length, text.Size, Name);
        var dst = destination.GetSpan(Math.Max(1, n * _astype.Size))[..(n * _astype.Size)];
        for (var i = 0; i < n; i++)
        {
            var value = Encoding.UTF32.GetString(source.Slice(i * text.Size, text.Size)).TrimEnd('\0');
            Elements.WriteInteger(dst.Slice(i * _astype.Size, _astype.Size), _astype, _index.GetValueOrDefault(value));
        }
        destination.Advance(n * _astype.Size);
    }

    public override int Decode(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        var text = _text ?? throw new ZarrUnsupportedException("categorize over |O arrays decodes strings");
        var n = Elements.Count(source.Length, _astype.Size, Name);
        if ((long)n * text.Size != destination.Length)
        {
            throw new ZarrCodecException($"categorize: {n} elements, expected {destination.Length / text.Size}");
        }
        destination.Clear();
        for (var i = 0; i < n; i++)
        {
            var k = Elements.ReadInteger(source.Slice(i * _astype.Size, _astype.Size), _astype);
            if (k >= 1 && k <= _labels.Length)
            {
                _utf32[(int)k - 1].CopyTo(destination.Slice(i * text.Size, text.Size));
            }
        }
        return destination.Length;
    }

    /// <summary>Encodes an object array's strings (the object codec role).</summary>
    public void EncodeStrings(ReadOnlySpan<string> values, IBufferWriter<byte> destination)
    {
        var size = values.Length * _astype.Size;
        var dst = destination.GetSpan(Math.Max(1, size))[..size];
        for (var i = 0; i < values.Length; i++)
        {
            Elements.WriteInteger(dst.Slice(i * _astype.Size, _astype.Size), _astype, _index.GetValueOrDefault(values[i] ?? ""));
        }
        destination.Advance(size);
    }

    /// <summary>Decodes an object array's strings (the object codec role).</summary>
    public void DecodeStrings(ReadOnlySpan<byte> source, string[] values)
    {
        if (source.Length != values.Length * _astype.Size)
        {
            throw new ZarrCodecException($"categorize: {source.Length} bytes, expected {values.Length} elements of {_astype.Size}");
        }
        for (var i = 0; i < values.Length; i++)
        {
            var k = Elements.ReadInteger(source.Slice(i * _astype.Size, _astype.Size), _astype);
            values[i] = k >= 1 && k <= _labels.Length ? _labels[(int)k - 1] : "";
        }
    }

    public override int? GetDecodedLength(ReadOnlySpan<byte> source) => _text is null ? null : source.Length / _astype.Size * _text.Size;

    public override int? ComputeEncodedSize(int decodedLength) => _text is null ? null : decodedLength / _text.Size * _astype.Size;

    public override JsonObject ToV3()
    {
        var v2 = ToV2()!;
        v2.Remove("id");
        return JsonConfig.V3("numcodecs.categorize", v2);
    }

    public override JsonObject? ToV2() => new()
    {
        ["id"] = Name, ["labels"] = new JsonArray([.. _labels.Select(l => (JsonNode?)l)]), ["dtype"] = _text?.V2Name ?? "|O", ["astype"] = _astype.V2Name,
    };
}
