using System.Buffers;
using System.Text;
using Greyhub.Zarr.Metadata;
using Greyhub.Zarr.Pipeline;
using Greyhub.Zarr.Storage;

namespace Greyhub.Zarr;

public sealed partial class ZarrArray
{
    /// <summary>Reads the selected region (C order) into <paramref name="destination"/>, whose length must be the region's element count.</summary>
    public async Task ReadAsync<T>(IReadOnlyList<ZarrSlice>? selection, Memory<T> destination, CancellationToken cancellationToken = default) where T : unmanaged
    {
        CheckElementType<T>();
        var sel = new ResolvedSelection(selection, _meta.Shape, Path);
        if (destination.Length != sel.Elements)
        {
            throw new ZarrShapeException($"destination holds {destination.Length} elements but the selection has {sel.Elements}", Path);
        }
        await ReadCoreAsync(_meta, sel, CastMemory<T>.AsBytes(destination), cancellationToken);
    }

    /// <summary>Reads the selected region (the whole array when null) into a new array, C order.</summary>
    public async Task<T[]> ReadAsync<T>(IReadOnlyList<ZarrSlice>? selection = null, CancellationToken cancellationToken = default) where T : unmanaged
    {
        CheckElementType<T>();
        var sel = new ResolvedSelection(selection, _meta.Shape, Path);
        var result = new T[CheckedCount(sel)];
        await ReadCoreAsync(_meta, sel, CastMemory<T>.AsBytes(result), cancellationToken);
        return result;
    }

    /// <summary>Reads the selected region as raw little-endian element bytes, whatever the element type.</summary>
    public async Task ReadBytesAsync(IReadOnlyList<ZarrSlice>? selection, Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        var sel = new ResolvedSelection(selection, _meta.Shape, Path);
        if (_meta.DataType.Kind == ZarrTypeKind.String || destination.Length != sel.Elements * _meta.DataType.Size)
        {
            throw new ZarrShapeException($"destination must hold {sel.Elements} fixed-size elements of {_meta.DataType.Size} bytes", Path);
        }
        await ReadCoreAsync(_meta, sel, destination, cancellationToken);
    }

    /// <summary>Reads a text array (v3 <c>string</c>, v2 <c>|O</c> vlen-utf8, <c>|S</c> or <c>&lt;U</c>) as strings.</summary>
    public async Task<string[]> ReadStringsAsync(IReadOnlyList<ZarrSlice>? selection = null, CancellationToken cancellationToken = default)
    {
        var meta = _meta;
        var sel = new ResolvedSelection(selection, meta.Shape, Path);
        var count = CheckedCount(sel);
        switch (meta.DataType.Kind)
        {
            case ZarrTypeKind.String:
                var result = new string[count];
                if (count > 0)
                {
                    await ForEachChunkAsync(Chunks(sel, meta.ChunkShape), (c, ct) => ReadStringChunkAsync(meta, sel, c, result, ct), cancellationToken);
                }
                return result;
            case ZarrTypeKind.Bytes or ZarrTypeKind.Unicode:
                var size = meta.DataType.Size;
                var raw = new byte[count * size];
                await ReadCoreAsync(meta, sel, raw, cancellationToken);
                var text = new string[count];
                for (var i = 0; i < count; i++)
                {
                    var e = raw.AsSpan(i * size, size);
                    text[i] = (meta.DataType.Kind == ZarrTypeKind.Unicode ? Encoding.UTF32.GetString(e) : Encoding.Latin1.GetString(e)).TrimEnd('\0');
                }
                return text;
            default:
                throw new ZarrShapeException($"'{meta.DataType.V2Name}' is not a text data type", Path);
        }
    }

    private int CheckedCount(ResolvedSelection sel) => sel.Elements <= Array.MaxLength
        ? (int)sel.Elements
        : throw new ZarrShapeException($"the selection has {sel.Elements} elements, more than one .NET array holds; read it in parts", Path);

    private void CheckElementType<T>() where T : unmanaged
    {
        if (!_meta.DataType.Accepts<T>())
        {
            throw new ZarrShapeException($"element type {typeof(T).Name} does not match data type '{(_meta.DataType.Kind == ZarrTypeKind.String ? "string" : _meta.DataType.V2Name)}'", Path);
        }
    }

    private async Task ReadCoreAsync(ArrayMetadata meta, ResolvedSelection sel, Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (sel.Elements == 0)
        {
            return;
        }
        await ForEachChunkAsync(Chunks(sel, meta.ChunkShape), (c, ct) => ReadChunkAsync(meta, sel, c, destination, ct), cancellationToken);
    }

    private async Task ForEachChunkAsync(IEnumerable<long[]> chunks, Func<long[], CancellationToken, ValueTask> body, CancellationToken cancellationToken)
    {
        var options = _nodes.Options;
        var budget = options.Budget;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.MaxConcurrency), CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(chunks, parallel, async (coords, ct) =>
        {
            await budget.WaitAsync(ct);
            try
            {
                await body(coords, ct);
            }
            finally
            {
                budget.Release();
            }
        });
    }

    private static IEnumerable<long[]> Chunks(ResolvedSelection sel, int[] chunkShape)
    {
        var lists = chunkShape.Select((c, d) => sel.Blocks(d, c).ToArray()).ToArray();
        if (lists.Any(l => l.Length == 0))
        {
            yield break;
        }
        var idx = new int[lists.Length];
        while (true)
        {
            yield return [.. lists.Select((l, d) => l[idx[d]])];
            var d = lists.Length - 1;
            for (; d >= 0; d--)
            {
                if (++idx[d] < lists[d].Length)
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

    private DimMap[] Maps(ArrayMetadata meta, ResolvedSelection sel, long[] origin, int[] shape)
        => [.. shape.Select((c, d) => sel.Map(d, origin[d], Math.Min(c, meta.Shape[d] - origin[d])))];

    private async ValueTask<IMemoryOwner<byte>?> GetAsync(string key, ByteRange? range, CancellationToken cancellationToken)
    {
        try
        {
            return range is { } r ? await Store.GetRangeAsync(key, r, cancellationToken) : await Store.GetAsync(key, cancellationToken);
        }
        catch (Exception e) when (e is not (OperationCanceledException or ZarrException))
        {
            throw new ZarrException($"cannot read chunk: {e.Message}", Path, key, e);
        }
    }

    private async ValueTask ReadChunkAsync(ArrayMetadata meta, ResolvedSelection sel, long[] coords, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var key = NodeStore.Prefix(Path) + meta.Keys.Key(coords);
        var origin = coords.Select((c, d) => c * meta.ChunkShape[d]).ToArray();
        if (meta.Pipeline.PartialSharding is { } sharding && await ReadShardPartialAsync(meta, sharding, sel, origin, key, destination, cancellationToken))
        {
            return;
        }
        using var value = await GetAsync(key, null, cancellationToken);
        DecodeInto(meta.Pipeline, meta.ChunkSpec, value?.Memory, Maps(meta, sel, origin, meta.ChunkShape), sel, destination.Span, key);
    }

    /// <summary>Decodes one chunk (or fills it when missing) and copies its selected part into the output.</summary>
    private void DecodeInto(CodecPipeline pipeline, ChunkSpec spec, ReadOnlyMemory<byte>? encoded, DimMap[] maps, ResolvedSelection sel, Span<byte> output, string key)
    {
        var item = spec.Type.Size;
        var shape = spec.Shape;
        var direct = true;
        long offset = 0;
        for (var d = 0; d < shape.Length; d++)
        {
            direct &= maps[d].ChunkStart == 0 && maps[d].Step == 1 && maps[d].Count == shape[d] && (d == 0 || sel.Count[d] == shape[d]);
            offset = (offset * sel.Count[d]) + (d == 0 ? maps[d].OutStart : 0);
        }
        if (direct)
        {
            Decode(pipeline, spec, encoded, output.Slice((int)(offset * item), spec.ByteLength), key);
            return;
        }
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(1, spec.ByteLength));
        try
        {
            var chunk = buffer.AsSpan(0, spec.ByteLength);
            Decode(pipeline, spec, encoded, chunk, key);
            RegionCopy.Copy(chunk, shape, output, sel.Count, maps, item, toOutput: true);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Decode(CodecPipeline pipeline, ChunkSpec spec, ReadOnlyMemory<byte>? encoded, Span<byte> chunk, string key)
    {
        if (encoded is not { } data)
        {
            spec.Fill.FillBuffer(chunk);
            return;
        }
        try
        {
            pipeline.Decode(data.Span, chunk, spec);
        }
        catch (Exception e) when (e is not (ZarrChunkException or OperationCanceledException))
        {
            throw new ZarrChunkException($"chunk is corrupt or truncated: {e.Message}", Path, key, e);
        }
    }

    private async ValueTask ReadStringChunkAsync(ArrayMetadata meta, ResolvedSelection sel, long[] coords, string[] output, CancellationToken cancellationToken)
    {
        var key = NodeStore.Prefix(Path) + meta.Keys.Key(coords);
        var origin = coords.Select((c, d) => c * meta.ChunkShape[d]).ToArray();
        var chunk = new string[meta.ChunkSpec.Elements];
        using (var value = await GetAsync(key, null, cancellationToken))
        {
            if (value is null)
            {
                chunk.AsSpan().Fill(meta.Fill.Text ?? "");
            }
            else
            {
                try
                {
                    meta.Pipeline.DecodeStrings(value.Memory.Span, chunk);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    throw new ZarrChunkException($"chunk is corrupt or truncated: {e.Message}", Path, key, e);
                }
            }
        }
        RegionCopy.Copy(chunk.AsSpan(), meta.ChunkShape, output.AsSpan(), sel.Count, Maps(meta, sel, origin, meta.ChunkShape), 1, toOutput: true);
    }
}
