using Greyhub.Zarr.Metadata;
using Greyhub.Zarr.Pipeline;
using Greyhub.Zarr.Storage;

namespace Greyhub.Zarr;

public sealed partial class ZarrArray
{
    /// <summary>
    /// Reads only the inner chunks of a shard that the selection needs: one range read for the index, one per inner
    /// chunk. Returns false when every inner chunk is needed (the caller then reads the shard in one request).
    /// </summary>
    private async ValueTask<bool> ReadShardPartialAsync(ArrayMetadata meta, ShardingCodec sharding, ResolvedSelection sel, long[] shardOrigin, string key,
        Memory<byte> destination, CancellationToken cancellationToken)
    {
        var spec = meta.ChunkSpec;
        var inner = sharding.InnerShape;
        var cps = sharding.ChunksPerShard(spec);
        var lists = new List<int>[cps.Length];
        var total = 1L;
        long needed = 1;
        for (var d = 0; d < cps.Length; d++)
        {
            lists[d] = [];
            for (var k = 0; k < cps[d]; k++)
            {
                var o = shardOrigin[d] + ((long)k * inner[d]);
                var extent = Math.Min(inner[d], meta.Shape[d] - o);
                if (extent > 0 && sel.Map(d, o, extent).Count > 0)
                {
                    lists[d].Add(k);
                }
            }
            total *= cps[d];
            needed *= lists[d].Count;
        }
        if (needed == total)
        {
            return false;
        }
        if (needed == 0)
        {
            return true;
        }
        var innerSpec = sharding.InnerSpec(spec);
        var indexSize = sharding.IndexSize(spec);
        ulong[]? entries = null;
        using (var index = await GetAsync(key, sharding.IndexAtStart ? ByteRange.Of(0, indexSize) : ByteRange.Suffix(indexSize), cancellationToken))
        {
            if (index is not null)
            {
                if (index.Memory.Length != indexSize)
                {
                    throw new ZarrChunkException($"shard index is truncated ({index.Memory.Length} of {indexSize} bytes)", Path, key);
                }
                try
                {
                    entries = sharding.DecodeIndex(index.Memory.Span, spec);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    throw new ZarrChunkException($"shard index is corrupt: {e.Message}", Path, key, e);
                }
            }
        }
        var idx = new int[cps.Length];
        while (true)
        {
            var linear = 0L;
            var origin = new long[cps.Length];
            for (var d = 0; d < cps.Length; d++)
            {
                var k = lists[d][idx[d]];
                linear = (linear * cps[d]) + k;
                origin[d] = shardOrigin[d] + ((long)k * inner[d]);
            }
            await ReadInnerAsync(meta, sharding, innerSpec, sel, key, entries, linear, origin, destination, cancellationToken);
            var dd = cps.Length - 1;
            for (; dd >= 0; dd--)
            {
                if (++idx[dd] < lists[dd].Count)
                {
                    break;
                }
                idx[dd] = 0;
            }
            if (dd < 0)
            {
                return true;
            }
        }
    }

    private async ValueTask ReadInnerAsync(ArrayMetadata meta, ShardingCodec sharding, ChunkSpec innerSpec, ResolvedSelection sel, string key,
        ulong[]? entries, long linear, long[] origin, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var maps = Maps(meta, sel, origin, sharding.InnerShape);
        var offset = entries?[2 * linear] ?? ulong.MaxValue;
        var nbytes = entries?[(2 * linear) + 1] ?? ulong.MaxValue;
        if (offset == ulong.MaxValue && nbytes == ulong.MaxValue)
        {
            DecodeInto(sharding.Inner, innerSpec, null, maps, sel, destination.Span, key);
            return;
        }
        if (nbytes > int.MaxValue || offset > long.MaxValue - nbytes)
        {
            throw new ZarrChunkException($"shard index entry (offset {offset}, nbytes {nbytes}) is invalid", Path, key);
        }
        using var part = await GetAsync(key, ByteRange.Of((long)offset, (long)nbytes), cancellationToken);
        if (part is null || part.Memory.Length != (int)nbytes)
        {
            throw new ZarrChunkException($"inner chunk at offset {offset} is truncated ({part?.Memory.Length ?? 0} of {nbytes} bytes)", Path, key);
        }
        DecodeInto(sharding.Inner, innerSpec, part.Memory, maps, sel, destination.Span, key);
    }
}
