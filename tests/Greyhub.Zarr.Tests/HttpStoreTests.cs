using Greyhub.Zarr.Storage;

namespace Greyhub.Zarr.Tests;

public sealed class HttpStoreTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Consolidated_v2_hierarchy_opens_and_reads_over_http()
    {
        using var dir = new TempDir();
        var local = new FileSystemStore(dir.Path);
        var root = await ZarrGroup.CreateAsync(local, "", 2, cancellationToken: Ct);
        var array = await root.CreateArrayAsync("g/a", new ZarrArrayDefinition { ZarrFormat = 2, Shape = [10, 10], ChunkShape = [5, 5], DataType = ZarrDataType.FromV2("<f4"), Compressor = new() { ["name"] = "numcodecs.zlib" } }, Ct);
        await array.WriteAsync<float>(null, Fixtures.ArrayA, Ct);
        await root.ConsolidateAsync(Ct);

        await using var server = new RangeFileServer(dir.Path);
        using var client = new HttpClient();
        var http = new HttpStore(server.BaseUri, client);
        var group = await ZarrGroup.OpenAsync(http, cancellationToken: Ct);
        Assert.True(group.IsConsolidated);
        var nodes = new List<ZarrNodeInfo>();
        await foreach (var n in group.WalkAsync(Ct))
        {
            nodes.Add(n);
        }
        Assert.True(nodes.SequenceEqual([new("g", ZarrNodeKind.Group, 2), new("g/a", ZarrNodeKind.Array, 2)]), string.Join(";", nodes));
        var before = server.Requests;
        var remote = await group.OpenArrayAsync("g/a", Ct);
        Assert.Equal(before, server.Requests); // metadata came from .zmetadata
        Assert.Equal(Fixtures.ArrayA, await remote.ReadAsync<float>(cancellationToken: Ct));
        Assert.Equal(before + 4, server.Requests);
        Assert.Contains("g/a/.zarray", await http.ListAsync("g/", Ct).ToListAsync(Ct));
    }

    [Fact]
    public async Task Sharded_fixture_reads_through_ranges_over_http()
    {
        await using var server = new RangeFileServer(Fixtures.Zarrs);
        using var client = new HttpClient();
        var http = new HttpStore(new Uri(server.BaseUri, "sharded_array_write_read.zarr/"), client);
        Assert.Equal(140, await http.GetSizeAsync("group/array/c/0/0", Ct));
        Assert.Null(await http.GetSizeAsync("group/array/c/9/9", Ct));
        Assert.Null(await http.GetAsync("nothing", Ct));
        using (var tail = await http.GetRangeAsync("group/array/c/0/0", ByteRange.Suffix(36), Ct))
        {
            var whole = await File.ReadAllBytesAsync(Path.Combine(Fixtures.Zarrs, "sharded_array_write_read.zarr/group/array/c/0/0"), Ct);
            Assert.Equal(whole[^36..], tail!.Memory.ToArray());
        }
        var counting = new CountingStore(http);
        var array = await ZarrArray.OpenAsync(counting, "group/array", cancellationToken: Ct);
        counting.Reads.Clear();
        Assert.Equal(new ushort[] { 13, 14 }, await array.ReadAsync<ushort>(ZarrSlice.Parse("1,5:7"), Ct));
        var reads = counting.Reads.ToArray();
        Assert.Equal(2, reads.Length);
        Assert.Equal(ByteRange.Suffix(36), reads[0].Range);
        Assert.Equal(36, reads[0].Bytes);
        Assert.Equal(ByteRange.Of(0, 52), reads[1].Range); // inner chunk (0,1) is stored first
        Assert.Equal(Enumerable.Range(0, 64).Select(i => (ushort)i), await array.ReadAsync<ushort>(cancellationToken: Ct));
        await Assert.ThrowsAsync<ZarrException>(() => array.WriteAsync<ushort>(null, new ushort[64], Ct));
    }
}
