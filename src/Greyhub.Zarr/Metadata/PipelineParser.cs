using System.Text.Json.Nodes;
using Greyhub.Zarr.Codecs;
using Greyhub.Zarr.Pipeline;

namespace Greyhub.Zarr.Metadata;

/// <summary>Builds codec pipelines from v3 <c>codecs</c> lists and v2 filters/compressor.</summary>
internal static class PipelineParser
{
    /// <summary>The numcodecs.zarr3 array-to-array codecs whose v2 numcodecs filter this library implements.</summary>
    private static readonly HashSet<string> NumcodecsArrayFilters = new(StringComparer.Ordinal)
    {
        "numcodecs.fixedscaleoffset", "numcodecs.quantize", "numcodecs.astype", "numcodecs.delta", "numcodecs.packbits",
    };

    public static CodecPipeline ParseV3(JsonNode? codecs, ZarrDataType type, int rank, ZarrCodecRegistry registry, string path)
    {
        if (codecs is not JsonArray list || list.Count == 0)
        {
            throw new ZarrMetadataException("codecs must be a non-empty list", path);
        }
        int[]? order = null;
        ArrayBytesCodec? arrayToBytes = null;
        var vlen = false;
        var bytes = new List<ZarrBytesCodec>();
        var filters = new List<ZarrBytesCodec>();
        var encodedType = type;
        var context = new ZarrCodecContext(3, Math.Max(type.Size, 1), type.Name);
        foreach (var codec in list)
        {
            var name = codec is JsonValue sv && sv.TryGetValue(out string? s) ? s : (codec as JsonObject)?["name"] is JsonValue nv && nv.TryGetValue(out string? n) ? n
                : throw new ZarrMetadataException($"codec entry {codec?.ToJsonString()} has no name", path);
            var config = codec is JsonObject co ? co["configuration"] as JsonObject : null;
            var haveArrayToBytes = arrayToBytes is not null || vlen;
            switch (name)
            {
                case "transpose" when !haveArrayToBytes:
                    // The filters run on the transposed chunk's bytes (after transpose in the list, as in the store);
                    // one that depends on element order (delta, packbits) cannot also run before it.
                    if (filters.Any(f => f is not ElementwiseCodec))
                    {
                        throw new ZarrUnsupportedException("transpose after a numcodecs delta or packbits filter is not supported", path);
                    }
                    var o = ParseOrder(config?["order"], rank, path);
                    order = order is null ? o : [.. o.Select(i => order[i])];
                    break;
                case "bytes" or "sharding_indexed" or "vlen-utf8" when haveArrayToBytes:
                    throw new ZarrMetadataException("codecs must contain exactly one array-to-bytes codec", path);
                case "bytes":
                    var endian = config?["endian"] is JsonValue ev && ev.TryGetValue(out string? e) ? e : "little";
                    if (endian is not ("little" or "big"))
                    {
                        throw new ZarrMetadataException($"bytes endian must be little or big, not '{endian}'", path);
                    }
                    if (type.Kind == ZarrTypeKind.String)
                    {
                        throw new ZarrUnsupportedException("string arrays need the vlen-utf8 codec", path);
                    }
                    if (endian == "big" && filters.Count > 0 && encodedType.Size > 1)
                    {
                        throw new ZarrUnsupportedException("big-endian bytes after numcodecs array-to-array filters is not supported", path);
                    }
                    arrayToBytes = new BytesArrayCodec(endian == "big");
                    break;
                case "vlen-utf8":
                    if (type.Kind != ZarrTypeKind.String)
                    {
                        throw new ZarrMetadataException("vlen-utf8 is only for string arrays", path);
                    }
                    vlen = true;
                    break;
                case "sharding_indexed":
                    if (filters.Count > 0)
                    {
                        throw new ZarrUnsupportedException("numcodecs filters before sharding_indexed are not supported; put them in the shard's own codecs", path);
                    }
                    arrayToBytes = ParseSharding(config, type, rank, registry, path);
                    break;
                case "transpose":
                    throw new ZarrMetadataException("transpose must come before the array-to-bytes codec", path);
                case var f when !haveArrayToBytes && NumcodecsArrayFilters.Contains(f):
                    // zarr-python 3's numcodecs.zarr3 filters act on the array before `bytes`. With little-endian
                    // `bytes` the array's bytes are its C-order little-endian elements, exactly what the same numcodecs
                    // filter sees in a v2 store, so the v2 filter runs first among the bytes codecs. What follows sees
                    // the filter's output type (fixedscaleoffset's astype, for Blosc's typesize).
                    var filter = Create(() => registry.CreateV3(codec!, context), path);
                    filters.Add(filter);
                    encodedType = filter switch
                    {
                        ElementwiseCodec elementwise => elementwise.EncodedType,
                        PackBitsCodec => new ZarrDataType(ZarrTypeKind.UInt, 1),
                        _ => encodedType,
                    };
                    context = new ZarrCodecContext(3, Math.Max(encodedType.Size, 1), encodedType.Name);
                    break;
                default:
                    if (!haveArrayToBytes)
                    {
                        throw new ZarrMetadataException($"bytes-to-bytes codec '{name}' comes before the array-to-bytes codec", path);
                    }
                    bytes.Add(Create(() => registry.CreateV3(codec!, context), path));
                    break;
            }
        }
        if (arrayToBytes is null && !vlen)
        {
            throw new ZarrMetadataException("codecs has no array-to-bytes codec", path);
        }
        if (vlen && order is not null)
        {
            throw new ZarrUnsupportedException("transpose of string arrays is not supported", path);
        }
        if (vlen && filters.Count > 0)
        {
            throw new ZarrUnsupportedException("numcodecs filters on string arrays are not supported", path);
        }
        return new CodecPipeline(order, arrayToBytes, [.. filters, .. bytes]);
    }

    private static ShardingCodec ParseSharding(JsonObject? config, ZarrDataType type, int rank, ZarrCodecRegistry registry, string path)
    {
        if (config is null)
        {
            throw new ZarrMetadataException("sharding_indexed needs a configuration", path);
        }
        var inner = ArrayMetadataParser.IntArray(config["chunk_shape"], "sharding chunk_shape", path);
        if (inner.Length != rank || inner.Any(x => x <= 0))
        {
            throw new ZarrMetadataException("sharding chunk_shape must have one positive entry per dimension", path);
        }
        var location = config["index_location"] is JsonValue lv && lv.TryGetValue(out string? l) ? l : "end";
        if (location is not ("start" or "end"))
        {
            throw new ZarrMetadataException($"index_location must be start or end, not '{location}'", path);
        }
        var codecs = ParseV3(config["codecs"], type, rank, registry, path);
        var index = ParseV3(config["index_codecs"] ?? new JsonArray(new JsonObject { ["name"] = "bytes", ["configuration"] = new JsonObject { ["endian"] = "little" } }, new JsonObject { ["name"] = "crc32c" }),
            new ZarrDataType(ZarrTypeKind.UInt, 8), rank + 1, registry, path);
        if (index.ArrayToBytes is ShardingCodec)
        {
            throw new ZarrUnsupportedException("sharded shard indexes are not supported", path);
        }
        return new ShardingCodec(inner, codecs, index, location == "start");
    }

    private static int[] ParseOrder(JsonNode? node, int rank, string path)
    {
        var order = ArrayMetadataParser.IntArray(node, "transpose order", path);
        if (order.Length != rank || order.Order().Where((v, i) => v != i).Any())
        {
            throw new ZarrMetadataException($"transpose order [{string.Join(",", order)}] is not a permutation of {rank} axes", path);
        }
        return order;
    }

    public static CodecPipeline FromV2(ZarrDataType type, bool fortran, JsonNode? filters, JsonNode? compressor, int rank,
        ZarrCodecRegistry registry, string path, out bool vlen)
    {
        var context = new ZarrCodecContext(2, Math.Max(type.Size, 1), type.Kind == ZarrTypeKind.String ? "string" : type.V2Name);
        var bytes = new List<ZarrBytesCodec>();
        CategorizeCodec? objectCodec = null;
        vlen = false;
        if (filters is JsonArray fl)
        {
            foreach (var f in fl)
            {
                if (f is not JsonObject fo)
                {
                    throw new ZarrMetadataException($"filter {f?.ToJsonString()} is not an object", path);
                }
                var id = fo["id"] is JsonValue idv && idv.TryGetValue(out string? i) ? i : null;
                if (id == "vlen-utf8" && bytes.Count == 0 && type.Kind == ZarrTypeKind.String)
                {
                    vlen = true;
                    continue;
                }
                // numcodecs Categorize(dtype=object) is itself the object codec of an |O array.
                if (id == "categorize" && bytes.Count == 0 && !vlen && type.Kind == ZarrTypeKind.String)
                {
                    objectCodec = (CategorizeCodec)Create(() => CategorizeCodec.Create(fo, context), path);
                    vlen = objectCodec.IsObjectCodec ? true : throw new ZarrMetadataException("categorize over an |O array needs dtype |O", path);
                    continue;
                }
                bytes.Add(Create(() => registry.CreateV2(fo, context), path));
            }
        }
        else if (filters is not null)
        {
            throw new ZarrMetadataException("filters must be a list or null", path);
        }
        if (compressor is JsonObject c)
        {
            bytes.Add(Create(() => registry.CreateV2(c, context), path));
        }
        else if (compressor is not null)
        {
            throw new ZarrMetadataException("compressor must be an object or null", path);
        }
        if (type.Kind == ZarrTypeKind.String && !vlen)
        {
            throw new ZarrUnsupportedException("object dtype without a vlen-utf8 filter is not supported", path);
        }
        int[]? order = fortran && rank > 1 ? [.. Enumerable.Range(0, rank).Reverse()] : null;
        return new CodecPipeline(order, vlen ? null : new BytesArrayCodec(type.BigEndian), [.. bytes], objectCodec);
    }

    private static ZarrBytesCodec Create(Func<ZarrBytesCodec> create, string path)
    {
        try
        {
            return create();
        }
        catch (ZarrCodecException e)
        {
            throw new ZarrMetadataException(e.Message, path, e);
        }
        catch (ZarrUnsupportedException e) when (e.NodePath is null)
        {
            throw new ZarrUnsupportedException(e.Message, path);
        }
    }
}
