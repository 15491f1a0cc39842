using System.Text;
using Greyhub.Zarr.Storage;

namespace Greyhub.Zarr.Tests;

/// <summary>
/// The <see cref="IZarrStore"/> contract: every store's tests inherit this kit. Read-only stores get their
/// content from <see cref="SeedAsync"/> (written through a writable twin) and are checked to refuse writes.
/// </summary>
public abstract class StoreConformanceTests : IAsyncLifetime
{
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected static readonly byte[] Value = Encoding.ASCII.GetBytes("0123456789abcdef");

    protected IZarrStore Store { get; private set; } = null!;

    /// <summary>Creates the store holding <c>a/b/key</c> = <see cref="Value"/>, <c>a/other</c> and <c>z</c>.</summary>
    protected abstract Task<IZarrStore> CreateAsync();

    protected static async Task SeedAsync(IZarrStore writable)
    {
        await writable.SetAsync("a/b/key", Value, Ct);
        await writable.SetAsync("a/other", "x"u8.ToArray(), Ct);
        await writable.SetAsync("z", Array.Empty<byte>(), Ct);
    }

    public async ValueTask InitializeAsync() => Store = await CreateAsync();

    public ValueTask DisposeAsync() => CleanupAsync();

    protected virtual ValueTask CleanupAsync() => ValueTask.CompletedTask;

    private static async Task<byte[]?> BytesAsync(ValueTask<System.Buffers.IMemoryOwner<byte>?> value)
    {
        using var owner = await value;
        return owner?.Memory.ToArray();
    }

    [Fact]
    public async Task Get_returns_values_and_null_for_missing_keys()
    {
        Assert.Equal(Value, await BytesAsync(Store.GetAsync("a/b/key", Ct)));
        Assert.Equal(Array.Empty<byte>(), await BytesAsync(Store.GetAsync("z", Ct)));
        Assert.Null(await BytesAsync(Store.GetAsync("a/missing", Ct)));
        Assert.Null(await BytesAsync(Store.GetAsync("nothing/here/at/all", Ct)));
    }

    [Fact]
    public async Task Ranges_prefixes_suffixes_and_past_the_end()
    {
        Assert.Equal("234"u8.ToArray(), await BytesAsync(Store.GetRangeAsync("a/b/key", ByteRange.Of(2, 3), Ct)));
        Assert.Equal("def"u8.ToArray(), await BytesAsync(Store.GetRangeAsync("a/b/key", ByteRange.Suffix(3), Ct)));
        Assert.Equal("cdef"u8.ToArray(), await BytesAsync(Store.GetRangeAsync("a/b/key", ByteRange.From(12), Ct)));
        Assert.Equal("ef"u8.ToArray(), await BytesAsync(Store.GetRangeAsync("a/b/key", ByteRange.Of(14, 10), Ct)));
        Assert.Equal(Value, await BytesAsync(Store.GetRangeAsync("a/b/key", ByteRange.Suffix(100), Ct)));
        Assert.Null(await BytesAsync(Store.GetRangeAsync("a/missing", ByteRange.Of(0, 1), Ct)));
    }

    [Fact]
    public async Task Sizes()
    {
        Assert.Equal(16, await Store.GetSizeAsync("a/b/key", Ct));
        Assert.Equal(0, await Store.GetSizeAsync("z", Ct));
        Assert.Null(await Store.GetSizeAsync("a/missing", Ct));
    }

    [Fact]
    public async Task Invalid_keys_are_rejected()
    {
        foreach (var key in new[] { "../etc/passwd", "/abs", "a//b", "a/./b", "trailing/" })
        {
            await Assert.ThrowsAnyAsync<ZarrException>(async () => await Store.GetAsync(key, Ct));
        }
    }

    [Fact]
    public virtual async Task Listing_by_prefix()
    {
        Assert.Equal(["a/b/key", "a/other"], await Store.ListAsync("a/", Ct).ToListAsync(Ct));
        Assert.Equal(["a/b/key", "a/other", "z"], await Store.ListAsync("", Ct).ToListAsync(Ct));
        Assert.Empty(await Store.ListAsync("q/", Ct).ToListAsync(Ct));
    }

    [Fact]
    public async Task Writes_replace_and_delete()
    {
        if (!Store.IsWritable)
        {
            await Assert.ThrowsAnyAsync<ZarrException>(async () => await Store.SetAsync("w", Value, Ct));
            return;
        }
        await Store.SetAsync("w/x", Value, Ct);
        await Store.SetAsync("w/x", "new"u8.ToArray(), Ct);
        Assert.Equal("new"u8.ToArray(), await BytesAsync(Store.GetAsync("w/x", Ct)));
        await Store.DeleteAsync("w/x", Ct);
        await Store.DeleteAsync("w/x", Ct);
        Assert.Null(await BytesAsync(Store.GetAsync("w/x", Ct)));
    }
}

public sealed class InMemoryStoreConformanceTests : StoreConformanceTests
{
    protected override async Task<IZarrStore> CreateAsync()
    {
        var store = new InMemoryStore();
        await SeedAsync(store);
        return store;
    }
}

public sealed class FileSystemStoreConformanceTests : StoreConformanceTests
{
    private readonly TempDir _dir = new();

    protected override async Task<IZarrStore> CreateAsync()
    {
        var store = new FileSystemStore(_dir.Path);
        await SeedAsync(store);
        return store;
    }

    protected override ValueTask CleanupAsync()
    {
        _dir.Dispose();
        return ValueTask.CompletedTask;
    }
}

public sealed class ZipStoreConformanceTests : StoreConformanceTests
{
    private readonly TempDir _dir = new();
    private ZipStore? _zip;

    protected override async Task<IZarrStore> CreateAsync()
    {
        var path = _dir.Sub("s.zip");
        using (var writer = new ZipStore(path, writable: true))
        {
            await SeedAsync(writer);
        }
        return _zip = new ZipStore(path);
    }

    protected override ValueTask CleanupAsync()
    {
        _zip?.Dispose();
        _dir.Dispose();
        return ValueTask.CompletedTask;
    }
}

public sealed class HttpStoreConformanceTests : StoreConformanceTests
{
    private readonly TempDir _dir = new();
    private readonly HttpClient _client = new();
    private RangeFileServer? _server;

    protected override async Task<IZarrStore> CreateAsync()
    {
        await SeedAsync(new FileSystemStore(_dir.Path));
        _server = new RangeFileServer(_dir.Path);
        return new HttpStore(_server.BaseUri, _client);
    }

    /// <summary>HTTP has no listing: without consolidated metadata it says so with a typed error.</summary>
    public override async Task Listing_by_prefix()
        => await Assert.ThrowsAsync<ZarrUnsupportedException>(async () => await Store.ListAsync("a/", Ct).ToListAsync(Ct));

    protected override async ValueTask CleanupAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        _client.Dispose();
        _dir.Dispose();
    }
}
