using System.Text.Json.Nodes;
using Greyhub.Zarr.Pipeline;

namespace Greyhub.Zarr.Metadata;

/// <summary>One array's parsed metadata, in either format.</summary>
internal sealed record ArrayMetadata
{
    public required int Format { get; init; }

    public required long[] Shape { get; init; }

    /// <summary>The storage chunk shape (the shard shape for sharded arrays).</summary>
    public required int[] ChunkShape { get; init; }

    public required ZarrDataType DataType { get; init; }

    public required FillValue Fill { get; init; }

    public required ChunkKeyEncoding Keys { get; init; }

    public required CodecPipeline Pipeline { get; init; }

    public JsonObject Attributes { get; init; } = [];

    public string?[]? DimensionNames { get; init; }

    /// <summary>v2 only: whether the last bytes codec is the compressor (the rest are filters).</summary>
    public bool HasCompressor { get; init; }

    public bool Fortran => Pipeline.Order is not null && Format == 2;

    public ChunkSpec ChunkSpec => new(ChunkShape, DataType, Fill);

    public JsonObject ToV2Json()
    {
        var codecs = Pipeline.BytesCodecs;
        var filters = (HasCompressor ? codecs[..^1] : codecs).Select(c => (JsonNode?)(c.ToV2() ?? throw new ZarrUnsupportedException($"codec '{c.Name}' has no v2 form"))).ToList();
        if (Pipeline.IsVlenUtf8)
        {
            filters.Insert(0, Pipeline.ObjectCodec?.ToV2() ?? new JsonObject { ["id"] = "vlen-utf8" });
        }
        if (Pipeline.ArrayToBytes is ShardingCodec)
        {
            throw new ZarrUnsupportedException("sharded arrays have no v2 form");
        }
        // Keys sorted as zarr-python writes them.
        return new JsonObject
        {
            ["chunks"] = Ints(ChunkShape),
            ["compressor"] = HasCompressor ? codecs[^1].ToV2() : null,
            ["dimension_separator"] = Keys.Separator.ToString(),
            ["dtype"] = DataType.V2Name,
            ["fill_value"] = Fill.ToJson(DataType, 2),
            ["filters"] = filters.Count == 0 ? null : new JsonArray([.. filters]),
            ["order"] = Fortran ? "F" : "C",
            ["shape"] = Longs(Shape),
            ["zarr_format"] = 2,
        };
    }

    public JsonObject ToV3Json()
    {
        var o = new JsonObject
        {
            ["zarr_format"] = 3,
            ["node_type"] = "array",
            ["shape"] = Longs(Shape),
            ["data_type"] = DataType.V3Name,
            ["chunk_grid"] = new JsonObject
            {
                ["name"] = "regular",
                ["configuration"] = new JsonObject { ["chunk_shape"] = Ints(ChunkShape) },
            },
            ["chunk_key_encoding"] = Keys.ToV3(),
            ["fill_value"] = Fill.ToJson(DataType, 3),
            ["codecs"] = Pipeline.ToV3(),
            ["attributes"] = Attributes.DeepClone(),
        };
        if (DimensionNames is not null)
        {
            o["dimension_names"] = new JsonArray([.. DimensionNames.Select(n => (JsonNode?)n)]);
        }
        return o;
    }

    internal static JsonArray Ints(IEnumerable<int> values) => [.. values.Select(v => (JsonNode?)v)];

    internal static JsonArray Longs(IEnumerable<long> values) => [.. values.Select(v => (JsonNode?)v)];
}
