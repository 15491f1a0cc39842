using System.Buffers.Binary;
using System.Globalization;
using System.CommandLine;
using System.Text;
using System.Text.Json;

namespace Greyhub.Zarr.Tools;

/// <summary><c>zarr cat</c>: the values of an array (or a region) as nested JSON lists.</summary>
internal static class CatCommand
{
    private const long MaxElements = 50_000_000;

    public static Command Create()
    {
        var source = ZarrCommand.Source();
        var path = ZarrCommand.NodePath();
        var region = new Option<string?>("--region") { Description = "NumPy-style selection, e.g. 0:10,5:7 or ::2,3." };
        var command = new Command("cat", "Print the values of an array (or a region of it) as JSON.") { source, path, region };
        command.SetAction((parse, ct) => ZarrCommand.RunAsync(parse, async (output, token) =>
        {
            using var opener = new StoreOpener();
            var array = await ZarrArray.OpenAsync(opener.Open(parse.GetRequiredValue(source)), parse.GetValue(path) ?? "", cancellationToken: token);
            var regionText = parse.GetValue(region) ?? "";
            var selection = ZarrSlice.Parse(regionText);
            var counts = Counts(array, selection);
            var shape = NumpyShape(array, regionText, selection, counts);
            var total = counts.Aggregate(1L, (a, b) => a * b);
            if (total > MaxElements)
            {
                throw new ZarrShapeException($"the selection has {total} elements; pick a smaller --region (at most {MaxElements})");
            }
            var stream = new MemoryStream();
            using (var json = new Utf8JsonWriter(stream))
            {
                if (array.DataType.Kind is ZarrTypeKind.String or ZarrTypeKind.Unicode or ZarrTypeKind.Bytes)
                {
                    var strings = await array.ReadStringsAsync(selection, token);
                    Nest(json, shape, 0, 0, (w, i) => w.WriteStringValue(strings[i]));
                }
                else
                {
                    var size = array.DataType.Size;
                    var bytes = new byte[total * size];
                    await array.ReadBytesAsync(selection, bytes, token);
                    Nest(json, shape, 0, 0, (w, i) => WriteElement(w, array.DataType, bytes.AsSpan((int)i * size, size)));
                }
            }
            await output.WriteLineAsync(Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length));
        }, ct));
        return command;
    }

    /// <summary>
    /// The shape NumPy gives <c>a[region]</c>: an integer index drops its axis (a slice keeps it, even of length 1),
    /// and an index outside the axis is an error, as NumPy's IndexError.
    /// </summary>
    private static long[] NumpyShape(ZarrArray array, string regionText, ZarrSlice[] selection, long[] counts)
    {
        if (selection.Length > counts.Length)
        {
            throw new ZarrShapeException($"too many indices: the array has {counts.Length} dimensions but --region has {selection.Length}");
        }
        var parts = regionText.Length == 0 ? [] : regionText.Split(',');
        var kept = new List<long>();
        for (var d = 0; d < counts.Length; d++)
        {
            if (d < parts.Length && !parts[d].Contains(':', StringComparison.Ordinal))
            {
                var index = selection[d].Start!.Value;
                var n = array.Shape[d];
                if (index < -n || index >= n)
                {
                    throw new ZarrShapeException($"index {index} is out of bounds for axis {d} with size {n}");
                }
                continue;
            }
            kept.Add(counts[d]);
        }
        return [.. kept];
    }

    /// <summary>The selection's shape (what the array would return), from the parsed slices.</summary>
    private static long[] Counts(ZarrArray array, ZarrSlice[] selection)
    {
        var counts = new long[array.Shape.Count];
        for (var d = 0; d < counts.Length; d++)
        {
            var s = d < selection.Length ? selection[d] : ZarrSlice.All;
            var n = array.Shape[d];
            var start = s.Start is { } a ? (a < 0 ? a + n : a) : 0;
            var stop = s.Stop is { } b ? (b < 0 ? b + n : b) : n;
            start = Math.Clamp(start, 0, n);
            stop = Math.Clamp(stop, start, n);
            var step = Math.Max(1, s.Step);
            counts[d] = stop <= start ? 0 : ((stop - start - 1) / step) + 1;
        }
        return counts;
    }

    private static long Nest(Utf8JsonWriter json, long[] counts, int dim, long index, Action<Utf8JsonWriter, long> element)
    {
        if (dim == counts.Length)
        {
            element(json, index);
            return index + 1;
        }
        json.WriteStartArray();
        for (var i = 0; i < counts[dim]; i++)
        {
            index = Nest(json, counts, dim + 1, index, element);
        }
        json.WriteEndArray();
        return index;
    }

    private static void WriteElement(Utf8JsonWriter json, ZarrDataType type, ReadOnlySpan<byte> e)
    {
        switch (type.Kind, type.Size)
        {
            case (ZarrTypeKind.Bool, _): json.WriteBooleanValue(e[0] != 0); break;
            case (ZarrTypeKind.DateTime, _):
                // ISO 8601 as NumPy prints it; NaT as null.
                if (ZarrTime.ToDateTime(BinaryPrimitives.ReadInt64LittleEndian(e), type.TimeUnit!) is { } t) { json.WriteStringValue(t.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture)); } else { json.WriteNullValue(); }
                break;
            case (ZarrTypeKind.TimeDelta, _):
                var d = BinaryPrimitives.ReadInt64LittleEndian(e);
                if (d == ZarrTime.NaT) { json.WriteNullValue(); } else { json.WriteNumberValue(d); }
                break;
            case (ZarrTypeKind.Int, 1): json.WriteNumberValue((sbyte)e[0]); break;
            case (ZarrTypeKind.Int, 2): json.WriteNumberValue(BinaryPrimitives.ReadInt16LittleEndian(e)); break;
            case (ZarrTypeKind.Int, 4): json.WriteNumberValue(BinaryPrimitives.ReadInt32LittleEndian(e)); break;
            case (ZarrTypeKind.Int, _): json.WriteNumberValue(BinaryPrimitives.ReadInt64LittleEndian(e)); break;
            case (ZarrTypeKind.UInt, 1): json.WriteNumberValue(e[0]); break;
            case (ZarrTypeKind.UInt, 2): json.WriteNumberValue(BinaryPrimitives.ReadUInt16LittleEndian(e)); break;
            case (ZarrTypeKind.UInt, 4): json.WriteNumberValue(BinaryPrimitives.ReadUInt32LittleEndian(e)); break;
            case (ZarrTypeKind.UInt, _): json.WriteNumberValue(BinaryPrimitives.ReadUInt64LittleEndian(e)); break;
            case (ZarrTypeKind.Float, _): Float(json, e); break;
            case (ZarrTypeKind.Complex, _):
                json.WriteStartArray();
                Float(json, e[..(e.Length / 2)]);
                Float(json, e[(e.Length / 2)..]);
                json.WriteEndArray();
                break;
            default: json.WriteBase64StringValue(e); break;
        }
    }

    private static void Float(Utf8JsonWriter json, ReadOnlySpan<byte> e)
    {
        double v = e.Length switch
        {
            2 => (double)BinaryPrimitives.ReadHalfLittleEndian(e),
            4 => BinaryPrimitives.ReadSingleLittleEndian(e),
            _ => BinaryPrimitives.ReadDoubleLittleEndian(e),
        };
        if (double.IsFinite(v))
        {
            if (e.Length == 4)
            {
                // Shortest text that round-trips the float32, not its widened double.
                json.WriteNumberValue(BinaryPrimitives.ReadSingleLittleEndian(e));
            }
            else
            {
                json.WriteNumberValue(v);
            }
        }
        else
        {
            json.WriteStringValue(double.IsNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity");
        }
    }
}
