using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json.Nodes;
using Greyhub.Zarr.Codecs;
using SharpCompress.Compressors;
using SharpCompress.Compressors.BZip2;
using SharpCompress.Compressors.LZMA;
using SharpCompress.Compressors.Xz;

namespace Greyhub.Zarr.Compression.Zarr;

/// <summary>A codec whose compressed form does not record its decoded size, run through SharpCompress streams.</summary>
internal abstract class StreamCodec : ZarrBytesCodec
{
    protected abstract Stream OpenDecoder(Stream compressed);

    public override int Decode(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        int written, extra;
        using (var opened = new Opened(this, source))
        {
            try
            {
                written = opened.Decoder.ReadAtLeast(destination, destination.Length, throwOnEndOfStream: false);
                Span<byte> probe = stackalloc byte[1];
                extra = opened.Decoder.Read(probe);
            }
            catch (Exception e) when (e is not ZarrException and not OutOfMemoryException)
            {
                throw Corrupt(e);
            }
        }
        return written == destination.Length && extra == 0 ? written
            : throw new ZarrCodecException($"codec '{Name}': data decodes to {(extra == 0 ? "" : "more than ")}{written} bytes, expected {destination.Length}");
    }

    public override void Decode(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        using var opened = new Opened(this, source);
        try
        {
            while (opened.Decoder.Read(destination.GetSpan(64 * 1024)) is var n && n > 0)
            {
                destination.Advance(n);
            }
        }
        catch (Exception e) when (e is not ZarrException and not OutOfMemoryException)
        {
            throw Corrupt(e);
        }
    }

    // SharpCompress reports corrupt input with a variety of exception types.
    private ZarrCodecException Corrupt(Exception e) => new($"codec '{Name}': corrupt data ({e.Message})", e);

    /// <summary>A decoder over a pooled copy of the encoded bytes.</summary>
    private sealed class Opened : IDisposable
    {
        private readonly byte[] _copy;
        private readonly MemoryStream _input;

        public Opened(StreamCodec codec, ReadOnlySpan<byte> source)
        {
            _copy = ArrayPool<byte>.Shared.Rent(Math.Max(source.Length, 1));
            source.CopyTo(_copy);
            _input = new MemoryStream(_copy, 0, source.Length, writable: false);
            try
            {
                Decoder = codec.OpenDecoder(_input);
            }
            catch (Exception e) when (e is not ZarrException and not OutOfMemoryException)
            {
                Dispose();
                throw codec.Corrupt(e);
            }
        }

        public Stream Decoder { get; } = Stream.Null;

        public void Dispose()
        {
            Decoder.Dispose();
            _input.Dispose();
            ArrayPool<byte>.Shared.Return(_copy);
        }
    }

    /// <summary>Writes the encoded bytes of one call to <paramref name="destination"/>.</summary>
    protected static void CopyOut(MemoryStream encoded, IBufferWriter<byte> destination)
    {
        var bytes = encoded.GetBuffer().AsSpan(0, (int)encoded.Length);
        bytes.CopyTo(destination.GetSpan(Math.Max(bytes.Length, 1)));
        destination.Advance(bytes.Length);
    }
}

/// <summary>numcodecs <c>bz2</c> (<c>level</c> 1-9, default 1). Encoding uses SharpCompress's bzip2 writer, whose
/// block size is fixed at 900 kB whatever the level: the output differs from Python's but any bzip2 reader decodes it.</summary>
internal sealed class Bz2Codec(int level) : StreamCodec
{
    public override string Name => "bz2";

    public static Bz2Codec Create(JsonObject? configuration, ZarrCodecContext context)
    {
        var level = ConfigReader.Int(configuration, "level", 1, "bz2");
        return level is >= 1 and <= 9 ? new Bz2Codec(level) : throw new ZarrCodecException($"codec 'bz2': level must be 1 to 9, not {level}");
    }

    protected override Stream OpenDecoder(Stream compressed)
        => BZip2Stream.Create(compressed, CompressionMode.Decompress, decompressConcatenated: true, leaveOpen: true, tolerateTruncatedStream: false);

    public override void Encode(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        using var output = new MemoryStream();
        using (var bz = BZip2Stream.Create(output, CompressionMode.Compress, decompressConcatenated: false, leaveOpen: true, tolerateTruncatedStream: false))
        {
            bz.Write(source);
        }
        CopyOut(output, destination);
    }

    public override JsonObject ToV3() => JsonConfig("numcodecs.bz2", new JsonObject { ["level"] = level });

    public override JsonObject? ToV2() => new() { ["id"] = "bz2", ["level"] = level };

    private static JsonObject JsonConfig(string name, JsonObject configuration) => new() { ["name"] = name, ["configuration"] = configuration };
}

/// <summary>
/// numcodecs <c>lzma</c>: reads <c>format</c> 1 (xz, the default) and 2 (the legacy <c>.lzma</c> "alone" format), and 0
/// (auto) for either; writes format 2 only, since SharpCompress has no xz writer. Raw streams (format 3 with
/// <c>filters</c>) are not supported.
/// </summary>
internal sealed class LzmaCodec(int format, int check, int? preset) : StreamCodec
{
    private const int FormatAuto = 0, FormatXz = 1, FormatAlone = 2;

    public override string Name => "lzma";

    public static LzmaCodec Create(JsonObject? configuration, ZarrCodecContext context)
    {
        var format = ConfigReader.Int(configuration, "format", FormatXz, "lzma");
        if (format is not (FormatAuto or FormatXz or FormatAlone) || configuration?["filters"] is not null)
        {
            throw new ZarrUnsupportedException($"lzma format {format}{(configuration?["filters"] is null ? "" : " with filters")} is not supported (xz and alone are)");
        }
        int? preset = configuration?["preset"] is null ? null : ConfigReader.Int(configuration, "preset", 6, "lzma");
        return new LzmaCodec(format, ConfigReader.Int(configuration, "check", -1, "lzma"), preset);
    }

    protected override Stream OpenDecoder(Stream compressed)
    {
        if (format == FormatXz || (format == FormatAuto && XZStream.IsXZStream(compressed)))
        {
            compressed.Position = 0;
            return new XZStream(compressed);
        }
        compressed.Position = 0;
        // .lzma: 5 property bytes, the decoded size (all ones when unknown, then an end marker), the LZMA data.
        Span<byte> header = stackalloc byte[13];
        compressed.ReadExactly(header);
        var size = BinaryPrimitives.ReadInt64LittleEndian(header[5..]);
        return LzmaStream.Create(header[..5].ToArray(), compressed, compressed.Length - 13, size, leaveOpen: true);
    }

    public override void Encode(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        if (format == FormatXz)
        {
            throw new ZarrUnsupportedException("writing lzma in the xz format is not supported; use format 2 (alone)");
        }
        using var output = new MemoryStream();
        output.Write(new byte[13]);
        byte[] properties;
        using (var lzma = LzmaStream.Create(new LzmaEncoderProperties(eos: true), false, output))
        {
            lzma.Write(source);
            properties = lzma.Properties;
        }
        var buffer = output.GetBuffer();
        properties.AsSpan(0, 5).CopyTo(buffer);
        BinaryPrimitives.WriteInt64LittleEndian(buffer.AsSpan(5, 8), -1);
        CopyOut(output, destination);
    }

    public override JsonObject ToV3() => new() { ["name"] = "numcodecs.lzma", ["configuration"] = Config() };

    public override JsonObject? ToV2()
    {
        var o = Config();
        o.Insert(0, "id", "lzma");
        return o;
    }

    private JsonObject Config() => new() { ["format"] = format, ["check"] = check, ["preset"] = preset, ["filters"] = null };
}
