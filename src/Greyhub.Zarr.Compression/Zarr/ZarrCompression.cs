using System.Text.Json.Nodes;
using Greyhub.Zarr.Codecs;
using Greyhub.Zarr.Compression.Zarr;

namespace Greyhub.Zarr.Compression;

/// <summary>
/// Plugs the codecs of this assembly into Greyhub.Zarr: v2 numcodecs ids <c>blosc</c>, <c>zstd</c>, <c>lz4</c>,
/// <c>bz2</c>, <c>lzma</c> and v3 codecs <c>blosc</c>, <c>zstd</c>, <c>numcodecs.lz4</c>, <c>numcodecs.bz2</c>, <c>numcodecs.lzma</c>.
/// </summary>
public static class ZarrCompression
{
    /// <summary>The factories, one per codec.</summary>
    public static IReadOnlyList<IZarrCodecFactory> Factories { get; } =
    [
        new Factory("blosc", "blosc", BloscZarrCodec.Create),
        new Factory("zstd", "zstd", ZstdZarrCodec.Create),
        new Factory(Lz4ZarrCodec.V3Name, "lz4", Lz4ZarrCodec.Create),
        new Factory("numcodecs.bz2", "bz2", Bz2Codec.Create),
        new Factory("numcodecs.lzma", "lzma", LzmaCodec.Create),
    ];

    /// <summary>
    /// Registers blosc, zstd, lz4, bz2 and lzma in <paramref name="registry"/> (by default <see cref="ZarrCodecRegistry.Default"/>).
    /// Safe to call more than once.
    /// </summary>
    public static ZarrCodecRegistry Register(ZarrCodecRegistry? registry = null)
    {
        registry ??= ZarrCodecRegistry.Default;
        foreach (var factory in Factories)
        {
            registry.Register(factory);
        }
        return registry;
    }

    private sealed class Factory(string name, string numcodecsId, Func<JsonObject?, ZarrCodecContext, ZarrBytesCodec> create) : IZarrCodecFactory
    {
        public string Name => name;

        public string? NumcodecsId => numcodecsId;

        public ZarrBytesCodec Create(JsonObject? configuration, ZarrCodecContext context) => create(configuration, context);
    }
}
