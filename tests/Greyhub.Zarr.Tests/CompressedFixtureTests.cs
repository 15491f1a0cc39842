using Greyhub.Zarr.Compression;

namespace Greyhub.Zarr.Tests;

/// <summary>The blosc and zstd fixture stores, with the codecs of Greyhub.Zarr.Compression registered through the contract.</summary>
public sealed class CompressedFixtureTests
{
    public static TheoryData<string, int> Stores => new()
    {
        { "v2/array_blosc_C.zarr", 2 },
        { "v2/array_blosc_F.zarr", 2 },
        { "v2/array_zstd_C.zarr", 2 },
        { "v3/array_blosc.zarr", 3 },
        { "v3/array_blosc.zarr", 2 },
        { "v3/array_blosc_transpose.zarr", 3 },
        { "v3/array_blosc_transpose.zarr", 2 },
        { "v3/array_zstd.zarr", 3 },
        { "v3/array_zstd.zarr", 2 },
        { "v3_zarr_python/array_blosc.zarr", 3 },
        { "v3_zarr_python/array_zstd.zarr", 3 },
    };

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Blosc_and_zstd_stores_read_to_0_to_99(string store, int format)
    {
        var registry = ZarrCompression.Register(new Codecs.ZarrCodecRegistry());
        var options = new ZarrOptions { Codecs = registry };
        var array = await ZarrArray.OpenAsync(Fixtures.Store(store), options: options, zarrFormat: format, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(Fixtures.ArrayA, await array.ReadAsync<float>(cancellationToken: TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Without_the_codecs_the_error_names_the_codec_and_the_array()
    {
        var e = await Assert.ThrowsAsync<ZarrUnsupportedException>(() => ZarrArray.OpenAsync(Fixtures.Store("v3/array_zstd.zarr"),
            options: new ZarrOptions { Codecs = new Codecs.ZarrCodecRegistry() }, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("zstd", e.Message, StringComparison.Ordinal);
        Assert.Contains("gzip", e.Message, StringComparison.Ordinal);
    }
}
