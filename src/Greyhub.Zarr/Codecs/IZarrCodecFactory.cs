using System.Text.Json.Nodes;

namespace Greyhub.Zarr.Codecs;

/// <summary>Creates one kind of <see cref="ZarrBytesCodec"/> from its metadata; registered in a <see cref="ZarrCodecRegistry"/>.</summary>
public interface IZarrCodecFactory
{
    /// <summary>The v3 name, e.g. <c>blosc</c>; also accepted in v3 metadata as <c>numcodecs.&lt;id&gt;</c>.</summary>
    string Name { get; }

    /// <summary>The v2 numcodecs id, e.g. <c>blosc</c>, or null when the codec has no v2 form.</summary>
    string? NumcodecsId { get; }

    /// <summary>
    /// Creates the codec. <see cref="ZarrCodecContext.ZarrFormat"/> says whether <paramref name="configuration"/>
    /// is a v3 <c>configuration</c> object (3) or the whole v2 numcodecs object including <c>id</c> (2).
    /// The configuration may be null or partial (the command line creates codecs by name): fill in the defaults
    /// numcodecs uses. Throw <see cref="ZarrCodecException"/> for invalid settings.
    /// </summary>
    ZarrBytesCodec Create(JsonObject? configuration, ZarrCodecContext context);
}

/// <summary>What a codec may need to know about the array it serves.</summary>
/// <param name="ZarrFormat">2 when the configuration is a v2 numcodecs object, 3 when it is a v3 configuration.</param>
/// <param name="ElementSize">The array's element size in bytes (Blosc's typesize, shuffle's elementsize).</param>
/// <param name="DataType">The array's data type name in v3 spelling (e.g. <c>float32</c>).</param>
public sealed record ZarrCodecContext(int ZarrFormat, int ElementSize, string DataType);

/// <summary>A codec failed: corrupt, truncated or oversized input, or invalid configuration.</summary>
public sealed class ZarrCodecException : ZarrException
{
    /// <summary>Creates the exception.</summary>
    public ZarrCodecException(string message, Exception? inner = null) : base(message, inner) { }
}
