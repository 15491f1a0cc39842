using System.Buffers;
using System.Text.Json.Nodes;

namespace Greyhub.Zarr.Codecs;

/// <summary>
/// A bytes-to-bytes codec (a v3 <c>bytes -&gt; bytes</c> codec, or a v2 numcodecs compressor or byte filter).
/// </summary>
/// <remarks>
/// <para>How to add a codec (for example in another assembly):</para>
/// <list type="number">
/// <item>Derive a sealed class from <see cref="ZarrBytesCodec"/>. Instances are immutable and used from many
/// threads at once; keep per-call state on the stack or in pooled buffers (<see cref="ArrayPool{T}"/>).</item>
/// <item>Implement <see cref="Encode"/> (append the encoded bytes to the writer) and
/// <see cref="Decode(ReadOnlySpan{byte}, Span{byte})"/> (fill a destination whose exact decoded size the
/// caller knows). Override <see cref="GetDecodedLength"/> when the encoded form records its size (a Blosc
/// header, a Zstd frame content size), and <see cref="Decode(ReadOnlySpan{byte}, IBufferWriter{byte})"/>
/// when it can decode without knowing the size. Override <see cref="ComputeEncodedSize"/> when the encoded
/// size follows from the decoded size (checksums).</item>
/// <item>Throw <see cref="ZarrCodecException"/> for corrupt, truncated or oversized input. Never let an
/// <see cref="IndexOutOfRangeException"/> escape: the array layer turns codec failures into
/// <see cref="ZarrChunkException"/> naming the array and chunk key.</item>
/// <item>Implement <see cref="ToV3"/> and <see cref="ToV2"/> so metadata round-trips.</item>
/// <item>Implement <see cref="IZarrCodecFactory"/> and register it once, e.g.
/// <c>ZarrCodecRegistry.Default.Register(new MyCodecFactory())</c>, or on a registry passed in
/// <see cref="ZarrOptions.Codecs"/>.</item>
/// </list>
/// </remarks>
public abstract class ZarrBytesCodec
{
    /// <summary>The v3 codec name, e.g. <c>gzip</c> or <c>blosc</c>.</summary>
    public abstract string Name { get; }

    /// <summary>Appends the encoded form of <paramref name="source"/> to <paramref name="destination"/>.</summary>
    public abstract void Encode(ReadOnlySpan<byte> source, IBufferWriter<byte> destination);

    /// <summary>
    /// Decodes <paramref name="source"/> into <paramref name="destination"/>, whose length is the exact decoded
    /// size expected by the caller. Returns the number of bytes written, which must equal the destination length;
    /// throws <see cref="ZarrCodecException"/> when the data is corrupt or decodes to another size.
    /// </summary>
    public abstract int Decode(ReadOnlySpan<byte> source, Span<byte> destination);

    /// <summary>
    /// Decodes <paramref name="source"/> when the decoded size is not known in advance. The default uses
    /// <see cref="GetDecodedLength"/> and fails when the format does not record the size.
    /// </summary>
    public virtual void Decode(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        var length = GetDecodedLength(source)
            ?? throw new ZarrCodecException($"codec '{Name}' cannot decode without knowing the decoded size");
        var span = destination.GetSpan(Math.Max(length, 1))[..length];
        var written = Decode(source, span);
        destination.Advance(written);
    }

    /// <summary>
    /// Decodes <paramref name="source"/> straight into rows spread through a larger output (see <see cref="ChunkRows"/>),
    /// which saves copying them out of a chunk buffer. Returns false, having written nothing, when this codec or this
    /// input has no such path; the caller then decodes into a buffer and copies. The default returns false.
    /// </summary>
    public virtual bool TryDecodeRows(ReadOnlySpan<byte> source, ChunkRows rows) => false;

    /// <summary>The decoded size recorded in the encoded form (e.g. a header), or null when it is not recorded.</summary>
    public virtual int? GetDecodedLength(ReadOnlySpan<byte> source) => null;

    /// <summary>The encoded size of <paramref name="decodedLength"/> bytes when it is fixed (e.g. checksums), else null.</summary>
    public virtual int? ComputeEncodedSize(int decodedLength) => null;

    /// <summary>The v3 form: <c>{"name": ..., "configuration": {...}}</c>.</summary>
    public abstract JsonObject ToV3();

    /// <summary>The v2 numcodecs form <c>{"id": ..., ...}</c>, or null when this codec has no v2 equivalent.</summary>
    public abstract JsonObject? ToV2();
}
