using System.Buffers;
using System.Text;
using Greyhub.Zarr.Codecs;
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
            var coords = new long[lists.Length];
            for (var k = 0; k < coords.Length; k++)
            {
                coords[k] = lists[k][idx[k]];
            }
            yield return coords;
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

    private static DimMap[] Maps(ArrayMetadata meta, ResolvedSelection sel, long[] origin, int[] shape)
    {
        var maps = new DimMap[shape.Length];
        for (var d = 0; d < maps.Length; d++)
        {
            maps[d] = sel.Map(d, origin[d], Math.Min(shape[d], meta.Shape[d] - origin[d]));
        }
        return maps;
    }

    private static long[] Origin(ArrayMetadata meta, long[] coords)
    {
        var origin = new long[coords.Length];
        for (var d = 0; d < origin.Length; d++)
        {
            origin[d] = coords[d] * meta.ChunkShape[d];
        }
        return origin;
    }

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
        var origin = Origin(meta, coords);
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
        if (encoded is { } data && TryDecodeRows(pipeline, spec, data.Span, maps, sel, output, key))
        {
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

    /// <summary>
    /// A chunk that is not contiguous in the output but selected with step 1 along every axis (the whole-array read
    /// of a chunked array, edge chunks included): its codecs write each row straight into place when they can.
    /// </summary>
    private bool TryDecodeRows(CodecPipeline pipeline, ChunkSpec spec, ReadOnlySpan<byte> encoded, DimMap[] maps, ResolvedSelection sel, Span<byte> output, string key)
    {
        var shape = spec.Shape;
        var rank = shape.Length;
        if (rank == 0)
        {
            return false;
        }
        foreach (var m in maps)
        {
            if (m.Step != 1 || m.Count == 0)
            {
                return false;
            }
        }
        var item = spec.Type.Size;
        var rowCount = 1;
        for (var d = 0; d < rank - 1; d++)
        {
            rowCount *= shape[d];
        }
        var offsets = ArrayPool<long>.Shared.Rent(rowCount);
        try
        {
            RowOffsets(shape, maps, sel.Count, item, offsets.AsSpan(0, rowCount));
            var last = maps[rank - 1];
            var rows = new ChunkRows(output, shape[rank - 1] * item, last.ChunkStart * item, last.Count * item, offsets.AsSpan(0, rowCount));
            return pipeline.TryDecodeRows(encoded, rows, spec);
        }
        catch (Exception e) when (e is not (ZarrChunkException or OperationCanceledException))
        {
            throw new ZarrChunkException($"chunk is corrupt or truncated: {e.Message}", Path, key, e);
        }
        finally
        {
            ArrayPool<long>.Shared.Return(offsets);
        }
    }

    /// <summary>Byte offset in the output of each chunk row's first selected element, or -1 for rows outside the selection.</summary>
    private static void RowOffsets(int[] shape, DimMap[] maps, long[] outShape, int item, Span<long> offsets)
    {
        // Rows are indexed by every axis but the last; the one before it varies fastest and is filled by a linear run.
        var rank = shape.Length;
        if (rank == 1)
        {
            offsets[0] = maps[0].OutStart * item;
            return;
        }
        var stride = new long[rank];
        long s = item;
        for (var d = rank - 1; d >= 0; d--)
        {
            stride[d] = s;
            s *= outShape[d];
        }
        var inner = rank - 2;
        var run = shape[inner];
        var m = maps[inner];
        var idx = new int[Math.Max(inner, 1)];
        for (var r = 0; r < offsets.Length; r += run)
        {
            long at = maps[rank - 1].OutStart * item;
            var inside = true;
            for (var d = 0; d < inner; d++)
            {
                var k = idx[d] - maps[d].ChunkStart;
                inside &= k >= 0 && k < maps[d].Count;
                at += (maps[d].OutStart + k) * stride[d];
            }
            var line = offsets.Slice(r, run);
            line.Fill(-1);
            if (inside)
            {
                at += (m.OutStart - m.ChunkStart) * stride[inner];
                for (var k = m.ChunkStart; k < m.ChunkStart + m.Count; k++)
                {
                    line[k] = at + (k * stride[inner]);
                }
            }
            for (var d = inner - 1; d >= 0; d--)
            {
                if (++idx[d] < shape[d])
                {
                    break;
                }
                idx[d] = 0;
            }
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
        var origin = Origin(meta, coords);
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
