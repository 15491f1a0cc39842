using System.Net;
using System.Text.Json;
using Greyhub.Testing;
using SkiaSharp;

namespace Greyhub.Data.Access.Tests;

/// <summary>
/// Remote datasets as first-class as local ones, on a colleague's static file server (<see cref="CrawlHub"/>): a store
/// without <c>.zmetadata</c> is explored through its index pages and gets one produced, the data page describes and
/// draws it, STAC reads its extent; and hostile remotes (one that never answers, an endless index page, a 5 GiB length
/// that is a lie, endless depth, thousands of children, JSON that is not, a scale_factor that overflows) each end in a
/// clear answer within the hub's limits, naming neither the remote's address nor its paths.
/// </summary>
[Collection(CrawlHubCollection.Name)]
public sealed class RemoteCrawlTests(CrawlHub hub)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private HttpClient Dave => hub.Hub.Client(hub.DaveToken);

    [Fact]
    public async Task A_store_without_zmetadata_gets_one_and_xarray_reads_it_through_the_hub()
    {
        using var response = await Dave.GetAsync("data/plain/.zmetadata", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotNull(response.Headers.ETag);
        var metadata = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("metadata");
        var keys = metadata.EnumerateObject().Select(p => p.Name).ToList();
        // Found through the root's index page (temp) and through temp's dimensions (time, lat, lon).
        foreach (var key in new[] { ".zgroup", ".zattrs", "temp/.zarray", "temp/.zattrs", "lat/.zarray", "lon/.zarray", "time/.zarray", "time/.zattrs" })
        {
            Assert.Contains(key, keys);
        }
        Assert.DoesNotContain(keys, k => k.Contains("0.0", StringComparison.Ordinal));

        var output = await DebianPython.RunAsync(PythonScripts.OpenZarrMean, [new Uri(hub.Hub.Address, "data/plain/").ToString(), hub.DaveToken, Path.Combine(hub.Www, "plain.zarr")], Ct);
        var result = JsonDocument.Parse(output).RootElement;
        Assert.Equal(result.GetProperty("direct").GetDouble(), result.GetProperty("remote").GetDouble());
        Assert.Equal([3, 10, 20], result.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
    }

    [Fact]
    public async Task The_data_page_describes_a_remote_dataset_and_draws_its_quick_look()
    {
        using var browser = await hub.SignedInAsync();
        using var page = await browser.GetAsync("hub/data/plain", Ct);
        var html = WebUtility.HtmlDecode(await page.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("id=\"dataset-remote\"", html, StringComparison.Ordinal);
        Assert.Contains("data-array=\"temp\"", html, StringComparison.Ordinal);
        Assert.Contains("time, lat, lon", html, StringComparison.Ordinal);
        Assert.Contains("3 × 10 × 20", html, StringComparison.Ordinal);
        Assert.Contains("1 × 5 × 10", html, StringComparison.Ordinal);
        Assert.Contains("remote temperature", html, StringComparison.Ordinal);
        Assert.Contains("id=\"quicklook\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("dataset-error", html, StringComparison.Ordinal);
        Assert.DoesNotContain(hub.Remote.Authority, html, StringComparison.Ordinal);

        using var png = await browser.GetAsync("hub/data/plain/quicklook.png?array=temp&index=1", Ct);
        Assert.Equal(HttpStatusCode.OK, png.StatusCode);
        Assert.Equal("image/png", png.Content.Headers.ContentType!.MediaType);
        using var bitmap = SKBitmap.Decode(await png.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal(20, bitmap.Width);
        Assert.Equal(10, bitmap.Height);
        // Colour follows the lon index (viridis from its first to its last colour), the same on every row.
        Assert.Equal(new SKColor(0x44, 0x01, 0x54), bitmap.GetPixel(0, 0));
        Assert.Equal(new SKColor(0xFD, 0xE7, 0x25), bitmap.GetPixel(19, 9));
        Assert.Equal(bitmap.GetPixel(7, 0), bitmap.GetPixel(7, 9));
    }

    [Fact]
    public async Task Stac_reads_a_remote_datasets_extent_from_its_coordinates()
    {
        var collection = JsonDocument.Parse(await Dave.GetStringAsync("data/stac/collections/plain", Ct)).RootElement;
        var bbox = collection.GetProperty("extent").GetProperty("spatial").GetProperty("bbox")[0].EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal([-4.5, 40.5, 14.5, 49.5], bbox);
        var interval = collection.GetProperty("extent").GetProperty("temporal").GetProperty("interval")[0];
        Assert.Equal("2020-01-01T00:00:00Z", interval[0].GetString());
        Assert.Equal("2020-01-03T00:00:00Z", interval[1].GetString());
        Assert.False(collection.TryGetProperty("greyhub:extent", out _));
    }

    [Fact]
    public async Task A_remote_that_never_answers_is_unavailable_and_holds_no_search_page_or_catalog()
    {
        // Search sees every dataset, the slow one among them: it answers, the slow one's extent unknown, the others known.
        var search = JsonDocument.Parse(await Dave.GetStringAsync("data/stac/search?limit=100", Ct)).RootElement;
        var items = search.GetProperty("features").EnumerateArray().ToDictionary(f => f.GetProperty("id").GetString()!);
        Assert.Equal("unavailable", items["slow"].GetProperty("properties").GetProperty("greyhub:extent").GetString());
        Assert.Contains("did not answer within 8 s", items["slow"].GetProperty("properties").GetProperty("greyhub:extent_reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(4, items["plain"].GetProperty("bbox").GetArrayLength());

        var catalog = await Dave.GetStringAsync("data/catalog.yaml", Ct);
        Assert.Contains("slow:", catalog, StringComparison.Ordinal);
        Assert.Contains("plain:", catalog, StringComparison.Ordinal);

        using var browser = await hub.SignedInAsync();
        var page = await browser.GetStringAsync("hub/data/slow", Ct);
        Assert.Contains("did not answer within 8 s", page, StringComparison.Ordinal);
        using var metadata = await Dave.GetAsync("data/slow/.zmetadata", Ct);
        Assert.Equal(HttpStatusCode.BadGateway, metadata.StatusCode);
        AssertNeutral(await metadata.Content.ReadAsStringAsync(Ct));
        AssertNeutral(page);
        AssertNeutral(search.GetRawText());
    }

    [Theory]
    [InlineData("endless", "index page")]
    [InlineData("deep", $"deeper than 6 levels")]
    [InlineData("wide", "more than 400 requests")]
    [InlineData("liar", "5368709120 bytes")]
    [InlineData("heavy", "more than 2097152 bytes")]
    public async Task A_hostile_remote_ends_in_a_clear_message_on_the_page_and_for_readers(string dataset, string says)
    {
        using var browser = await hub.SignedInAsync();
        using var response = await browser.GetAsync($"hub/data/{dataset}", Ct);
        var page = await response.Content.ReadAsStringAsync(Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("id=\"dataset-error\"", page, StringComparison.Ordinal);
        Assert.Contains(says, WebUtility.HtmlDecode(page), StringComparison.Ordinal);
        AssertNeutral(page);

        using var metadata = await Dave.GetAsync($"data/{dataset}/.zmetadata", Ct);
        Assert.Equal(HttpStatusCode.BadGateway, metadata.StatusCode);
        var text = await metadata.Content.ReadAsStringAsync(Ct);
        Assert.Contains(says, text, StringComparison.Ordinal);
        AssertNeutral(text);

        using var stac = await Dave.GetAsync($"data/stac/collections/{dataset}", Ct);
        Assert.Equal(HttpStatusCode.OK, stac.StatusCode);
        Assert.Equal("unavailable", JsonDocument.Parse(await stac.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("greyhub:extent").GetString());
    }

    [Fact]
    public async Task A_5_GiB_length_is_refused_before_any_byte_is_passed_on()
    {
        using var response = await Dave.GetAsync("data/liar/chunk", HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.Contains("larger than the hub passes on", text, StringComparison.Ordinal);
        AssertNeutral(text);
    }

    [Fact]
    public async Task Json_that_is_not_is_reported_for_its_array_and_a_broken_zmetadata_is_replaced()
    {
        using var browser = await hub.SignedInAsync();
        var page = WebUtility.HtmlDecode(await browser.GetStringAsync("hub/data/malformed", Ct));
        Assert.Contains("data-array=\"good\"", page, StringComparison.Ordinal);
        Assert.Contains("data-array=\"bad\"", page, StringComparison.Ordinal);
        Assert.Contains("not valid JSON", page, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"dataset-error\"", page, StringComparison.Ordinal);

        // The remote's .zmetadata is not JSON: readers get the one produced from exploring the store.
        var produced = JsonDocument.Parse(await Dave.GetStringAsync("data/malformed/.zmetadata", Ct)).RootElement.GetProperty("metadata");
        Assert.Equal(JsonValueKind.Null, produced.GetProperty("bad/.zarray").ValueKind);
        Assert.Equal(2, produced.GetProperty("good/.zarray").GetProperty("zarr_format").GetInt32());
    }

    [Fact]
    public async Task A_non_finite_scale_factor_leaves_the_extent_unknown_and_stac_answers()
    {
        Assert.Contains("NaN", hub.NanAttributes, StringComparison.Ordinal);
        using var collection = await Dave.GetAsync("data/stac/collections/nan", Ct);
        Assert.Equal(HttpStatusCode.OK, collection.StatusCode);
        var bbox = JsonDocument.Parse(await collection.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("extent").GetProperty("spatial").GetProperty("bbox")[0];
        // lat overflows to infinity and south's scale_factor is NaN: no latitude is known, so no box but the world's.
        Assert.Equal([-180.0, -90, 180, 90], bbox.EnumerateArray().Select(e => e.GetDouble()));
        using var search = await Dave.GetAsync("data/stac/search?collections=nan", Ct);
        Assert.Equal(HttpStatusCode.OK, search.StatusCode);
        var item = JsonDocument.Parse(await search.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("features")[0];
        Assert.Equal(JsonValueKind.Null, item.GetProperty("geometry").ValueKind);
    }

    [Fact]
    public async Task The_page_shows_the_first_200_arrays_and_says_how_many_more()
    {
        using var browser = await hub.SignedInAsync();
        var page = await browser.GetStringAsync("hub/data/many", Ct);
        Assert.Equal(200, page.Split("data-array=\"", StringSplitOptions.None).Length - 1);
        Assert.Contains("data-array=\"a199\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("data-array=\"a200\"", page, StringComparison.Ordinal);
        Assert.Contains("The first 200 arrays are shown; 50 more are not.", page, StringComparison.Ordinal);
    }

    /// <summary>What a reader is told never names the remote server nor its paths (they go to the log).</summary>
    private void AssertNeutral(string text)
    {
        Assert.DoesNotContain(hub.Remote.Authority, text, StringComparison.Ordinal);
        Assert.DoesNotContain("/hostile/", text, StringComparison.Ordinal);
        Assert.DoesNotContain(hub.Www, text, StringComparison.Ordinal);
    }
}
