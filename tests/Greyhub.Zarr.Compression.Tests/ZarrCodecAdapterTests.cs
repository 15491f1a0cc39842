using System.Buffers;
using System.Text.Json.Nodes;
using Greyhub.Zarr.Codecs;

namespace Greyhub.Zarr.Compression.Tests;

/// <summary>The Zarr codec adapters: configuration, metadata round trips, errors.</summary>
public sealed class ZarrCodecAdapterTests
{
    private static readonly ZarrCodecRegistry Registry = ZarrCompression.Register(new ZarrCodecRegistry());
    private static readonly ZarrCodecContext Float32V2 = new(2, 4, "float32");
    private static readonly ZarrCodecContext UInt8V2 = new(2, 1, "uint8");
    private static readonly ZarrCodecContext Float32V3 = new(3, 4, "float32");

    [Fact]
    public void V2_blosc_defaults_follow_numcodecs_and_autoshuffle_depends_on_element_size()
    {
        var codec = Registry.CreateV2(new JsonObject { ["id"] = "blosc" }, Float32V2);
        Assert.Equal("blosc", codec.Name);
        var v2 = codec.ToV2()!;
        Assert.Equal("lz4", (string?)v2["cname"]);
        Assert.Equal(5, (int?)v2["clevel"]);
        Assert.Equal(1, (int?)v2["shuffle"]);

        var auto = new JsonObject { ["id"] = "blosc", ["cname"] = "zstd", ["clevel"] = 3, ["shuffle"] = -1, ["blocksize"] = 0 };
        Assert.Equal("shuffle", (string?)Registry.CreateV2((JsonObject)auto.DeepClone(), Float32V2).ToV3()["configuration"]!["shuffle"]);
        var bytes = Registry.CreateV2((JsonObject)auto.DeepClone(), UInt8V2);
        Assert.Equal("bitshuffle", (string?)bytes.ToV3()["configuration"]!["shuffle"]);
        Assert.Equal(-1, (int?)bytes.ToV2()!["shuffle"]);
    }

    [Fact]
    public void V3_blosc_reads_string_shuffle_and_typesize_and_round_trips()
    {
        var config = new JsonObject { ["cname"] = "lz4hc", ["clevel"] = 7, ["shuffle"] = "bitshuffle", ["typesize"] = 8, ["blocksize"] = 0 };
        var codec = Registry.CreateV3(new JsonObject { ["name"] = "blosc", ["configuration"] = config }, Float32V3);
        var v3 = codec.ToV3();
        Assert.True(JsonNode.DeepEquals(config, v3["configuration"]), v3.ToJsonString());
        var data = new byte[100_000];
        new Random(1).NextBytes(data.AsSpan(0, 1000));
        var encoded = Encode(codec, data);
        Assert.Equal(8, Blosc.GetInfo(encoded).TypeSize);
        Assert.Equal(data.Length, codec.GetDecodedLength(encoded));
        var decoded = new byte[data.Length];
        Assert.Equal(data.Length, codec.Decode(encoded, decoded));
        Assert.Equal(data, decoded);
    }

    [Fact]
    public void Zstd_and_lz4_resolve_by_v2_id_and_v3_name()
    {
        var zstd = Registry.CreateV3(new JsonObject { ["name"] = "zstd", ["configuration"] = new JsonObject { ["level"] = 5, ["checksum"] = true } }, Float32V3);
        Assert.Equal(5, (int?)zstd.ToV3()["configuration"]!["level"]);
        Assert.True((bool?)zstd.ToV3()["configuration"]!["checksum"]);
        var lz4 = Registry.CreateV3(new JsonObject { ["name"] = "numcodecs.lz4", ["configuration"] = new JsonObject { ["acceleration"] = 2 } }, Float32V3);
        Assert.Equal("lz4", (string?)lz4.ToV2()!["id"]);
        Assert.Equal(1, (int?)Registry.CreateV2(new JsonObject { ["id"] = "zstd" }, Float32V2).ToV2()!["level"]);
        var data = Enumerable.Range(0, 50_000).Select(i => (byte)(i % 17)).ToArray();
        foreach (var codec in new[] { zstd, lz4 })
        {
            var encoded = Encode(codec, data);
            Assert.Equal(data.Length, codec.GetDecodedLength(encoded));
            var decoded = new byte[data.Length];
            codec.Decode(encoded, decoded);
            Assert.Equal(data, decoded);
            var writer = new ArrayBufferWriter<byte>();
            codec.Decode(encoded, writer);
            Assert.Equal(data, writer.WrittenSpan.ToArray());
        }
    }

    [Fact]
    public void Bad_configuration_and_corrupt_data_raise_ZarrCodecException()
    {
        Assert.Throws<ZarrCodecException>(() => Registry.CreateV2(new JsonObject { ["id"] = "blosc", ["cname"] = "brotli" }, Float32V2));
        Assert.Throws<ZarrCodecException>(() => Registry.CreateV2(new JsonObject { ["id"] = "blosc", ["clevel"] = 12 }, Float32V2));
        Assert.Throws<ZarrCodecException>(() => Registry.CreateV2(new JsonObject { ["id"] = "blosc", ["shuffle"] = 5 }, Float32V2));
        Assert.Throws<ZarrCodecException>(() => Registry.CreateV3(new JsonObject { ["name"] = "blosc", ["configuration"] = new JsonObject { ["shuffle"] = "twice" } }, Float32V3));
        Assert.Throws<ZarrCodecException>(() => Registry.CreateV2(new JsonObject { ["id"] = "zstd", ["level"] = "high" }, Float32V2));
        foreach (var codec in new[]
        {
            Registry.CreateV2(new JsonObject { ["id"] = "blosc" }, Float32V2),
            Registry.CreateV2(new JsonObject { ["id"] = "zstd" }, Float32V2),
            Registry.CreateV2(new JsonObject { ["id"] = "lz4" }, Float32V2),
        })
        {
            var encoded = Encode(codec, new byte[4000]);
            Assert.Throws<ZarrCodecException>(() => codec.Decode(encoded.AsSpan(0, encoded.Length / 2), new byte[4000]));
            Assert.Throws<ZarrCodecException>(() => codec.Decode(encoded, new byte[3999]));
        }
    }

    [Fact]
    public void Register_adds_the_codecs_to_a_registry()
    {
        var registry = new ZarrCodecRegistry();
        Assert.False(registry.Contains("blosc"));
        ZarrCompression.Register(registry);
        Assert.True(registry.Contains("blosc"));
        Assert.True(registry.Contains("zstd"));
        Assert.True(registry.Contains("lz4"));
        Assert.True(registry.Contains("numcodecs.lz4"));
    }

    private static byte[] Encode(ZarrBytesCodec codec, byte[] data)
    {
        var writer = new ArrayBufferWriter<byte>();
        codec.Encode(data, writer);
        return writer.WrittenSpan.ToArray();
    }
}
