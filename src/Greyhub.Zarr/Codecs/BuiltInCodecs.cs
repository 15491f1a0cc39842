namespace Greyhub.Zarr.Codecs;

/// <summary>The codecs this assembly provides.</summary>
internal static class BuiltInCodecs
{
    public static void RegisterAll(ZarrCodecRegistry registry)
    {
        registry.Register(new DelegateCodecFactory("gzip", "gzip", (c, _) => new GzipCodec(JsonConfig.GetInt(c, "level", 5, "gzip"))));
        // numcodecs.zlib in v3; v2 id "zlib".
        registry.Register(new DelegateCodecFactory("zlib", "zlib", (c, _) => new ZlibCodec(JsonConfig.GetInt(c, "level", 1, "zlib"))));
        registry.Register(new DelegateCodecFactory("crc32c", "crc32c", (_, _) => new Crc32cCodec()));
        registry.Register(new DelegateCodecFactory("fletcher32", "fletcher32", (_, _) => new Fletcher32Codec()));
        registry.Register(new DelegateCodecFactory("shuffle", "shuffle",
            (c, ctx) => new ShuffleCodec(JsonConfig.GetInt(c, "elementsize", ctx.ElementSize, "shuffle"))));
        registry.Register(new DelegateCodecFactory("delta", "delta", DeltaCodec.Create));
        registry.Register(new DelegateCodecFactory("fixedscaleoffset", "fixedscaleoffset", FixedScaleOffsetCodec.Create));
        registry.Register(new DelegateCodecFactory("quantize", "quantize", QuantizeCodec.Create));
        registry.Register(new DelegateCodecFactory("astype", "astype", AsTypeCodec.Create));
        registry.Register(new DelegateCodecFactory("packbits", "packbits", (_, _) => new PackBitsCodec()));
        registry.Register(new DelegateCodecFactory("categorize", "categorize", CategorizeCodec.Create));
    }
}
