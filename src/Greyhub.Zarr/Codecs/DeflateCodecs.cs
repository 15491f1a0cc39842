using System.Buffers;
using System.IO.Compression;
using System.Text.Json.Nodes;

namespace Greyhub.Zarr.Codecs;

/// <summary>Shared plumbing for the System.IO.Compression based codecs.</summary>
internal abstract class DeflateFamilyCodec : ZarrBytesCodec
{
    protected DeflateFamilyCodec(int level)
    {
        if (level is < 0 or > 9)
        {
            throw new ZarrCodecException($"codec '{Name}': level must be 0..9, not {level}");
        }
        Level = level;
    }

    public int Level { get; }

    protected abstract Stream Compressor(Stream output);

    protected abstract Stream Decompressor(Stream input);

    public override void Encode(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        using var output = new BufferWriterStream(destination);
        using (var z = Compressor(output))
        {
            z.Write(source);
        }
    }

    public override unsafe int Decode(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        try
        {
            fixed (byte* p = source)
            {
                using var input = new UnmanagedMemoryStream(p, source.Length);
                using var z = Decompressor(input);
                var total = 0;
                while (total < destination.Length)
                {
                    var n = z.Read(destination[total..]);
                    if (n == 0)
                    {
                        throw new ZarrCodecException($"codec '{Name}': data decodes to {total} bytes, expected {destination.Length}");
                    }
                    total += n;
                }
                Span<byte> extra = stackalloc byte[1];
                if (z.Read(extra) != 0)
                {
                    throw new ZarrCodecException($"codec '{Name}': data decodes to more than the expected {destination.Length} bytes");
                }
                return total;
            }
        }
        catch (InvalidDataException e)
        {
            throw new ZarrCodecException($"codec '{Name}': corrupt data: {e.Message}", e);
        }
    }

    public override unsafe void Decode(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        try
        {
            fixed (byte* p = source)
            {
                using var input = new UnmanagedMemoryStream(p, source.Length);
                using var z = Decompressor(input);
                while (true)
                {
                    var span = destination.GetSpan(64 * 1024);
                    var n = z.Read(span);
                    if (n == 0)
                    {
                        return;
                    }
                    destination.Advance(n);
                }
            }
        }
        catch (InvalidDataException e)
        {
            throw new ZarrCodecException($"codec '{Name}': corrupt data: {e.Message}", e);
        }
    }
}

/// <summary>gzip (RFC 1952): v3 <c>gzip</c>, numcodecs <c>gzip</c>.</summary>
internal sealed class GzipCodec(int level) : DeflateFamilyCodec(level)
{
    public override string Name => "gzip";

    protected override Stream Compressor(Stream output) => new GZipStream(output, new ZLibCompressionOptions { CompressionLevel = Level }, leaveOpen: true);

    protected override Stream Decompressor(Stream input) => new GZipStream(input, CompressionMode.Decompress, leaveOpen: true);

    public override JsonObject ToV3() => JsonConfig.V3("gzip", new JsonObject { ["level"] = Level });

    public override JsonObject? ToV2() => new() { ["id"] = "gzip", ["level"] = Level };
}

/// <summary>zlib (RFC 1950): numcodecs <c>zlib</c>, v3 <c>numcodecs.zlib</c>.</summary>
internal sealed class ZlibCodec(int level) : DeflateFamilyCodec(level)
{
    public override string Name => "zlib";

    protected override Stream Compressor(Stream output) => new ZLibStream(output, new ZLibCompressionOptions { CompressionLevel = Level }, leaveOpen: true);

    protected override Stream Decompressor(Stream input) => new ZLibStream(input, CompressionMode.Decompress, leaveOpen: true);

    public override JsonObject ToV3() => JsonConfig.V3("numcodecs.zlib", new JsonObject { ["level"] = Level });

    public override JsonObject? ToV2() => new() { ["id"] = "zlib", ["level"] = Level };
}

/// <summary>A write-only stream appending to an <see cref="IBufferWriter{T}"/>.</summary>
internal sealed class BufferWriterStream(IBufferWriter<byte> writer) : Stream
{
    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Flush() { }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer) => writer.Write(buffer);
}
