using System.Buffers;
using System.Text.Json.Nodes;
using Greyhub.Zarr.Codecs;
using Greyhub.Zarr.Storage;

namespace Greyhub.Zarr.Pipeline;

/// <summary>
/// A chunk's codecs: optional transpose (array to array), one array-to-bytes codec (bytes, sharding_indexed or
/// vlen-utf8) and bytes-to-bytes codecs. Decodes into C-order little-endian chunk buffers.
/// </summary>
internal sealed class CodecPipeline(int[]? order, ArrayBytesCodec? arrayToBytes, ZarrBytesCodec[] bytesCodecs, CategorizeCodec? objectCodec = null)
{
    /// <summary>The object codec of a v2 <c>|O</c> array when it is not vlen-utf8 (numcodecs categorize).</summary>
    public CategorizeCodec? ObjectCodec { get; } = objectCodec;

    /// <summary>The composed transpose permutation, or null.</summary>
    public int[]? Order { get; } = order;

    /// <summary>Null for vlen-utf8 string arrays.</summary>
    public ArrayBytesCodec? ArrayToBytes { get; } = arrayToBytes;

    public ZarrBytesCodec[] BytesCodecs { get; } = bytesCodecs;

    public bool IsVlenUtf8 => ArrayToBytes is null;

    /// <summary>True when the chunk is a shard that can be read inner chunk by inner chunk through its index.</summary>
    public ShardingCodec? PartialSharding => Order is null && BytesCodecs.Length == 0 ? ArrayToBytes as ShardingCodec : null;

    public int? EncodedSize(ChunkSpec spec)
    {
        var size = ArrayToBytes?.EncodedSize(Encoded(spec));
        foreach (var c in BytesCodecs)
        {
            size = size is { } s ? c.ComputeEncodedSize(s) : null;
        }
        return size;
    }

    public void Decode(ReadOnlySpan<byte> encoded, Span<byte> chunk, ChunkSpec spec)
    {
        var arrayCodec = ArrayToBytes ?? throw new ZarrUnsupportedException("string chunks need DecodeStrings");
        var bspec = Encoded(spec);
        var direct = Order is null && arrayCodec is BytesArrayCodec b && (!b.BigEndian || spec.Type.SwapUnit == 1);
        byte[]? rented = null;
        PooledBufferWriter? writer = null;
        try
        {
            var current = DecodeBytes(encoded, arrayCodec.EncodedSize(bspec), direct, chunk, ref rented, ref writer, out var done);
            if (done)
            {
                return;
            }
            if (Order is null)
            {
                arrayCodec.Decode(current, chunk, bspec);
                return;
            }
            var temp = ArrayPool<byte>.Shared.Rent(chunk.Length);
            try
            {
                arrayCodec.Decode(current, temp.AsSpan(0, chunk.Length), bspec);
                Transpose.Decode(temp.AsSpan(0, chunk.Length), chunk, spec.Shape, Order, spec.Type.Size);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(temp);
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
            writer?.Dispose();
        }
    }

    /// <summary>
    /// Decodes a chunk straight into its rows' places in a larger output when the chunk's bytes are its elements as
    /// stored (no transpose, little-endian or single-byte) and at most one bytes codec stands in between, which then
    /// writes the rows itself. False when this pipeline or that codec has no such path; nothing is written then.
    /// </summary>
    public bool TryDecodeRows(ReadOnlySpan<byte> encoded, ChunkRows rows, ChunkSpec spec)
    {
        if (Order is not null || ArrayToBytes is not BytesArrayCodec b || (b.BigEndian && spec.Type.SwapUnit != 1) || BytesCodecs.Length > 1)
        {
            return false;
        }
        if (BytesCodecs.Length == 1)
        {
            return BytesCodecs[0].TryDecodeRows(encoded, rows);
        }
        if (encoded.Length != rows.ChunkBytes)
        {
            throw new ZarrCodecException($"chunk has {encoded.Length} bytes, expected {rows.ChunkBytes}");
        }
        rows.CopyFrom(encoded);
        return true;
    }

    /// <summary>Runs the bytes-to-bytes codecs backwards; when <paramref name="direct"/>, the bytes codec is the identity,
    /// so the last step decodes straight into <paramref name="target"/> and sets <paramref name="done"/>.</summary>
    private ReadOnlySpan<byte> DecodeBytes(ReadOnlySpan<byte> encoded, int? arrayBytesSize, bool direct, Span<byte> target,
        ref byte[]? rented, ref PooledBufferWriter? writer, out bool done)
    {
        done = false;
        if (BytesCodecs.Length == 0)
        {
            if (direct)
            {
                if (encoded.Length != target.Length)
                {
                    throw new ZarrCodecException($"chunk has {encoded.Length} bytes, expected {target.Length}");
                }
                encoded.CopyTo(target);
                done = true;
            }
            return encoded;
        }
        var sizes = new int?[BytesCodecs.Length];
        var size = arrayBytesSize;
        for (var k = 0; k < BytesCodecs.Length; k++)
        {
            sizes[k] = size;
            size = size is { } s ? BytesCodecs[k].ComputeEncodedSize(s) : null;
        }
        var current = encoded;
        for (var k = BytesCodecs.Length - 1; k >= 0; k--)
        {
            var codec = BytesCodecs[k];
            if (direct && k == 0 && sizes[0] is { } last && target.Length == last)
            {
                codec.Decode(current, target);
                done = true;
                return target;
            }
            byte[]? nextRented = null;
            PooledBufferWriter? nextWriter = null;
            ReadOnlySpan<byte> next;
            if (sizes[k] is { } known)
            {
                nextRented = ArrayPool<byte>.Shared.Rent(Math.Max(known, 1));
                var n = codec.Decode(current, nextRented.AsSpan(0, known));
                next = nextRented.AsSpan(0, n);
            }
            else
            {
                nextWriter = new PooledBufferWriter(Math.Max(current.Length * 2, 4096));
                codec.Decode(current, nextWriter);
                next = nextWriter.WrittenSpan;
            }
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
            writer?.Dispose();
            rented = nextRented;
            writer = nextWriter;
            current = next;
        }
        return current;
    }

    public void Encode(ReadOnlySpan<byte> chunk, ChunkSpec spec, PooledBufferWriter output)
    {
        var arrayCodec = ArrayToBytes ?? throw new ZarrUnsupportedException("string chunks need EncodeStrings");
        var bspec = Encoded(spec);
        using var stage = new PooledBufferWriter(chunk.Length + 64);
        if (Order is null)
        {
            arrayCodec.Encode(chunk, bspec, BytesCodecs.Length == 0 ? output : stage);
        }
        else
        {
            var temp = ArrayPool<byte>.Shared.Rent(Math.Max(chunk.Length, 1));
            try
            {
                Transpose.Encode(chunk, temp.AsSpan(0, chunk.Length), spec.Shape, Order, spec.Type.Size);
                arrayCodec.Encode(temp.AsSpan(0, chunk.Length), bspec, BytesCodecs.Length == 0 ? output : stage);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(temp);
            }
        }
        EncodeBytes(stage, output);
    }

    private void EncodeBytes(PooledBufferWriter stage, PooledBufferWriter output)
    {
        if (BytesCodecs.Length == 0)
        {
            return;
        }
        using var other = new PooledBufferWriter(stage.Count + 64);
        var (from, to) = (stage, other);
        for (var k = 0; k < BytesCodecs.Length; k++)
        {
            var dst = k == BytesCodecs.Length - 1 ? output : to;
            dst.Clear();
            BytesCodecs[k].Encode(from.WrittenSpan, dst);
            (from, to) = (dst, from);
        }
    }

    public void DecodeStrings(ReadOnlySpan<byte> encoded, string[] chunk)
    {
        byte[]? rented = null;
        PooledBufferWriter? writer = null;
        try
        {
            var bytes = DecodeBytes(encoded, ObjectCodec is null ? null : chunk.Length * ObjectCodec.EncodedElementSize, false, default, ref rented, ref writer, out _);
            if (ObjectCodec is null)
            {
                VlenUtf8.Decode(bytes, chunk);
            }
            else
            {
                ObjectCodec.DecodeStrings(bytes, chunk);
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
            writer?.Dispose();
        }
    }

    public void EncodeStrings(ReadOnlySpan<string> chunk, PooledBufferWriter output)
    {
        using var stage = new PooledBufferWriter(4096);
        var first = BytesCodecs.Length == 0 ? output : stage;
        if (ObjectCodec is null)
        {
            VlenUtf8.Encode(chunk, first);
        }
        else
        {
            ObjectCodec.EncodeStrings(chunk, first);
        }
        EncodeBytes(stage, output);
    }

    public JsonArray ToV3()
    {
        var list = new JsonArray();
        if (Order is not null)
        {
            list.Add(new JsonObject { ["name"] = "transpose", ["configuration"] = new JsonObject { ["order"] = new JsonArray([.. Order.Select(o => (JsonNode?)o)]) } });
        }
        list.Add(ArrayToBytes?.ToV3() ?? ObjectCodec?.ToV3() ?? new JsonObject { ["name"] = "vlen-utf8" });
        foreach (var c in BytesCodecs)
        {
            list.Add(c.ToV3());
        }
        return list;
    }

    private ChunkSpec Encoded(ChunkSpec spec) => Order is null ? spec : spec.WithShape(Transpose.Permute(spec.Shape, Order));
}
