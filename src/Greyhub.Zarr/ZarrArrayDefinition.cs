using System.Text.Json.Nodes;

namespace Greyhub.Zarr;

/// <summary>What a new array looks like.</summary>
public sealed class ZarrArrayDefinition
{
    /// <summary>2 or 3.</summary>
    public int ZarrFormat { get; init; } = 3;

    /// <summary>The array's shape.</summary>
    public required IReadOnlyList<long> Shape { get; init; }

    /// <summary>The chunk shape (the inner chunk shape when <see cref="ShardShape"/> is set).</summary>
    public required IReadOnlyList<int> ChunkShape { get; init; }

    /// <summary>v3 only: store chunks in shards of this shape (a multiple of <see cref="ChunkShape"/>).</summary>
    public IReadOnlyList<int>? ShardShape { get; init; }

    /// <summary>The element type, e.g. <c>ZarrDataType.FromV3("float32")</c> or <c>ZarrDataType.FromV2("&gt;i2")</c>.</summary>
    public required ZarrDataType DataType { get; init; }

    /// <summary>The fill value as v3/v2 JSON (a number, <c>"NaN"</c>, a bool...); null: zero.</summary>
    public JsonNode? FillValue { get; init; }

    /// <summary>
    /// Bytes-to-bytes codecs as v3 <c>{"name", "configuration"}</c> objects in encoding order (v2: filters, e.g.
    /// <c>numcodecs.delta</c>, <c>numcodecs.shuffle</c>).
    /// </summary>
    public IReadOnlyList<JsonObject> Filters { get; init; } = [];

    /// <summary>The compressor as a v3 <c>{"name", "configuration"}</c> object, applied after the filters; null: none.</summary>
    public JsonObject? Compressor { get; init; }

    /// <summary>Column-major chunks (v2 <c>order: F</c>, v3 a reversing <c>transpose</c>).</summary>
    public bool FortranOrder { get; init; }

    /// <summary>Chunk key separator: null for the format's default (v3 <c>/</c>, v2 <c>.</c>).</summary>
    public char? Separator { get; init; }

    /// <summary>v3: use the <c>v2</c> chunk key encoding (keys <c>0.1</c>, for data migrated from v2) instead of <c>default</c> (<c>c/0/1</c>).</summary>
    public bool V2ChunkKeyEncoding { get; init; }

    /// <summary>v3: store elements big-endian (v2: use a big-endian dtype instead).</summary>
    public bool BigEndian { get; init; }

    /// <summary>v3 sharding: put the shard index first instead of last.</summary>
    public bool ShardIndexAtStart { get; init; }

    /// <summary>v3 dimension names.</summary>
    public IReadOnlyList<string?>? DimensionNames { get; init; }

    /// <summary>User attributes.</summary>
    public JsonObject? Attributes { get; init; }
}
