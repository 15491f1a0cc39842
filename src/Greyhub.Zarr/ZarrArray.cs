using System.Text.Json.Nodes;
using Greyhub.Zarr.Codecs;
using Greyhub.Zarr.Metadata;
using Greyhub.Zarr.Pipeline;
using Greyhub.Zarr.Storage;
using FillModel = Greyhub.Zarr.Metadata.FillValue;

namespace Greyhub.Zarr;

/// <summary>A Zarr v2 or v3 array: metadata plus chunked reads and writes of any region.</summary>
public sealed partial class ZarrArray
{
    private readonly NodeStore _nodes;
    private ArrayMetadata _meta;

    private ZarrArray(NodeStore nodes, string path, ArrayMetadata meta)
    {
        _nodes = nodes;
        Path = path;
        _meta = meta;
    }

    /// <summary>The array's path in its store (empty for the root).</summary>
    public string Path { get; }

    /// <summary>The store.</summary>
    public IZarrStore Store => _nodes.Store;

    /// <summary>2 or 3.</summary>
    public int ZarrFormat => _meta.Format;

    /// <summary>The shape.</summary>
    public IReadOnlyList<long> Shape => _meta.Shape;

    /// <summary>The shape of one stored chunk (of one shard, for sharded arrays).</summary>
    public IReadOnlyList<int> ChunkShape => _meta.ChunkShape;

    /// <summary>For sharded arrays, the inner chunk shape; else null.</summary>
    public IReadOnlyList<int>? InnerChunkShape => (_meta.Pipeline.ArrayToBytes as ShardingCodec)?.InnerShape;

    /// <summary>The element type.</summary>
    public ZarrDataType DataType => _meta.DataType;

    /// <summary>The fill value as JSON in this array's format.</summary>
    public JsonNode? FillValue => _meta.Fill.ToJson(_meta.DataType, _meta.Format);

    /// <summary>A copy of the user attributes.</summary>
    public JsonObject Attributes => (JsonObject)_meta.Attributes.DeepClone();

    /// <summary>v3 dimension names, or null.</summary>
    public IReadOnlyList<string?>? DimensionNames => _meta.DimensionNames;

    /// <summary>The metadata document (<c>.zarray</c> or <c>zarr.json</c>) as this library would write it.</summary>
    public JsonObject Metadata => _meta.Format == 2 ? _meta.ToV2Json() : _meta.ToV3Json();

    /// <summary>The number of stored chunks (shards) along each dimension.</summary>
    public IReadOnlyList<long> ChunkGrid => [.. _meta.Shape.Select((s, d) => (s + _meta.ChunkShape[d] - 1) / _meta.ChunkShape[d])];

    /// <summary>The store key of the chunk (shard) at <paramref name="coords"/>.</summary>
    public string ChunkKey(params long[] coords) => NodeStore.Prefix(Path) + _meta.Keys.Key(coords);

    /// <summary>Opens the array at <paramref name="path"/>; <paramref name="zarrFormat"/> forces v2 or v3 metadata when a store has both.</summary>
    public static Task<ZarrArray> OpenAsync(IZarrStore store, string path = "", ZarrOptions? options = null, int? zarrFormat = null, CancellationToken cancellationToken = default)
        => OpenAsync(new NodeStore(store, options ?? ZarrOptions.Default), path, zarrFormat, cancellationToken);

    internal static async Task<ZarrArray> OpenAsync(NodeStore nodes, string path, int? zarrFormat, CancellationToken cancellationToken)
    {
        path = NodeStore.Normalize(path);
        var prefix = NodeStore.Prefix(path);
        var registry = nodes.Options.Codecs;
        if (zarrFormat != 2 && await nodes.ReadAsync(prefix + "zarr.json", path, cancellationToken) is { } v3)
        {
            if (v3["node_type"] is JsonValue nt && nt.TryGetValue(out string? t) && t == "group")
            {
                throw new ZarrNodeNotFoundException("the node is a group, not an array", path);
            }
            return new ZarrArray(nodes, path, ArrayMetadataParser.ParseV3(v3, path, registry));
        }
        if (zarrFormat != 3 && await nodes.ReadAsync(prefix + ".zarray", path, cancellationToken) is { } v2)
        {
            var attrs = await nodes.ReadAsync(prefix + ".zattrs", path, cancellationToken);
            return new ZarrArray(nodes, path, ArrayMetadataParser.ParseV2(v2, attrs, path, registry));
        }
        throw new ZarrNodeNotFoundException("no array here", path);
    }

    /// <summary>Creates (or replaces) an array at <paramref name="path"/>, creating missing parent groups.</summary>
    public static Task<ZarrArray> CreateAsync(IZarrStore store, string path, ZarrArrayDefinition definition, ZarrOptions? options = null, CancellationToken cancellationToken = default)
        => CreateAsync(new NodeStore(store, options ?? ZarrOptions.Default), path, definition, cancellationToken);

    internal static async Task<ZarrArray> CreateAsync(NodeStore nodes, string path, ZarrArrayDefinition definition, CancellationToken cancellationToken)
    {
        path = NodeStore.Normalize(path);
        var meta = Build(definition, nodes.Options.Codecs, path);
        await ZarrGroup.EnsureParentsAsync(nodes, path, meta.Format, cancellationToken);
        var array = new ZarrArray(nodes, path, meta);
        await array.WriteMetadataAsync(meta, cancellationToken);
        return array;
    }

    private static ArrayMetadata Build(ZarrArrayDefinition def, ZarrCodecRegistry registry, string path)
    {
        if (def.ZarrFormat is not (2 or 3))
        {
            throw new ZarrMetadataException($"zarr format must be 2 or 3, not {def.ZarrFormat}", path);
        }
        var shape = def.Shape.ToArray();
        var chunks = def.ChunkShape.ToArray();
        var rank = shape.Length;
        if (chunks.Length != rank || shape.Any(s => s < 0) || chunks.Any(c => c <= 0))
        {
            throw new ZarrShapeException("chunk shape must have one positive entry per dimension of a non-negative shape", path);
        }
        var type = def.DataType;
        var context = new ZarrCodecContext(3, Math.Max(1, type.Size), type.Name);
        var codecs = def.Filters.Concat(def.Compressor is null ? [] : [def.Compressor]).Select(c => registry.CreateV3(c, context)).ToArray();
        int[]? order = def.FortranOrder && rank > 1 ? [.. Enumerable.Range(0, rank).Reverse()] : null;
        // v2 without a fill value writes null (zarr-python's fill_value=None); v3 requires one, so zero.
        var fill = def.FillValue is null && def.ZarrFormat == 3 ? FillModel.Zero(type) : FillModel.Parse(def.FillValue, type, def.ZarrFormat);
        ArrayBytesCodec? bytes = type.Kind == ZarrTypeKind.String ? null : new BytesArrayCodec(def.ZarrFormat == 2 ? type.BigEndian : def.BigEndian);
        if (type.Kind == ZarrTypeKind.String && order is not null)
        {
            throw new ZarrUnsupportedException("string arrays must be in C order", path);
        }
        // A categorize filter first on a string array is its object codec (numcodecs Categorize(dtype=object)).
        var objectCodec = bytes is null && codecs.Length > 0 && codecs[0] is CategorizeCodec { IsObjectCodec: true } oc ? oc : null;
        var pipeline = new CodecPipeline(order, bytes, objectCodec is null ? codecs : codecs[1..], objectCodec);
        if (def.ShardShape is { } shard)
        {
            if (def.ZarrFormat != 3 || bytes is null)
            {
                throw new ZarrUnsupportedException("sharding needs a v3 array of fixed-size elements", path);
            }
            var index = new CodecPipeline(null, new BytesArrayCodec(false), [registry.Create("crc32c", context)]);
            var sharding = new ShardingCodec(chunks, pipeline, index, def.ShardIndexAtStart);
            chunks = shard.ToArray();
            pipeline = new CodecPipeline(null, sharding, []);
            sharding.ChunksPerShard(new ChunkSpec(chunks, type, fill));
        }
        if (def.DimensionNames is { } names && names.Count != rank)
        {
            throw new ZarrShapeException("dimension names must have one entry per dimension", path);
        }
        return new ArrayMetadata
        {
            Format = def.ZarrFormat,
            Shape = shape,
            ChunkShape = chunks,
            DataType = type,
            Fill = fill,
            Keys = new ChunkKeyEncoding(def.ZarrFormat == 3 && !def.V2ChunkKeyEncoding, def.Separator ?? (def.ZarrFormat == 3 && !def.V2ChunkKeyEncoding ? '/' : '.')),
            Pipeline = pipeline,
            Attributes = (JsonObject?)def.Attributes?.DeepClone() ?? [],
            DimensionNames = def.DimensionNames?.ToArray(),
            HasCompressor = def.Compressor is not null,
        };
    }

    /// <summary>Replaces the user attributes.</summary>
    public async Task SetAttributesAsync(JsonObject attributes, CancellationToken cancellationToken = default)
    {
        var meta = _meta with { Attributes = (JsonObject)attributes.DeepClone() };
        await WriteMetadataAsync(meta, cancellationToken);
    }

    /// <summary>Changes the shape; chunks wholly outside the new shape are deleted.</summary>
    public async Task ResizeAsync(IReadOnlyList<long> shape, CancellationToken cancellationToken = default)
    {
        if (shape.Count != _meta.Shape.Length || shape.Any(s => s < 0))
        {
            throw new ZarrShapeException($"new shape must have {_meta.Shape.Length} non-negative dimensions", Path);
        }
        var old = _meta;
        var meta = _meta with { Shape = [.. shape] };
        await WriteMetadataAsync(meta, cancellationToken);
        var oldGrid = old.Shape.Select((s, d) => (s + old.ChunkShape[d] - 1) / old.ChunkShape[d]).ToArray();
        var newGrid = shape.Select((s, d) => (s + old.ChunkShape[d] - 1) / old.ChunkShape[d]).ToArray();
        foreach (var coords in Grid(oldGrid))
        {
            if (coords.Where((c, d) => c >= newGrid[d]).Any())
            {
                await Store.DeleteAsync(ChunkKey(coords), cancellationToken);
            }
        }
    }

    private static IEnumerable<long[]> Grid(long[] counts)
    {
        if (counts.Any(c => c == 0))
        {
            yield break;
        }
        var idx = new long[counts.Length];
        while (true)
        {
            yield return (long[])idx.Clone();
            var d = counts.Length - 1;
            for (; d >= 0; d--)
            {
                if (++idx[d] < counts[d])
                {
                    break;
                }
                idx[d] = 0;
            }
            if (d < 0)
            {
                yield break;
            }
        }
    }

    private async Task WriteMetadataAsync(ArrayMetadata meta, CancellationToken cancellationToken)
    {
        var prefix = NodeStore.Prefix(Path);
        if (meta.Format == 2)
        {
            await _nodes.WriteAsync(prefix + ".zarray", meta.ToV2Json(), 2, cancellationToken);
            if (meta.Attributes.Count > 0 || _meta.Attributes.Count > 0)
            {
                await _nodes.WriteAsync(prefix + ".zattrs", meta.Attributes, 2, cancellationToken);
            }
        }
        else
        {
            await _nodes.WriteAsync(prefix + "zarr.json", meta.ToV3Json(), 3, cancellationToken);
        }
        _meta = meta;
    }
}
