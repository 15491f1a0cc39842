namespace Greyhub.Zarr.Compression.Tests;

/// <summary>The plain zstd and lz4 codecs against numcodecs 0.11's <c>Zstd</c> and <c>LZ4</c>, both ways.</summary>
public sealed class NumcodecsZstdLz4Tests
{
    [Fact]
    public async Task Zstd_decodes_numcodecs_frames()
    {
        NumcodecsVectors.Require();
        var vectors = await NumcodecsVectors.EncodeAsync("zstd", BloscCases.Zstd);
        Assert.NotEmpty(vectors);
        foreach (var v in vectors)
        {
            Assert.Equal(v.Raw.Length, Zstd.GetDecompressedSize(v.Encoded));
            Assert.True(Zstd.Decompress(v.Encoded).AsSpan().SequenceEqual(v.Raw), v.Case.ToString());
            var into = new byte[v.Raw.Length];
            Assert.Equal(v.Raw.Length, Zstd.Decompress(v.Encoded, into.AsSpan()));
            Assert.True(into.AsSpan().SequenceEqual(v.Raw), v.Case.ToString());
        }
    }

    [Fact]
    public async Task Zstd_encodes_like_numcodecs_at_low_levels()
    {
        NumcodecsVectors.Require();
        var vectors = await NumcodecsVectors.EncodeAsync("zstd", BloscCases.Zstd);
        // At level 1 zstd 1.5.4 (Debian) and 1.5.7 (ZstdSharp) write the same frames; elsewhere they may differ.
        var low = vectors.Where(v => v.Case.Level == 1).ToList();
        Assert.NotEmpty(low);
        foreach (var v in low)
        {
            Assert.True(Zstd.Compress(v.Raw, v.Case.Level).AsSpan().SequenceEqual(v.Encoded), v.Case.ToString());
        }
    }

    [Fact]
    public async Task Numcodecs_decodes_our_zstd_frames()
    {
        NumcodecsVectors.Require();
        // numcodecs 0.11 cannot decode an empty frame, not even its own.
        var vectors = (await NumcodecsVectors.EncodeAsync("zstd", BloscCases.Zstd)).Where(v => v.Raw.Length > 0).ToList();
        var ours = vectors.Select(v => (v.Case, Zstd.Compress(v.Raw, v.Case.Level, checksum: v.Case.Id % 2 == 0))).ToList();
        var decoded = await NumcodecsVectors.DecodeAsync(ours, TestContext.Current.CancellationToken);
        for (var i = 0; i < vectors.Count; i++)
        {
            Assert.True(decoded[i] is { } d && d.AsSpan().SequenceEqual(vectors[i].Raw), vectors[i].Case.ToString());
        }
    }

    [Fact]
    public async Task Lz4_decodes_numcodecs_and_encodes_identically()
    {
        NumcodecsVectors.Require();
        var vectors = await NumcodecsVectors.EncodeAsync("lz4", BloscCases.Lz4);
        Assert.NotEmpty(vectors);
        foreach (var v in vectors)
        {
            Assert.True(Lz4.Decompress(v.Encoded).AsSpan().SequenceEqual(v.Raw), v.Case.ToString());
            Assert.True(Lz4.Compress(v.Raw, v.Case.Acceleration).AsSpan().SequenceEqual(v.Encoded), v.Case.ToString());
        }
    }

    [Fact]
    public async Task Numcodecs_decodes_our_lz4()
    {
        NumcodecsVectors.Require();
        // numcodecs 0.11 cannot decode empty LZ4 data, not even its own.
        var vectors = (await NumcodecsVectors.EncodeAsync("lz4", BloscCases.Lz4)).Where(v => v.Raw.Length > 0).ToList();
        var ours = vectors.Select(v => (v.Case, Lz4.Compress(v.Raw, v.Case.Acceleration))).ToList();
        var decoded = await NumcodecsVectors.DecodeAsync(ours, TestContext.Current.CancellationToken);
        for (var i = 0; i < vectors.Count; i++)
        {
            Assert.True(decoded[i] is { } d && d.AsSpan().SequenceEqual(vectors[i].Raw), vectors[i].Case.ToString());
        }
    }
}
