using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using Greyhub.Zarr.Metadata;
using Greyhub.Zarr.Pipeline;
using Greyhub.Zarr.Storage;

namespace Greyhub.Zarr;

public sealed partial class ZarrArray
{
    /// <summary>Writes <paramref name="source"/> (C order) into the selected region (the whole array when null).</summary>
    public async Task WriteAsync<T>(IReadOnlyList<ZarrSlice>? selection, ReadOnlyMemory<T> source, CancellationToken cancellationToken = default) where T : unmanaged
    {
        CheckElementType<T>();
        var sel = new ResolvedSelection(selection, _meta.Shape, Path);
        if (source.Length != sel.Elements)
        {
            throw new ZarrShapeException($"source holds {source.Length} elements but the selection has {sel.Elements}", Path);
        }
        await WriteCoreAsync(_meta, sel, CastMemory<T>.AsBytes(MemoryMarshal.AsMemory(source)), cancellationToken);
    }

    /// <summary>Writes raw little-endian element bytes into the selected region, whatever the element type.</summary>
    public async Task WriteBytesAsync(IReadOnlyList<ZarrSlice>? selection, ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        var sel = new ResolvedSelection(selection, _meta.Shape, Path);
        if (_meta.DataType.Kind == ZarrTypeKind.String || source.Length != sel.Elements * _meta.DataType.Size)
        {
            throw new ZarrShapeException($"source must hold {sel.Elements} fixed-size elements of {_meta.DataType.Size} bytes", Path);
        }
        await WriteCoreAsync(_meta, sel, MemoryMarshal.AsMemory(source), cancellationToken);
    }

    /// <summary>Writes strings into a text array (v3 <c>string</c>, v2 <c>|O</c>, <c>|S</c> or <c>&lt;U</c>).</summary>
    public async Task WriteStringsAsync(IReadOnlyList<ZarrSlice>? selection, IReadOnlyList<string> values, CancellationToken cancellationToken = default)
    {
        var meta = _meta;
        var sel = new ResolvedSelection(selection, meta.Shape, Path);
        if (values.Count != sel.Elements)
        {
            throw new ZarrShapeException($"{values.Count} strings given but the selection has {sel.Elements}", Path);
        }
        switch (meta.DataType.Kind)
        {
            case ZarrTypeKind.String:
                var source = values.ToArray();
                await ForEachChunkAsync(Chunks(sel, meta.ChunkShape), (c, ct) => WriteStringChunkAsync(meta, sel, c, source, ct), cancellationToken);
                break;
            case ZarrTypeKind.Bytes or ZarrTypeKind.Unicode:
                var size = meta.DataType.Size;
                var raw = new byte[values.Count * size];
                for (var i = 0; i < values.Count; i++)
                {
                    var bytes = meta.DataType.Kind == ZarrTypeKind.Unicode ? Encoding.UTF32.GetBytes(values[i]) : Encoding.Latin1.GetBytes(values[i]);
                    bytes.AsSpan(0, Math.Min(bytes.Length, size)).CopyTo(raw.AsSpan(i * size));
                }
                await WriteCoreAsync(meta, sel, raw, cancellationToken);
                break;
            default:
                throw new ZarrShapeException($"'{meta.DataType.V2Name}' is not a text data type", Path);
        }
    }

    private async Task WriteCoreAsync(ArrayMetadata meta, ResolvedSelection sel, Memory<byte> source, CancellationToken cancellationToken)
    {
        if (!Store.IsWritable)
        {
            throw new ZarrException("the store is read-only", Path, null);
        }
        if (sel.Elements == 0)
        {
            return;
        }
        await ForEachChunkAsync(Chunks(sel, meta.ChunkShape), (c, ct) => WriteChunkAsync(meta, sel, c, source, ct), cancellationToken);
    }

    private async ValueTask WriteChunkAsync(ArrayMetadata meta, ResolvedSelection sel, long[] coords, Memory<byte> source, CancellationToken cancellationToken)
    {
        var key = NodeStore.Prefix(Path) + meta.Keys.Key(coords);
        var spec = meta.ChunkSpec;
        var origin = coords.Select((c, d) => c * meta.ChunkShape[d]).ToArray();
        var maps = Maps(meta, sel, origin, meta.ChunkShape);
        var whole = true;
        var overhang = false;
        for (var d = 0; d < maps.Length; d++)
        {
            var extent = Math.Min(meta.ChunkShape[d], meta.Shape[d] - origin[d]);
            whole &= maps[d].ChunkStart == 0 && maps[d].Step == 1 && maps[d].Count == extent;
            overhang |= extent < meta.ChunkShape[d];
        }
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(1, spec.ByteLength));
        try
        {
            if (!whole)
            {
                using var existing = await GetAsync(key, null, cancellationToken);
                Decode(meta.Pipeline, spec, existing?.Memory, buffer.AsSpan(0, spec.ByteLength), key);
            }
            else if (overhang)
            {
                spec.Fill.FillBuffer(buffer.AsSpan(0, spec.ByteLength));
            }
            RegionCopy.Copy(buffer.AsSpan(0, spec.ByteLength), meta.ChunkShape, source.Span, sel.Count, maps, spec.Type.Size, toOutput: false);
            if (!_nodes.Options.WriteEmptyChunks && spec.Fill.IsAllFill(buffer.AsSpan(0, spec.ByteLength)))
            {
                await Store.DeleteAsync(key, cancellationToken);
                return;
            }
            using var encoded = new PooledBufferWriter(spec.ByteLength + 64);
            Encode(meta, spec, buffer, encoded, key);
            await Store.SetAsync(key, encoded.WrittenMemory, cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Encode(ArrayMetadata meta, ChunkSpec spec, byte[] buffer, PooledBufferWriter encoded, string key)
    {
        try
        {
            meta.Pipeline.Encode(buffer.AsSpan(0, spec.ByteLength), spec, encoded);
        }
        catch (Exception e) when (e is not (ZarrException or OperationCanceledException))
        {
            throw new ZarrException($"cannot encode chunk: {e.Message}", Path, key, e);
        }
    }

    private async ValueTask WriteStringChunkAsync(ArrayMetadata meta, ResolvedSelection sel, long[] coords, string[] source, CancellationToken cancellationToken)
    {
        var key = NodeStore.Prefix(Path) + meta.Keys.Key(coords);
        var origin = coords.Select((c, d) => c * meta.ChunkShape[d]).ToArray();
        var maps = Maps(meta, sel, origin, meta.ChunkShape);
        var chunk = new string[meta.ChunkSpec.Elements];
        using (var existing = await GetAsync(key, null, cancellationToken))
        {
            if (existing is null)
            {
                chunk.AsSpan().Fill(meta.Fill.Text ?? "");
            }
            else
            {
                try
                {
                    meta.Pipeline.DecodeStrings(existing.Memory.Span, chunk);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    throw new ZarrChunkException($"chunk is corrupt or truncated: {e.Message}", Path, key, e);
                }
            }
        }
        RegionCopy.Copy(chunk.AsSpan(), meta.ChunkShape, source.AsSpan(), sel.Count, maps, 1, toOutput: false);
        using var encoded = new PooledBufferWriter(4096);
        meta.Pipeline.EncodeStrings(chunk, encoded);
        await Store.SetAsync(key, encoded.WrittenMemory, cancellationToken);
    }
}
