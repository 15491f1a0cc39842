using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Greyhub.Data.Stores;
using Greyhub.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Greyhub.Data.Access.Tests;

/// <summary>
/// A dataset whose bytes are a remote HTTP store (nginx on loopback): read through the hub with hub credentials only,
/// ranges and conditional requests passed through, hostile keys and redirects off the dataset refused, registration
/// only under the operator's allowed prefixes, and the remote's credential never reaching a reader.
/// </summary>
[Collection(RemoteHubCollection.Name)]
public sealed class RemoteDatasetTests(RemoteHub hub)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private HttpClient Dave => hub.Hub.Client(hub.DaveToken);

    private string Url(string path) => new Uri(hub.Hub.Address, path).ToString();

    private string ChunkPath => Path.Combine(hub.SkyPath, "temp", "0.0.0");

    [Fact]
    public async Task Xarray_over_the_hub_with_a_token_computes_the_same_mean_as_the_files()
    {
        var output = await DebianPython.RunAsync(PythonScripts.OpenZarrMean, [Url("data/sky/"), hub.DaveToken, hub.SkyPath], Ct);
        var result = JsonDocument.Parse(output).RootElement;
        Assert.Equal(result.GetProperty("direct").GetDouble(), result.GetProperty("remote").GetDouble());
        Assert.InRange(result.GetProperty("remote").GetDouble(), 10, 20);
        Assert.Equal([20, 90, 180], result.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal("degC", result.GetProperty("units").GetString());
    }

    [Fact]
    public async Task Registration_probed_the_format_and_stored_the_url_with_a_slash()
    {
        using var response = await hub.Hub.Client(hub.Hub.AdminToken).GetAsync("hub/api/datasets/sky", Ct);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal("zarr-v2", body.GetProperty("format").GetString());
        Assert.Equal(new Uri(hub.Remote, "allowed/sky.zarr/").ToString(), body.GetProperty("location").GetString());
        Assert.True(body.GetProperty("remote_header_set").GetBoolean());
    }

    [Fact]
    public async Task Ranges_pass_through_with_the_remotes_length_and_range()
    {
        var file = await File.ReadAllBytesAsync(ChunkPath, Ct);
        using var request = new HttpRequestMessage(HttpMethod.Get, "data/sky/temp/0.0.0");
        request.Headers.Range = new RangeHeaderValue(10, 19);
        using var response = await Dave.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(file[10..20], await response.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal($"bytes 10-19/{file.Length}", response.Content.Headers.ContentRange!.ToString());
        Assert.True(response.Headers.CacheControl!.Private);

        using var whole = await Dave.GetAsync("data/sky/temp/0.0.0", Ct);
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal(file, await whole.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal("bytes", Assert.Single(whole.Headers.AcceptRanges));

        using var past = new HttpRequestMessage(HttpMethod.Get, "data/sky/temp/0.0.0");
        past.Headers.TryAddWithoutValidation("Range", $"bytes={file.Length + 10}-");
        using var unsatisfiable = await Dave.SendAsync(past, Ct);
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, unsatisfiable.StatusCode);
    }

    [Fact]
    public async Task Conditional_requests_answer_304_through_the_hub()
    {
        using var first = await Dave.GetAsync("data/sky/.zattrs", Ct);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.NotNull(first.Headers.ETag);
        Assert.NotNull(first.Content.Headers.LastModified);

        using var byTag = new HttpRequestMessage(HttpMethod.Get, "data/sky/.zattrs");
        byTag.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        using var tagAnswer = await Dave.SendAsync(byTag, Ct);
        Assert.Equal(HttpStatusCode.NotModified, tagAnswer.StatusCode);

        using var byDate = new HttpRequestMessage(HttpMethod.Get, "data/sky/.zattrs");
        byDate.Headers.IfModifiedSince = first.Content.Headers.LastModified;
        using var dateAnswer = await Dave.SendAsync(byDate, Ct);
        Assert.Equal(HttpStatusCode.NotModified, dateAnswer.StatusCode);

        using var head = new HttpRequestMessage(HttpMethod.Head, "data/sky/.zattrs");
        using var headAnswer = await Dave.SendAsync(head, Ct);
        Assert.Equal(HttpStatusCode.OK, headAnswer.StatusCode);
        Assert.Equal(first.Content.Headers.ContentLength, headAnswer.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task A_missing_key_is_404_a_listing_is_501_and_a_user_without_the_scope_gets_404()
    {
        using var missing = await Dave.GetAsync("data/sky/temp/99.99.99", Ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var listing = await Dave.GetAsync("data/sky/temp/", Ct);
        Assert.Equal(HttpStatusCode.NotImplemented, listing.StatusCode);
        Assert.Contains("remote", await listing.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        using var erin = await hub.Hub.Client(hub.ErinToken).GetAsync("data/sky/.zattrs", Ct);
        Assert.Equal(HttpStatusCode.NotFound, erin.StatusCode);
    }

    [Theory]
    [InlineData("/data/sky/..%2f..%2foutside/secret.txt")]
    [InlineData("/data/sky/%2e%2e/%2e%2e/outside/secret.txt")]
    [InlineData("/data/sky/%2E%2E/%2E%2E/outside/secret.txt")]
    [InlineData("/data/sky/temp/..%2f..%2f..%2foutside/secret.txt")]
    [InlineData("/data/sky/../../outside/secret.txt")]
    [InlineData("/data/sky/..%5c..%5coutside%5csecret.txt")]
    [InlineData("/data/sky/%00/secret.txt")]
    [InlineData("/data/sky/.zattrs%3f/../../outside/secret.txt")]
    [InlineData("/data/sky/%252e%252e/%252e%252e/outside/secret.txt")]
    public async Task Hostile_keys_never_reach_outside_the_remote_store(string target)
    {
        var (status, answer) = await hub.RawAsync("GET", target, hub.DaveToken);
        Assert.NotEqual(200, status);
        Assert.DoesNotContain(RemoteHub.Secret, answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_question_mark_in_a_key_stays_in_the_path_and_the_readers_credentials_are_not_forwarded()
    {
        // The echo location answers only its exact path: a key with '?' must not become a query upstream.
        var (injected, _) = await hub.RawAsync("GET", "/data/sky/echo%3Fx=1", hub.DaveToken);
        Assert.Equal(404, injected);

        using var request = new HttpRequestMessage(HttpMethod.Get, "data/sky/echo?y=2");
        request.Headers.TryAddWithoutValidation("Cookie", "greyhub-session=reader-cookie");
        using var echo = await Dave.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.OK, echo.StatusCode);
        Assert.Equal("auth=[] cookie=[] args=[]", await echo.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Redirects_are_followed_only_within_the_dataset()
    {
        using var inside = await Dave.GetAsync("data/sky/moved-in", Ct);
        Assert.Equal(HttpStatusCode.OK, inside.StatusCode);
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(hub.SkyPath, ".zattrs"), Ct), await inside.Content.ReadAsStringAsync(Ct));

        using var outside = await Dave.GetAsync("data/sky/moved-out", Ct);
        Assert.Equal(HttpStatusCode.BadGateway, outside.StatusCode);
        var body = await outside.Content.ReadAsStringAsync(Ct);
        Assert.Contains("redirected outside", body, StringComparison.Ordinal);
        Assert.DoesNotContain(RemoteHub.Secret, body, StringComparison.Ordinal);
        Assert.Null(outside.Headers.Location);
    }

    [Fact]
    public async Task An_answer_over_the_size_limit_is_refused()
    {
        using var response = await Dave.GetAsync("data/sky/big.bin", Ct);
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains($"{RemoteHub.MaxRemoteBytes} bytes", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_remotes_credential_and_headers_never_reach_a_reader_nor_the_api_nor_the_database()
    {
        // Without the credential nginx refuses /allowed/: the hub's 200 shows it sent it.
        using var direct = await new HttpClient().GetAsync(new Uri(hub.Remote, "allowed/sky.zarr/.zattrs"), Ct);
        Assert.Equal(HttpStatusCode.Forbidden, direct.StatusCode);

        using var response = await Dave.GetAsync("data/sky/.zattrs", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var all = response.Headers.Concat(response.Content.Headers).ToList();
        Assert.DoesNotContain(all, h => h.Key.Equals("X-Upstream-Private", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(all, h => h.Key.Equals("Set-Cookie", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(all, h => h.Key.Equals("Server", StringComparison.OrdinalIgnoreCase) && h.Value.Any(v => v.Contains("nginx", StringComparison.Ordinal)));
        Assert.DoesNotContain(all, h => h.Value.Any(v => v.Contains(RemoteHub.RemoteSecret, StringComparison.Ordinal)));
        Assert.DoesNotContain(RemoteHub.RemoteSecret, await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        foreach (var (token, path) in new[] { (hub.Hub.AdminToken, "hub/api/datasets/sky"), (hub.Hub.AdminToken, "hub/api/datasets"), (hub.DaveToken, "hub/api/datasets/sky") })
        {
            using var api = await hub.Hub.Client(token).GetAsync(path, Ct);
            var text = await api.Content.ReadAsStringAsync(Ct);
            Assert.Equal(HttpStatusCode.OK, api.StatusCode);
            Assert.DoesNotContain(RemoteHub.RemoteSecret, text, StringComparison.Ordinal);
            Assert.DoesNotContain("X-Remote-Secret", text, StringComparison.Ordinal);
        }

        await using var scope = hub.Hub.Services.CreateAsyncScope();
        var stored = await scope.ServiceProvider.GetRequiredService<DatasetStore>().FindAsync("sky", Ct);
        Assert.StartsWith(new Uri(hub.Remote, "allowed/sky.zarr/").ToString() + "\n", stored!.Location, StringComparison.Ordinal);
        Assert.DoesNotContain(RemoteHub.RemoteSecret, stored.Location, StringComparison.Ordinal);
        Assert.DoesNotContain("X-Remote-Secret", stored.Location, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("outside/x.zarr/", 403, "AllowedRemotes")]
    [InlineData("allowedx/x.zarr/", 403, "AllowedRemotes")]
    [InlineData("allowed/../outside/", 400, "dot segments")]
    [InlineData("allowed/%2e%2e/outside/", 400, "dot segments")]
    [InlineData("allowed/x.zarr/?next=/outside/", 400, "query")]
    [InlineData("allowed/x.zarr/#frag", 400, "query")]
    public async Task Registration_outside_the_allowlist_or_with_a_tricky_url_is_refused_with_a_json_error(string path, int status, string says)
    {
        await AssertRefusedAsync(hub.Remote + path, status, says);
    }

    [Fact]
    public async Task Registration_on_another_port_with_user_info_or_by_a_filtered_admin_is_refused()
    {
        var otherPort = new UriBuilder(hub.Remote) { Port = hub.Remote.Port == 1 ? 2 : 1, Path = "/allowed/x.zarr/" }.Uri.ToString();
        await AssertRefusedAsync(otherPort, 403, "AllowedRemotes");
        await AssertRefusedAsync($"http://user:pw@127.0.0.1:{hub.Remote.Port}/allowed/x.zarr/", 400, "user information");
        await AssertRefusedAsync("file:///etc/", 400, "not an absolute path");

        var filtered = await hub.Hub.ScopedTokenAsync("admin", "admin:datasets!dataset=sky");
        using var response = await hub.Hub.Client(filtered).PostAsJsonAsync("hub/api/datasets/sky2", new { location = hub.Remote + "allowed/sky.zarr/" }, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("without filters", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signed_url_reads_the_remote_dataset_too()
    {
        using var issue = await Dave.PostAsJsonAsync("hub/api/datasets/sky/signed-url", new { expires_in = 300 }, Ct);
        var storeUrl = JsonDocument.Parse(await issue.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("store_url").GetString()!;
        using var response = await new HttpClient().GetAsync(storeUrl + ".zattrs", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("synthetic sky", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_catalog_and_stac_list_the_remote_dataset()
    {
        var catalog = await Dave.GetStringAsync("data/catalog.yaml", Ct);
        Assert.Contains("sky:", catalog, StringComparison.Ordinal);
        Assert.Contains(Url("data/sky/"), catalog, StringComparison.Ordinal);
        Assert.DoesNotContain(hub.Remote.ToString(), catalog, StringComparison.Ordinal);

        var collections = JsonDocument.Parse(await Dave.GetStringAsync("data/stac/collections", Ct)).RootElement;
        Assert.Contains("sky", collections.GetProperty("collections").EnumerateArray().Select(c => c.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task The_data_page_describes_and_draws_the_remote_dataset_with_its_credential_and_never_shows_where_it_is()
    {
        using var browser = await PageSession.SignInAsync(hub.Hub, "dave");
        using var response = await browser.GetAsync("hub/data/sky", Ct);
        var page = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("data-array=\"temp\"", page, StringComparison.Ordinal);
        Assert.Contains("20 × 90 × 180", page, StringComparison.Ordinal);
        Assert.Contains("5 × 30 × 60", page, StringComparison.Ordinal);
        Assert.Contains("synthetic sky", page, StringComparison.Ordinal);
        Assert.Contains("id=\"quicklook\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("dataset-error", page, StringComparison.Ordinal);
        Assert.DoesNotContain(hub.Remote.Authority, page, StringComparison.Ordinal);
        Assert.DoesNotContain(RemoteHub.RemoteSecret, page, StringComparison.Ordinal);

        using var png = await browser.GetAsync("hub/data/sky/quicklook.png?array=temp&index=3", Ct);
        Assert.Equal(HttpStatusCode.OK, png.StatusCode);
        Assert.Equal("image/png", png.Content.Headers.ContentType!.MediaType);

        // Its extent is read too: xarray wrote lat and lon without CF units, so there is no box, but it is not unavailable.
        var collection = JsonDocument.Parse(await Dave.GetStringAsync("data/stac/collections/sky", Ct)).RootElement;
        Assert.False(collection.TryGetProperty("greyhub:extent", out _));

        // Erin may not read it: the page is the 404 one, as for a dataset that does not exist.
        using var erin = await PageSession.SignInAsync(hub.Hub, "erin");
        using var refused = await erin.GetAsync("hub/data/sky", Ct);
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
    }

    private async Task AssertRefusedAsync(string location, int status, string says)
    {
        using var response = await hub.Hub.Client(hub.Hub.AdminToken).PostAsJsonAsync("hub/api/datasets/refused", new { location, format = "zarr-v2" }, Ct);
        Assert.Equal(status, (int)response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal(status, body.GetProperty("status").GetInt32());
        Assert.Contains(says, body.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
