using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Nodes;
using Greyhub.Zarr;

namespace Greyhub.Data.Access.QuickLook;

/// <summary>
/// Reads the 2-D slice of a quick look with Greyhub.Zarr: the last two dimensions as the image, the leading ones at a
/// fixed index, both image axes read with one stride so that the longer side fits the image. The reader decodes only
/// the chunks holding a sampled element, and what those cost is counted before anything is read.
/// </summary>
internal static class QuickLookSlice
{
    /// <summary>The stride that fits the longer image side in <paramref name="maxPixels"/>.</summary>
    public static int StrideFor(long rows, long columns, int maxPixels) => (int)Math.Max(1, (Math.Max(rows, columns) + maxPixels - 1) / maxPixels);

    /// <summary>Decoded bytes the strided read costs: the chunks it touches times a chunk's size.</summary>
    public static double DecodedBytes(ZarrArray array, int stride)
    {
        var chunks = array.InnerChunkShape ?? array.ChunkShape;
        var n = array.Shape.Count;
        double touched = Touched(array.Shape[n - 2], chunks[n - 2], stride) * (double)Touched(array.Shape[n - 1], chunks[n - 1], stride);
        var chunkBytes = chunks.Aggregate(1.0, (a, c) => a * c) * array.DataType.Size;
        return touched * chunkBytes;
    }

    /// <summary>Reads the slice as doubles, row-major (rows, columns).</summary>
    public static async Task<double[]> ReadAsync(ZarrArray array, IReadOnlyList<long> index, int stride, CancellationToken cancellationToken)
    {
        var n = array.Shape.Count;
        var selection = new ZarrSlice[n];
        for (var d = 0; d < n - 2; d++)
        {
            selection[d] = ZarrSlice.At(index[d]);
        }
        selection[n - 2] = new ZarrSlice(0, array.Shape[n - 2], stride);
        selection[n - 1] = new ZarrSlice(0, array.Shape[n - 1], stride);
        var count = Samples(array.Shape[n - 2], stride) * Samples(array.Shape[n - 1], stride);
        var size = array.DataType.Size;
        var bytes = new byte[count * size];
        await array.ReadBytesAsync(selection, bytes, cancellationToken);
        var values = new double[count];
        var type = array.DataType;
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = Element(type, bytes.AsSpan(i * size, size));
        }
        return values;
    }

    /// <summary>How many elements a stride samples from a dimension of <paramref name="length"/>.</summary>
    public static int Samples(long length, int stride) => (int)((length + stride - 1) / stride);

    /// <summary>
    /// The values that mean "no data": the array's fill value and CF's <c>_FillValue</c> and <c>missing_value</c>
    /// attributes (NaN is always missing).
    /// </summary>
    public static HashSet<double> Missing(ZarrArray array)
    {
        var missing = new HashSet<double>();
        Add(array.FillValue);
        var attributes = array.Attributes;
        Add(attributes["_FillValue"]);
        if (attributes["missing_value"] is JsonArray several)
        {
            foreach (var value in several)
            {
                Add(value);
            }
        }
        else
        {
            Add(attributes["missing_value"]);
        }
        return missing;

        void Add(JsonNode? node)
        {
            // Booleans' fill value (false) is data, not a gap.
            if (array.DataType.Kind != ZarrTypeKind.Bool && node is JsonValue value && value.GetValueKind() == JsonValueKind.Number)
            {
                missing.Add(value.GetValue<double>());
            }
        }
    }

    /// <summary>CF's packing, applied to what the page says (min, max): <c>value * scale_factor + add_offset</c>.</summary>
    public static (double Scale, double Offset) Packing(ZarrArray array)
    {
        var attributes = array.Attributes;
        return (Number(attributes["scale_factor"]) ?? 1, Number(attributes["add_offset"]) ?? 0);

        static double? Number(JsonNode? node) =>
            node is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? v.GetValue<double>() : null;
    }

    private static long Touched(long length, int chunk, int stride)
    {
        var samples = Samples(length, stride);
        if (stride >= chunk)
        {
            // Each sample lands in a chunk of its own.
            return samples;
        }
        // Every chunk between the first and the last sample holds one.
        return (((long)(samples - 1) * stride) / chunk) + 1;
    }

    private static double Element(ZarrDataType type, ReadOnlySpan<byte> b) => (type.Kind, type.Size) switch
    {
        (ZarrTypeKind.Bool, _) => b[0] != 0 ? 1 : 0,
        (ZarrTypeKind.Int, 1) => (sbyte)b[0],
        (ZarrTypeKind.Int, 2) => BinaryPrimitives.ReadInt16LittleEndian(b),
        (ZarrTypeKind.Int, 4) => BinaryPrimitives.ReadInt32LittleEndian(b),
        (ZarrTypeKind.Int, 8) => BinaryPrimitives.ReadInt64LittleEndian(b),
        (ZarrTypeKind.UInt, 1) => b[0],
        (ZarrTypeKind.UInt, 2) => BinaryPrimitives.ReadUInt16LittleEndian(b),
        (ZarrTypeKind.UInt, 4) => BinaryPrimitives.ReadUInt32LittleEndian(b),
        (ZarrTypeKind.UInt, 8) => BinaryPrimitives.ReadUInt64LittleEndian(b),
        (ZarrTypeKind.Float, 2) => (double)BinaryPrimitives.ReadHalfLittleEndian(b),
        (ZarrTypeKind.Float, 4) => BinaryPrimitives.ReadSingleLittleEndian(b),
        (ZarrTypeKind.Float, 8) => BinaryPrimitives.ReadDoubleLittleEndian(b),
        _ => throw new ZarrUnsupportedException($"the quick look does not read {type.V3Name}"),
    };
}
