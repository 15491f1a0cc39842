using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Greyhub.Testing;

namespace Greyhub.Data.Access.Tests;

/// <summary>
/// The STAC API over datasets written by Debian's xarray and zarr: every document validated against the STAC JSON
/// schemas with Debian's jsonschema, extents read from CF attributes, searches returning exactly the right items, and
/// nothing about datasets the caller may not read.
/// </summary>
[Collection(StacCollection.Name)]
public sealed class StacApiTests(StacHub stac)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Schemas => Path.Combine(AppContext.BaseDirectory, "fixtures", "stac-schemas");

    private const string ItemSchema = "https://schemas.stacspec.org/v1.0.0/item-spec/json-schema/item.json#";
    private const string CollectionSchema = "https://schemas.stacspec.org/v1.0.0/collection-spec/json-schema/collection.json#";

    [Fact]
    public async Task Every_response_validates_against_the_stac_schemas()
    {
        string[] pairs =
        [
            "data/stac|https://greyhub.test/stac-api/landing-page.json",
            "data/stac/conformance|https://greyhub.test/stac-api/conformance.json",
            "data/stac/collections|https://greyhub.test/stac-api/collections.json",
            $"data/stac/collections/arctic|{CollectionSchema}",
            $"data/stac/collections/static|{CollectionSchema}",
            "data/stac/collections/tropics/items|https://greyhub.test/stac-api/item-collection.json",
            $"data/stac/collections/arctic/items/arctic|{ItemSchema}",
            $"data/stac/collections/tropics/items/tropics|{ItemSchema}",
            $"data/stac/collections/static/items/static|{ItemSchema}",
            "data/stac/search?limit=2|https://greyhub.test/stac-api/item-collection.json",
            "data/stac/search?bbox=170,-5,-170,5&datetime=2021-01-01T00:00:00Z/..|https://greyhub.test/stac-api/item-collection.json",
        ];
        var output = await DebianPython.RunAsync(StacScripts.Validate, [Schemas, stac.Hub.Address.ToString(), stac.AliceToken, .. pairs], Ct);
        var result = JsonDocument.Parse(output).RootElement;
        Assert.True(result.GetProperty("selfcheck").GetInt32() > 0, "the validator must reject an item without assets");
        foreach (var path in result.GetProperty("results").EnumerateObject())
        {
            Assert.True(path.Value.GetArrayLength() == 0, $"{path.Name}: {path.Value}");
        }
        Assert.Equal(pairs.Length, result.GetProperty("results").EnumerateObject().Count());
    }

    [Fact]
    public async Task Landing_page_links_and_conformance()
    {
        var landing = await GetAsync(stac.AliceToken, "data/stac");
        Assert.Equal("Catalog", landing.GetProperty("type").GetString());
        var rels = Links(landing);
        Assert.Equal(stac.Hub.Address + "data/stac", rels["self"]);
        Assert.Equal(stac.Hub.Address + "data/stac/conformance", rels["conformance"]);
        Assert.Equal(stac.Hub.Address + "data/stac/collections", rels["data"]);
        Assert.Equal(stac.Hub.Address + "data/stac/search", rels["search"]);
        Assert.Equal(["arctic", "static", "tropics"], landing.GetProperty("links").EnumerateArray()
            .Where(l => l.GetProperty("rel").GetString() == "child").Select(l => l.GetProperty("href").GetString()!.Split('/')[^1]));
        var conformance = await GetAsync(stac.AliceToken, "data/stac/conformance");
        var classes = conformance.GetProperty("conformsTo").EnumerateArray().Select(c => c.GetString()).ToList();
        Assert.Contains("https://api.stacspec.org/v1.0.0/core", classes);
        Assert.Contains("https://api.stacspec.org/v1.0.0/item-search", classes);
        Assert.Contains("https://api.stacspec.org/v1.0.0/collections", classes);
    }

    [Fact]
    public async Task Extents_come_from_the_cf_coordinates()
    {
        var arctic = await GetAsync(stac.AliceToken, "data/stac/collections/arctic");
        Assert.Equal([-30d, 60, 30, 85], Numbers(arctic.GetProperty("extent").GetProperty("spatial").GetProperty("bbox")[0]));
        Assert.Equal(["2020-01-01T00:00:00Z", "2020-12-01T00:00:00Z"],
            arctic.GetProperty("extent").GetProperty("temporal").GetProperty("interval")[0].EnumerateArray().Select(e => e.GetString()));

        // Raw datetime64[ns], latitude by standard_name, longitudes 100..250 given as 0..360: across the antimeridian.
        var tropics = await GetAsync(stac.AliceToken, "data/stac/collections/tropics/items/tropics");
        Assert.Equal([100d, -20, -110, 20], Numbers(tropics.GetProperty("bbox")));
        var props = tropics.GetProperty("properties");
        Assert.Equal(JsonValueKind.Null, props.GetProperty("datetime").ValueKind);
        Assert.Equal("2021-06-01T00:00:00Z", props.GetProperty("start_datetime").GetString());
        Assert.Equal("2021-06-30T00:00:00Z", props.GetProperty("end_datetime").GetString());

        // No coordinates: no geometry, and the registration time as its datetime.
        var still = await GetAsync(stac.AliceToken, "data/stac/collections/static/items/static");
        Assert.Equal(JsonValueKind.Null, still.GetProperty("geometry").ValueKind);
        Assert.False(still.TryGetProperty("bbox", out _));
        Assert.Equal(still.GetProperty("properties").GetProperty("created").GetString(), still.GetProperty("properties").GetProperty("datetime").GetString());
    }

    [Theory]
    [InlineData("bbox=-10,70,10,80", "arctic")]
    [InlineData("bbox=170,-5,-170,5", "tropics")]                      // the query crosses the antimeridian
    [InlineData("bbox=120,-10,130,10", "tropics")]
    [InlineData("bbox=-100,-10,-90,10", "")]
    [InlineData("bbox=-40,50,0,40,70,100", "arctic")]                  // six numbers (with heights), heights ignored
    [InlineData("datetime=2020-06-15T00:00:00Z", "arctic")]
    [InlineData("datetime=2020-12-01T00:00:00Z", "arctic")]            // an instant on the end is inside
    [InlineData("datetime=../2020-12-31T00:00:00Z", "arctic")]
    [InlineData("datetime=2020-12-15T00:00:00Z/2021-06-01T00:00:00Z", "tropics")]
    [InlineData("datetime=2021-06-10T00:00:00Z/..", "static,tropics")] // static: registered now
    [InlineData("datetime=2019-01-01T00:00:00Z/2019-12-31T23:59:59Z", "")]
    [InlineData("q=rain", "tropics")]                                  // description
    [InlineData("q=SEA%20ICE,static", "arctic,static")]               // terms are alternatives, case-insensitive
    [InlineData("q=tropics", "tropics")]                               // name
    [InlineData("q=hidden", "")]                                       // exists, but not for alice
    [InlineData("bbox=-180,-90,180,90&datetime=2021-06-15T00:00:00Z&q=pacific", "tropics")]
    [InlineData("collections=arctic,static", "arctic,static")]
    [InlineData("ids=tropics,hidden", "tropics")]
    public async Task Get_search_returns_exactly_the_matching_items(string query, string expected)
    {
        var page = await GetAsync(stac.AliceToken, "data/stac/search?" + query);
        Assert.Equal(expected.Length == 0 ? [] : expected.Split(','), Ids(page));
        Assert.Equal(Ids(page).Count, page.GetProperty("numberMatched").GetInt32());
    }

    [Fact]
    public async Task Post_search_filters_the_same_and_pages_with_post_next_links()
    {
        var client = stac.Hub.Client(stac.AliceToken);
        using var response = await client.PostAsJsonAsync("data/stac/search", new { bbox = new[] { 90.0, -30, 180, 30 }, datetime = "2021-06-01T00:00:00Z/2021-06-02T00:00:00Z" }, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/geo+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(["tropics"], Ids(await ReadAsync(response)));

        var seen = new List<string>();
        object? body = new { limit = 1, q = new[] { "sea", "static", "pacific" } };
        for (var pages = 0; body is not null; pages++)
        {
            Assert.True(pages < 5, "next links must end");
            using var r = await client.PostAsJsonAsync("data/stac/search", body, Ct);
            var page = await ReadAsync(r);
            Assert.Equal(3, page.GetProperty("numberMatched").GetInt32());
            seen.AddRange(Ids(page));
            var next = page.GetProperty("links").EnumerateArray().FirstOrDefault(l => l.GetProperty("rel").GetString() == "next");
            if (next.ValueKind == JsonValueKind.Undefined)
            {
                break;
            }
            Assert.Equal("POST", next.GetProperty("method").GetString());
            Assert.Equal(stac.Hub.Address + "data/stac/search", next.GetProperty("href").GetString());
            body = next.GetProperty("body");
        }
        Assert.Equal(["arctic", "static", "tropics"], seen);
    }

    [Fact]
    public async Task Get_search_pages_through_next_links()
    {
        var seen = new List<string>();
        var url = "data/stac/search?limit=2&collections=arctic,static,tropics";
        for (var pages = 0; ; pages++)
        {
            Assert.True(pages < 5, "next links must end");
            var page = await GetAsync(stac.AliceToken, url);
            seen.AddRange(Ids(page));
            var next = page.GetProperty("links").EnumerateArray().FirstOrDefault(l => l.GetProperty("rel").GetString() == "next");
            if (next.ValueKind == JsonValueKind.Undefined)
            {
                break;
            }
            url = next.GetProperty("href").GetString()!;
            Assert.Contains("collections=arctic", url, StringComparison.Ordinal);
        }
        Assert.Equal(["arctic", "static", "tropics"], seen);
        // A collection's own items, as OGC API Features lists them.
        Assert.Equal(["arctic"], Ids(await GetAsync(stac.AliceToken, "data/stac/collections/arctic/items")));
    }

    [Fact]
    public async Task A_caller_without_read_access_sees_nothing()
    {
        var noScope = await stac.Hub.ScopedTokenAsync("alice", "read:users!user=alice");
        foreach (var token in new[] { stac.BobToken, noScope })
        {
            var landing = await GetAsync(token, "data/stac");
            Assert.DoesNotContain(landing.GetProperty("links").EnumerateArray(), l => l.GetProperty("rel").GetString() == "child");
            Assert.Empty((await GetAsync(token, "data/stac/collections")).GetProperty("collections").EnumerateArray());
            Assert.Empty(Ids(await GetAsync(token, "data/stac/search")));
            Assert.Empty(Ids(await GetAsync(token, "data/stac/search?q=arctic")));
            foreach (var path in new[] { "data/stac/collections/arctic", "data/stac/collections/arctic/items", "data/stac/collections/arctic/items/arctic" })
            {
                using var r = await stac.Hub.Client(token).GetAsync(path, Ct);
                Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
                Assert.DoesNotContain("Arctic sea ice", await r.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
            }
        }
        // Alice does not see the admins' dataset either; the admin does.
        Assert.DoesNotContain("hidden", Ids(await GetAsync(stac.AliceToken, "data/stac/search?limit=100")));
        Assert.Contains("hidden", Ids(await GetAsync(stac.Hub.AdminToken, "data/stac/search?limit=100")));
        using var anonymous = await stac.Hub.Client().GetAsync("data/stac/collections", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Theory]
    [InlineData("bbox=1,2,3")]
    [InlineData("bbox=10,50,20,40")]
    [InlineData("bbox=a,b,c,d")]
    [InlineData("datetime=../..")]
    [InlineData("datetime=yesterday")]
    [InlineData("datetime=2021-01-02T00:00:00Z/2021-01-01T00:00:00Z")]
    [InlineData("limit=0")]
    [InlineData("token=xyz")]
    public async Task Bad_parameters_are_a_json_400(string query)
    {
        using var response = await stac.Hub.Client(stac.AliceToken).GetAsync("data/stac/search?" + query, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await ReadAsync(response);
        Assert.Equal("InvalidParameterValue", error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("description").GetString()));
    }

    [Fact]
    public async Task A_bad_post_body_is_a_json_400()
    {
        using var content = new StringContent("{\"bbox\": \"everywhere\"}", System.Text.Encoding.UTF8, "application/json");
        using var response = await stac.Hub.Client(stac.AliceToken).PostAsync("data/stac/search", content, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var broken = new StringContent("{", System.Text.Encoding.UTF8, "application/json");
        using var second = await stac.Hub.Client(stac.AliceToken).PostAsync("data/stac/search", broken, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, second.StatusCode);
    }

    [Fact]
    public async Task The_zarr_asset_opens_with_xarray()
    {
        var item = await GetAsync(stac.AliceToken, "data/stac/collections/arctic/items/arctic");
        var asset = item.GetProperty("assets").GetProperty("zarr");
        Assert.Equal("application/vnd+zarr", asset.GetProperty("type").GetString());
        Assert.Equal(["data"], asset.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        var output = await DebianPython.RunAsync(StacScripts.OpenAsset, [asset.GetProperty("href").GetString()!, stac.AliceToken], Ct);
        var result = JsonDocument.Parse(output).RootElement;
        Assert.Equal(["ice"], result.GetProperty("vars").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal((12 * 6 * 7 - 1) / 2.0, result.GetProperty("mean").GetDouble());
        Assert.Equal("2020-01-01", result.GetProperty("first").GetString());
    }

    private async Task<JsonElement> GetAsync(string token, string path)
    {
        using var response = await stac.Hub.Client(token).GetAsync(path, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.Clone();

    private static List<string> Ids(JsonElement page) =>
        [.. page.GetProperty("features").EnumerateArray().Select(f => f.GetProperty("id").GetString()!)];

    private static Dictionary<string, string> Links(JsonElement doc)
    {
        var links = new Dictionary<string, string>();
        foreach (var l in doc.GetProperty("links").EnumerateArray())
        {
            links.TryAdd(l.GetProperty("rel").GetString()!, l.GetProperty("href").GetString()!);
        }
        return links;
    }

    private static double[] Numbers(JsonElement array) => [.. array.EnumerateArray().Select(e => Math.Round(e.GetDouble(), 6))];
}
