using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Greyhub.Data.Access.Serving;
using Greyhub.Hub.Auth;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Greyhub.Data.Access.Tests;

/// <summary><c>/data/{dataset}/...</c> with HttpClient: ranges, conditional requests, caching headers, listings, .zmetadata, credentials.</summary>
public sealed class DataServingTests(DataHub data)
{
    private const string Readme = "0123456789abcdefghijklmnopqrstuvwxyz";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private HttpClient Bob => data.Hub.Client(data.BobToken);

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string url, Action<HttpRequestMessage>? change = null)
    {
        using var request = new HttpRequestMessage(method, url);
        change?.Invoke(request);
        return await client.SendAsync(request, Ct);
    }

    [Fact]
    public async Task Get_and_head_serve_the_file_with_private_caching_and_a_strong_etag()
    {
        using var get = await SendAsync(Bob, HttpMethod.Get, "data/notes/readme.txt");
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(Readme, await get.Content.ReadAsStringAsync(Ct));
        Assert.True(get.Headers.CacheControl!.Private);
        Assert.False(get.Headers.ETag!.IsWeak);
        Assert.Equal("bytes", Assert.Single(get.Headers.AcceptRanges));
        Assert.NotNull(get.Content.Headers.LastModified);

        using var head = await SendAsync(Bob, HttpMethod.Head, "data/notes/readme.txt");
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(Readme.Length, head.Content.Headers.ContentLength);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal(get.Headers.ETag, head.Headers.ETag);
    }

    [Theory]
    [InlineData("bytes=0-9", "0123456789", "bytes 0-9/36")]
    [InlineData("bytes=-6", "uvwxyz", "bytes 30-35/36")]
    [InlineData("bytes=30-", "uvwxyz", "bytes 30-35/36")]
    [InlineData("bytes=34-100", "yz", "bytes 34-35/36")]
    public async Task Ranges_single_suffix_and_open_ended(string range, string expected, string contentRange)
    {
        using var response = await SendAsync(Bob, HttpMethod.Get, "data/notes/readme.txt", r => r.Headers.TryAddWithoutValidation("Range", range));
        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(expected, await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(contentRange, response.Content.Headers.ContentRange!.ToString());
    }

    [Fact]
    public async Task A_range_past_the_end_is_416_with_the_length()
    {
        using var response = await SendAsync(Bob, HttpMethod.Get, "data/notes/readme.txt", r => r.Headers.TryAddWithoutValidation("Range", "bytes=36-40"));
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, response.StatusCode);
        Assert.Equal("bytes */36", response.Content.Headers.ContentRange!.ToString());
    }

    [Fact]
    public async Task Conditional_requests_answer_304()
    {
        using var first = await SendAsync(Bob, HttpMethod.Get, "data/notes/readme.txt");
        using var byTag = await SendAsync(Bob, HttpMethod.Get, "data/notes/readme.txt", r => r.Headers.IfNoneMatch.Add(first.Headers.ETag!));
        Assert.Equal(HttpStatusCode.NotModified, byTag.StatusCode);
        using var byDate = await SendAsync(Bob, HttpMethod.Get, "data/notes/readme.txt", r => r.Headers.IfModifiedSince = first.Content.Headers.LastModified);
        Assert.Equal(HttpStatusCode.NotModified, byDate.StatusCode);
        using var otherTag = await SendAsync(Bob, HttpMethod.Get, "data/notes/readme.txt", r => r.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"other\"")));
        Assert.Equal(HttpStatusCode.OK, otherTag.StatusCode);
    }

    [Fact]
    public async Task Listings_are_html_links_for_fsspec_or_json_on_request()
    {
        using var html = await SendAsync(Bob, HttpMethod.Get, "data/notes/");
        var page = await html.Content.ReadAsStringAsync(Ct);
        Assert.Equal("text/html", html.Content.Headers.ContentType!.MediaType);
        Assert.Contains("href=\"/data/notes/readme.txt\"", page, StringComparison.Ordinal);
        Assert.Contains("href=\"/data/notes/sub/\"", page, StringComparison.Ordinal);

        using var json = await SendAsync(Bob, HttpMethod.Get, "data/notes/sub", r => r.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json")));
        var entries = JsonDocument.Parse(await json.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("entries");
        var deep = Assert.Single(entries.EnumerateArray());
        Assert.Equal("deep.txt", deep.GetProperty("name").GetString());
        Assert.Equal(4, deep.GetProperty("size").GetInt32());
    }

    [Fact]
    public async Task Consolidated_metadata_is_produced_for_a_v2_store_and_follows_changes()
    {
        Assert.False(File.Exists(Path.Combine(data.OceanPath, ".zmetadata")));
        var alice = data.Hub.Client(data.AliceToken);
        using var first = await SendAsync(alice, HttpMethod.Get, "data/ocean/.zmetadata");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var doc = JsonDocument.Parse(await first.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal(1, doc.GetProperty("zarr_consolidated_format").GetInt32());
        var keys = doc.GetProperty("metadata").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains(".zgroup", keys);
        Assert.Contains("temp/.zarray", keys);
        Assert.Contains("temp/.zattrs", keys);
        Assert.Equal([5, 30, 60], doc.GetProperty("metadata").GetProperty("temp/.zarray").GetProperty("chunks").EnumerateArray().Select(e => e.GetInt32()));

        using var second = await SendAsync(alice, HttpMethod.Get, "data/ocean/.zmetadata", r => r.Headers.IfNoneMatch.Add(first.Headers.ETag!));
        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);

        // The vault (another store) is unaffected; a new group in the ocean store appears in the next answer.
        var extra = Directory.CreateDirectory(Path.Combine(data.OceanPath, "extra")).FullName;
        await File.WriteAllTextAsync(Path.Combine(extra, ".zgroup"), "{\"zarr_format\": 2}", Ct);
        using var third = await SendAsync(alice, HttpMethod.Get, "data/ocean/.zmetadata");
        Assert.NotEqual(first.Headers.ETag, third.Headers.ETag);
        Assert.Contains("\"extra/.zgroup\"", await third.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Directory.Delete(extra, recursive: true);
    }

    [Fact]
    public async Task No_credentials_is_401_and_another_users_dataset_is_the_same_404_as_a_missing_key()
    {
        using var anonymous = await SendAsync(data.Hub.Client(), HttpMethod.Get, "data/notes/readme.txt");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        var alice = data.Hub.Client(data.AliceToken);
        using var notHers = await SendAsync(alice, HttpMethod.Get, "data/notes/readme.txt");
        using var noDataset = await SendAsync(alice, HttpMethod.Get, "data/nope/readme.txt");
        using var noKey = await SendAsync(alice, HttpMethod.Get, "data/ocean/nope");
        foreach (var r in new[] { notHers, noDataset, noKey })
        {
            Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
            Assert.Equal("Not found\n", await r.Content.ReadAsStringAsync(Ct));
        }

        var noScope = await data.Hub.ScopedTokenAsync("bob", "read:users!user=bob");
        using var withoutScope = await SendAsync(data.Hub.Client(noScope), HttpMethod.Get, "data/notes/readme.txt");
        Assert.Equal(HttpStatusCode.NotFound, withoutScope.StatusCode);
    }

    [Fact]
    public async Task Bearer_works_as_well_as_token()
    {
        using var response = await SendAsync(data.Hub.Client(data.BobToken, "Bearer"), HttpMethod.Get, "data/notes/readme.txt");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Signed_urls_read_without_a_header_and_refuse_tampering_other_prefixes_and_expiry()
    {
        using var issue = await Bob.PostAsJsonAsync("hub/api/datasets/notes/signed-url", new { prefix = "sub", expires_in = 600 }, Ct);
        Assert.Equal(HttpStatusCode.OK, issue.StatusCode);
        var signed = JsonDocument.Parse(await issue.Content.ReadAsStringAsync(Ct)).RootElement;
        var url = signed.GetProperty("url").GetString()!;
        var storeUrl = signed.GetProperty("store_url").GetString()!;
        var anonymous = data.Hub.Client();

        using (var byQuery = await anonymous.GetAsync(url.Replace("/data/notes/sub?", "/data/notes/sub/deep.txt?", StringComparison.Ordinal), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, byQuery.StatusCode);
            Assert.Equal("deep", await byQuery.Content.ReadAsStringAsync(Ct));
        }
        using (var byPath = await anonymous.GetAsync(storeUrl + "deep.txt", Ct))
        {
            Assert.Equal("deep", await byPath.Content.ReadAsStringAsync(Ct));
        }
        using (var outsidePrefix = await anonymous.GetAsync(url.Replace("/data/notes/sub?", "/data/notes/readme.txt?", StringComparison.Ordinal), Ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, outsidePrefix.StatusCode);
        }
        var sig = url[(url.IndexOf("sig=", StringComparison.Ordinal) + 4)..].Split('&')[0];
        var tampered = url.Replace(sig, (sig[0] == 'A' ? "B" : "A") + sig[1..], StringComparison.Ordinal);
        using (var bad = await anonymous.GetAsync(tampered, Ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, bad.StatusCode);
        }
        using (var otherDataset = await anonymous.GetAsync(url.Replace("/data/notes/", "/data/ocean/", StringComparison.Ordinal), Ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, otherDataset.StatusCode);
        }

        // Signed by this hub's key at a time long past: a valid signature, expired.
        var past = new FakeTimeProvider(TimeProvider.System.GetUtcNow().AddDays(-2));
        var oldSigner = new SignedUrls(data.Hub.Services.GetRequiredService<HubSecrets>(), past, data.Hub.Services.GetRequiredService<IOptions<DataAccessOptions>>());
        var expired = oldSigner.Issue("notes", "", TimeSpan.FromMinutes(5));
        using var late = await anonymous.GetAsync(expired.QueryUrl.Replace("/data/notes/?", "/data/notes/readme.txt?", StringComparison.Ordinal).TrimStart('/'), Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, late.StatusCode);
        Assert.Contains("expired", await late.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signed_url_is_only_issued_to_a_reader()
    {
        using var response = await data.Hub.Client(data.AliceToken).PostAsJsonAsync("hub/api/datasets/notes/signed-url", new { }, Ct);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
