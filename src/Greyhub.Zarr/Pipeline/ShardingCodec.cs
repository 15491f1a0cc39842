using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Greyhub.Zarr.Codecs;
using Greyhub.Zarr.Metadata;

namespace Greyhub.Zarr.Pipeline;

/// <summary>
/// v3 <c>sharding_indexed</c>: a shard holds inner chunks back to back plus an index of (offset, nbytes) uint64
/// pairs, at the start or the end; <c>2^64-1</c> twice marks an empty inner chunk.
/// </summary>
internal sealed class ShardingCodec(int[] innerShape, CodecPipeline inner, CodecPipeline index, bool indexAtStart) : ArrayBytesCodec
{
    private static readonly ZarrDataType IndexType = new(ZarrTypeKind.UInt, 8);

    public int[] InnerShape { get; } = innerShape;

    public CodecPipeline Inner { get; } = inner;

    public CodecPipeline Index { get; } = index;

    public bool IndexAtStart { get; } = indexAtStart;

    public override string Name => "sharding_indexed";

    public int[] ChunksPerShard(ChunkSpec shard)
    {
        var cps = new int[shard.Shape.Length];
        for (var d = 0; d < cps.Length; d++)
        {
            if (InnerShape[d] <= 0 || shard.Shape[d] % InnerShape[d] != 0)
            {
                throw new ZarrMetadataException($"shard shape [{string.Join(",", shard.Shape)}] is not a multiple of inner chunk shape [{string.Join(",", InnerShape)}]");
            }
            cps[d] = shard.Shape[d] / InnerShape[d];
        }
        return cps;
    }

    public ChunkSpec InnerSpec(ChunkSpec shard) => shard.WithShape(InnerShape);

    private static ChunkSpec IndexSpec(int[] cps) => new([.. cps, 2], IndexType, FillValue.Zero(IndexType));

    public int IndexSize(ChunkSpec shard) => Index.EncodedSize(IndexSpec(ChunksPerShard(shard)))
        ?? throw new ZarrUnsupportedException("sharding index_codecs must produce a fixed size");

    /// <summary>Decodes the index bytes into (offset, nbytes) pairs in C order of inner chunks.</summary>
    public ulong[] DecodeIndex(ReadOnlySpan<byte> indexBytes, ChunkSpec shard)
    {
        var cps = ChunksPerShard(shard);
        var spec = IndexSpec(cps);
        var result = new ulong[spec.Elements];
        Index.Decode(indexBytes, MemoryMarshal.AsBytes(result.AsSpan()), spec);
        return result;
    }

    public override void Decode(ReadOnlySpan<byte> encoded, Span<byte> chunk, ChunkSpec spec)
    {
        var indexSize = IndexSize(spec);
        if (encoded.Length < indexSize)
        {
            throw new ZarrCodecException($"shard has {encoded.Length} bytes, less than its {indexSize}-byte index");
        }
        var entries = DecodeIndex(IndexAtStart ? encoded[..indexSize] : encoded[^indexSize..], spec);
        var cps = ChunksPerShard(spec);
        var innerSpec = InnerSpec(spec);
        var innerLength = innerSpec.ByteLength;
        var temp = ArrayPool<byte>.Shared.Rent(Math.Max(innerLength, 1));
        try
        {
            var origin = new int[cps.Length];
            for (var i = 0; i < entries.Length / 2; i++)
            {
                var buffer = temp.AsSpan(0, innerLength);
                var slice = Slice(encoded, entries[2 * i], entries[2 * i + 1]);
                if (slice is null)
                {
                    spec.Fill.FillBuffer(buffer);
                }
                else
                {
                    Inner.Decode(encoded.Slice(slice.Value.Start, slice.Value.Length), buffer, innerSpec);
                }
                CopyInner(buffer, chunk, spec, i, cps, origin, toShard: true);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(temp);
        }
    }

    /// <summary>The (start, length) of an inner chunk, null when empty; throws when it lies outside the shard.</summary>
    public static (int Start, int Length)? Slice(ReadOnlySpan<byte> shard, ulong offset, ulong nbytes) => Slice(shard.Length, offset, nbytes);

    public static (int Start, int Length)? Slice(long shardLength, ulong offset, ulong nbytes)
    {
        if (offset == ulong.MaxValue && nbytes == ulong.MaxValue)
        {
            return null;
        }
        if (offset > (ulong)shardLength || nbytes > (ulong)shardLength - offset)
        {
            throw new ZarrCodecException($"shard index entry (offset {offset}, nbytes {nbytes}) lies outside the {shardLength}-byte shard");
        }
        return ((int)offset, (int)nbytes);
    }

    public override void Encode(ReadOnlySpan<byte> chunk, ChunkSpec spec, IBufferWriter<byte> output)
    {
        var cps = ChunksPerShard(spec);
        var innerSpec = InnerSpec(spec);
        var innerLength = innerSpec.ByteLength;
        var n = innerSpec.Elements == 0 ? 0 : (int)(spec.Elements / innerSpec.Elements);
        var entries = new ulong[n * 2];
        var indexSize = IndexSize(spec);
        using var body = new Storage.PooledBufferWriter(chunk.Length / 2 + 64);
        using var one = new Storage.PooledBufferWriter(innerLength + 64);
        var temp = ArrayPool<byte>.Shared.Rent(Math.Max(innerLength, 1));
        var shardCopy = ArrayPool<byte>.Shared.Rent(Math.Max(chunk.Length, 1));
        try
        {
            chunk.CopyTo(shardCopy);
            var origin = new int[cps.Length];
            var baseOffset = IndexAtStart ? (ulong)indexSize : 0;
            for (var i = 0; i < n; i++)
            {
                var buffer = temp.AsSpan(0, innerLength);
                CopyInner(buffer, shardCopy.AsSpan(0, chunk.Length), spec, i, cps, origin, toShard: false);
                if (spec.Fill.IsAllFill(buffer))
                {
                    entries[2 * i] = entries[2 * i + 1] = ulong.MaxValue;
                    continue;
                }
                one.Clear();
                Inner.Encode(buffer, innerSpec, one);
                entries[2 * i] = baseOffset + (ulong)body.Count;
                entries[2 * i + 1] = (ulong)one.Count;
                body.Write(one.WrittenSpan);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(temp);
            ArrayPool<byte>.Shared.Return(shardCopy);
        }
        using var index = new Storage.PooledBufferWriter(indexSize + 16);
        Index.Encode(MemoryMarshal.AsBytes(entries.AsSpan()), IndexSpec(cps), index);
        if (IndexAtStart)
        {
            output.Write(index.WrittenSpan);
            output.Write(body.WrittenSpan);
        }
        else
        {
            output.Write(body.WrittenSpan);
            output.Write(index.WrittenSpan);
        }
    }

    private void CopyInner(Span<byte> inner, Span<byte> shard, ChunkSpec spec, int i, int[] cps, int[] origin, bool toShard)
    {
        var rest = i;
        for (var d = cps.Length - 1; d >= 0; d--)
        {
            origin[d] = rest % cps[d] * InnerShape[d];
            rest /= cps[d];
        }
        var outShape = spec.Shape.Select(x => (long)x).ToArray();
        RegionCopy.Copy(inner, InnerShape, shard, outShape, RegionCopy.Block(InnerShape, origin), spec.Type.Size, toOutput: toShard);
    }

    public override JsonObject ToV3() => new()
    {
        ["name"] = "sharding_indexed",
        ["configuration"] = new JsonObject
        {
            ["chunk_shape"] = new JsonArray([.. InnerShape.Select(x => (JsonNode?)x)]),
            ["codecs"] = Inner.ToV3(),
            ["index_codecs"] = Index.ToV3(),
            ["index_location"] = IndexAtStart ? "start" : "end",
        },
    };
}
