using System.Text.Json;
using System.Text.Json.Nodes;
using Greyhub.Zarr.Codecs;

namespace Greyhub.Zarr.Metadata;

/// <summary>Parses <c>.zarray</c> (v2) and array <c>zarr.json</c> (v3) documents.</summary>
internal static class ArrayMetadataParser
{
    public static JsonObject ParseObject(ReadOnlySpan<byte> json, string what, string path)
    {
        try
        {
            return JsonNode.Parse(json) as JsonObject ?? throw new ZarrMetadataException($"{what} is not a JSON object", path);
        }
        catch (JsonException e)
        {
            throw new ZarrMetadataException($"{what} is not valid JSON: {e.Message}", path, e);
        }
        catch (ArgumentException e)
        {
            throw new ZarrMetadataException($"{what} is not valid UTF-8 JSON: {e.Message}", path, e);
        }
    }

    public static ArrayMetadata ParseV2(JsonObject o, JsonObject? attributes, string path, ZarrCodecRegistry registry)
        => Guard(() => ParseV2Core(o, attributes, path, registry), path);

    public static ArrayMetadata ParseV3(JsonObject o, string path, ZarrCodecRegistry registry)
        => Guard(() => ParseV3Core(o, path, registry), path);

    /// <summary>Turns stray JSON access errors from unexpected shapes into metadata errors.</summary>
    private static T Guard<T>(Func<T> parse, string path)
    {
        try
        {
            return parse();
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or OverflowException or ArgumentException or IndexOutOfRangeException)
        {
            throw new ZarrMetadataException($"malformed metadata: {e.Message}", path, e);
        }
    }

    private static ArrayMetadata ParseV2Core(JsonObject o, JsonObject? attributes, string path, ZarrCodecRegistry registry)
    {
        RequireFormat(o, 2, path);
        var shape = LongArray(o["shape"], "shape", path);
        var chunks = IntArray(o["chunks"], "chunks", path);
        CheckShapes(shape, chunks, path);
        var dtypeName = String(o["dtype"], "dtype", path);
        var type = dtypeName == "|O" ? new ZarrDataType(ZarrTypeKind.String, 0) : ZarrDataType.FromV2(dtypeName);
        var order = o["order"] is null ? "C" : String(o["order"], "order", path);
        if (order is not ("C" or "F"))
        {
            throw new ZarrMetadataException($"order must be C or F, not '{order}'", path);
        }
        var sep = o["dimension_separator"] is null ? "." : String(o["dimension_separator"], "dimension_separator", path);
        if (sep is not ("." or "/"))
        {
            throw new ZarrMetadataException($"dimension_separator must be . or /, not '{sep}'", path);
        }
        var pipeline = PipelineParser.FromV2(type, order == "F", o["filters"], o["compressor"], shape.Length, registry, path, out _);
        return new ArrayMetadata
        {
            Format = 2,
            Shape = shape,
            ChunkShape = chunks,
            DataType = type,
            Fill = WrapFill(() => FillValue.Parse(o["fill_value"], type, 2), path),
            Keys = new ChunkKeyEncoding(false, sep[0]),
            Pipeline = pipeline,
            Attributes = attributes ?? [],
            HasCompressor = o["compressor"] is JsonObject,
        };
    }

    private static ArrayMetadata ParseV3Core(JsonObject o, string path, ZarrCodecRegistry registry)
    {
        RequireFormat(o, 3, path);
        if (o["node_type"] is not JsonValue nt || !nt.TryGetValue(out string? nodeType) || nodeType != "array")
        {
            throw new ZarrMetadataException("node_type must be \"array\"", path);
        }
        var shape = LongArray(o["shape"], "shape", path);
        var grid = o["chunk_grid"] as JsonObject ?? throw new ZarrMetadataException("chunk_grid is missing", path);
        if (grid["name"]?.GetValueKind() != JsonValueKind.String || (string)grid["name"]! != "regular")
        {
            throw new ZarrUnsupportedException($"chunk_grid {grid["name"]?.ToJsonString()} is not supported (only regular)", path);
        }
        var chunks = IntArray((grid["configuration"] as JsonObject)?["chunk_shape"], "chunk_shape", path);
        CheckShapes(shape, chunks, path);
        var type = ZarrDataTypeOrThrow(String(o["data_type"], "data_type", path), path);
        if (o["storage_transformers"] is JsonArray { Count: > 0 })
        {
            throw new ZarrUnsupportedException("storage_transformers are not supported", path);
        }
        string?[]? names = null;
        if (o["dimension_names"] is JsonArray dn)
        {
            if (dn.Count != shape.Length)
            {
                throw new ZarrMetadataException("dimension_names must have one entry per dimension", path);
            }
            names = [.. dn.Select(n => n is null ? null : n is JsonValue v && v.TryGetValue(out string? s) ? s
                : throw new ZarrMetadataException("dimension_names entries must be strings or null", path))];
        }
        var pipeline = PipelineParser.ParseV3(o["codecs"], type, shape.Length, registry, path);
        if (pipeline.ArrayToBytes is Pipeline.ShardingCodec sc)
        {
            // Validates divisibility up front.
            sc.ChunksPerShard(new Pipeline.ChunkSpec(chunks, type, FillValue.Zero(type)));
        }
        return new ArrayMetadata
        {
            Format = 3,
            Shape = shape,
            ChunkShape = chunks,
            DataType = type,
            Fill = WrapFill(() => FillValue.Parse(o["fill_value"], type, 3), path),
            Keys = ChunkKeyEncoding.Parse(o["chunk_key_encoding"], path),
            Pipeline = pipeline,
            Attributes = o["attributes"] is JsonObject a ? (JsonObject)a.DeepClone() : o["attributes"] is null ? [] : throw new ZarrMetadataException("attributes must be an object", path),
            DimensionNames = names,
        };
    }

    private static ZarrDataType ZarrDataTypeOrThrow(string name, string path)
    {
        try
        {
            return ZarrDataType.FromV3(name);
        }
        catch (ZarrUnsupportedException e)
        {
            throw new ZarrUnsupportedException(e.Message, path);
        }
    }

    private static FillValue WrapFill(Func<FillValue> parse, string path)
    {
        try
        {
            return parse();
        }
        catch (ZarrMetadataException e)
        {
            throw new ZarrMetadataException(e.Message, path, e);
        }
        catch (OverflowException e)
        {
            throw new ZarrMetadataException("fill_value is out of range", path, e);
        }
    }

    public static void RequireFormat(JsonObject o, int format, string path)
    {
        if (o["zarr_format"] is not JsonValue v || !v.TryGetValue(out int f) || f != format)
        {
            throw new ZarrMetadataException($"zarr_format must be {format}, not {o["zarr_format"]?.ToJsonString() ?? "missing"}", path);
        }
    }

    private static void CheckShapes(long[] shape, int[] chunks, string path)
    {
        if (shape.Length != chunks.Length)
        {
            throw new ZarrMetadataException($"shape has {shape.Length} dimensions but chunks has {chunks.Length}", path);
        }
        if (shape.Any(s => s < 0) || chunks.Any(c => c <= 0))
        {
            throw new ZarrMetadataException("shape must be non-negative and chunks positive", path);
        }
        if (chunks.Aggregate(1L, (a, b) => a * b) > int.MaxValue)
        {
            throw new ZarrUnsupportedException("chunks of more than 2^31 elements are not supported", path);
        }
    }

    public static string String(JsonNode? node, string what, string path)
        => node is JsonValue v && v.TryGetValue(out string? s) ? s : throw new ZarrMetadataException($"{what} must be a string", path);

    public static long[] LongArray(JsonNode? node, string what, string path)
    {
        if (node is not JsonArray a)
        {
            throw new ZarrMetadataException($"{what} must be a list of integers", path);
        }
        return [.. a.Select(x => x is JsonValue v && v.TryGetValue(out long l) ? l
            : x is JsonValue d && d.TryGetValue(out double dd) && dd == Math.Floor(dd) && Math.Abs(dd) < 9e15 ? (long)dd
            : throw new ZarrMetadataException($"{what} must be a list of integers", path))];
    }

    public static int[] IntArray(JsonNode? node, string what, string path)
        => [.. LongArray(node, what, path).Select(l => l is >= int.MinValue and <= int.MaxValue ? (int)l : throw new ZarrMetadataException($"{what} entry {l} is too large", path))];
}
