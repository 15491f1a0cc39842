using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Greyhub.Data.Access.Remote;
using Greyhub.Hub.Tests;

namespace Greyhub.Data.Access.Tests;

/// <summary>
/// What a writer or a remote store must not be able to do through <c>/data</c>: serve a page on the hub's origin, change a
/// dataset nested in theirs, pass on gzip bytes as plain ones, or slip past the prefix with path tricks; and what a long or
/// hostile key gets instead of a crash.
/// </summary>
[Collection(RemoteHubCollection.Name)]
public sealed class HardeningTests(RemoteHub hub)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private HttpClient Carol => hub.Hub.Client(hub.CarolToken);

    private HttpClient Dave => hub.Hub.Client(hub.DaveToken);

    [Fact]
    public async Task Html_and_svg_written_by_a_writer_are_sandboxed_downloads_through_a_signed_url()
    {
        using (var put = await Carol.PutAsync("data/scratch/x.html", new StringContent("<script>alert(document.domain)</script>"), Ct))
        {
            Assert.True(put.IsSuccessStatusCode, put.StatusCode.ToString());
        }
        using (var put = await Carol.PutAsync("data/scratch/x.svg", new StringContent("<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"), Ct))
        {
            Assert.True(put.IsSuccessStatusCode, put.StatusCode.ToString());
        }
        using var issue = await Carol.PostAsJsonAsync("hub/api/datasets/scratch/signed-url", new { expires_in = 300 }, Ct);
        var store = JsonDocument.Parse(await issue.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("store_url").GetString()!;
        using var anonymous = new HttpClient();
        foreach (var key in new[] { "x.html", "x.svg" })
        {
            using var response = await anonymous.GetAsync(store + key, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            AssertHarmless(response, download: true);
            using var head = await anonymous.SendAsync(new HttpRequestMessage(HttpMethod.Head, store + key), Ct);
            AssertHarmless(head, download: true);
            using var conditional = new HttpRequestMessage(HttpMethod.Get, store + key);
            conditional.Headers.IfNoneMatch.Add(response.Headers.ETag!);
            using var notModified = await anonymous.SendAsync(conditional, Ct);
            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
            Assert.Equal("sandbox; default-src 'none'", Header(notModified, "Content-Security-Policy"));
        }
        // A JSON key keeps its type, and is sandboxed too; so is the listing (which fsspec parses regardless).
        using var listing = await anonymous.GetAsync(store, Ct);
        Assert.Equal("sandbox; default-src 'none'", Header(listing, "Content-Security-Policy"));
    }

    [Fact]
    public async Task A_remote_key_served_as_html_is_a_sandboxed_download_and_json_stays_json()
    {
        await File.WriteAllTextAsync(Path.Combine(hub.SkyPath, "evil.html"), "<script>alert(document.cookie)</script>", Ct);
        using var direct = await Dave.GetAsync("data/sky/evil.html", Ct);
        Assert.Equal(HttpStatusCode.OK, direct.StatusCode);
        AssertHarmless(direct, download: true);
        using var head = await Dave.SendAsync(new HttpRequestMessage(HttpMethod.Head, "data/sky/evil.html"), Ct);
        AssertHarmless(head, download: true);
        using var json = await Dave.GetAsync("data/sky/.zattrs", Ct);
        Assert.Equal("application/json", json.Content.Headers.ContentType?.MediaType);
        Assert.Equal("sandbox; default-src 'none'", Header(json, "Content-Security-Policy"));
        Assert.Null(json.Content.Headers.ContentDisposition);
    }

    [Fact]
    public async Task A_writer_of_the_outer_dataset_cannot_change_a_dataset_registered_inside_it()
    {
        var inner = Directory.CreateDirectory(Path.Combine(hub.ScratchPath, "inner")).FullName;
        var file = Path.Combine(inner, "data.txt");
        await File.WriteAllTextAsync(file, "inner original", Ct);
        await hub.RegisterAsync("inner", new { location = inner, format = "files", read_groups = new[] { "readers" } });
        try
        {
            using (var put = await Carol.PutAsync("data/scratch/inner/data.txt", new StringContent("carol via outer"), Ct))
            {
                Assert.Equal(HttpStatusCode.Forbidden, put.StatusCode);
                Assert.Contains("another dataset", await put.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
            }
            using (var created = await Carol.PutAsync("data/scratch/inner/new.txt", new StringContent("new"), Ct))
            {
                Assert.Equal(HttpStatusCode.Forbidden, created.StatusCode);
            }
            using (var delete = await Carol.DeleteAsync("data/scratch/inner/data.txt", Ct))
            {
                Assert.Equal(HttpStatusCode.Forbidden, delete.StatusCode);
            }
            Assert.Equal("inner original", await File.ReadAllTextAsync(file, Ct));
            Assert.False(File.Exists(Path.Combine(inner, "new.txt")));
            // The rest of the outer dataset is still hers to write.
            using var beside = await Carol.PutAsync("data/scratch/beside-inner.txt", new StringContent("ok"), Ct);
            Assert.True(beside.IsSuccessStatusCode, beside.StatusCode.ToString());
        }
        finally
        {
            using var forget = await hub.Hub.Client(hub.Hub.AdminToken).DeleteAsync("hub/api/datasets/inner", Ct);
        }
    }

    [Fact]
    public async Task A_gzip_encoded_remote_object_is_refused_with_502_naming_the_encoding()
    {
        using (var buffer = new MemoryStream())
        {
            await using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
            {
                await gzip.WriteAsync(Encoding.UTF8.GetBytes("{\"zarr_format\": 2}"), Ct);
            }
            await File.WriteAllBytesAsync(Path.Combine(hub.SkyPath, "gz.json"), buffer.ToArray(), Ct);
        }
        using var response = await Dave.GetAsync("data/sky/gz.json", Ct);
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("Content-Encoding: gzip", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Head_of_a_remote_object_over_the_size_limit_answers_its_full_length()
    {
        using var head = await Dave.SendAsync(new HttpRequestMessage(HttpMethod.Head, "data/sky/big.bin"), Ct);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(new FileInfo(Path.Combine(hub.SkyPath, "big.bin")).Length, head.Content.Headers.ContentLength);
        Assert.True(head.Content.Headers.ContentLength > RemoteHub.MaxRemoteBytes);
    }

    [Fact]
    public async Task Redirects_to_a_sibling_prefix_or_through_path_parameters_are_not_followed()
    {
        foreach (var key in new[] { "sib", "semi" })
        {
            using var response = await Dave.GetAsync("data/sky/" + key, Ct);
            Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
            Assert.DoesNotContain(RemoteHub.Secret, await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_remote_dataset_whose_prefix_left_the_allowlist_is_no_longer_read()
    {
        // A second hub on the same data folder and database, as after a restart, with the prefix taken out.
        var restarted = await HubInstance.StartInAsync(hub.Hub.DataDir,
            "Greyhub:Data:AllowedRoots:0=" + Path.GetDirectoryName(hub.ScratchPath),
            "Greyhub:Data:AllowedRemotes:0=" + new Uri(hub.Remote, "elsewhere/"));
        try
        {
            using var response = await restarted.Client(hub.DaveToken).GetAsync("data/sky/.zattrs", Ct);
            Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
            var body = await response.Content.ReadAsStringAsync(Ct);
            Assert.Contains("AllowedRemotes", body, StringComparison.Ordinal);
            Assert.DoesNotContain("synthetic sky", body, StringComparison.Ordinal);
        }
        finally
        {
            await restarted.StopAsync(keepData: true);
        }
        // The hub that still allows it reads it as before.
        using var before = await Dave.GetAsync("data/sky/.zattrs", Ct);
        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
    }

    [Theory]
    [InlineData("allowed/..;/outside/")]
    [InlineData("allowed/%252e%252e/outside/")]
    [InlineData("allowed/%c0%ae%c0%ae/outside/")]
    [InlineData("allowed//x/")]
    [InlineData("allowed/x;y/")]
    public async Task Registration_with_path_parameters_double_escapes_overlong_utf8_or_empty_segments_is_refused(string path)
    {
        using var response = await hub.Hub.Client(hub.Hub.AdminToken).PostAsJsonAsync("hub/api/datasets/tricky", new { location = hub.Remote + path, format = "files" }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("http://a/data/..;/x/")]
    [InlineData("http://a/data/%252e%252e/x/")]
    [InlineData("http://a/data/%c0%ae%c0%ae/x/")]
    [InlineData("http://a/data//x/")]
    public void A_redirect_with_a_tricky_remainder_is_not_under_the_prefix(string url)
    {
        var prefix = new Uri("http://a/data/");
        Assert.NotNull(RemoteLocation.RemainderProblem(new Uri(url), prefix));
        Assert.Null(RemoteLocation.RemainderProblem(new Uri("http://a/data/x.zarr/.zattrs"), prefix));
    }

    [Fact]
    public async Task A_long_key_is_a_clear_400_and_a_key_of_230_characters_is_written()
    {
        var fits = new string('a', 230);
        using (var put = await Carol.PutAsync("data/scratch/" + fits, new StringContent("x"), Ct))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }
        using (var tooLong = await Carol.PutAsync("data/scratch/" + new string('b', 256), new StringContent("x"), Ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
            Assert.Contains("255 bytes", await tooLong.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }
        Assert.Empty(Directory.EnumerateFiles(hub.ScratchPath, ".greyhub-tmp-*"));
    }

    [Fact]
    public async Task Temporary_files_are_hidden_refused_as_keys_and_swept_when_stale()
    {
        var stale = Path.Combine(hub.ScratchPath, ".greyhub-tmp-" + Guid.NewGuid().ToString("N"));
        await File.WriteAllTextAsync(stale, "dead writer", Ct);
        File.SetLastWriteTimeUtc(stale, DateTime.UnixEpoch);
        using (var get = await Carol.GetAsync("data/scratch/" + Path.GetFileName(stale), Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        }
        using (var list = await Carol.GetAsync("data/scratch/?format=json", Ct))
        {
            Assert.DoesNotContain(".greyhub-tmp-", await list.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }
        using (var put = await Carol.PutAsync("data/scratch/.greyhub-tmp-mine", new StringContent("x"), Ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        }
        using (var write = await Carol.PutAsync("data/scratch/sweeps.txt", new StringContent("x"), Ct))
        {
            Assert.True(write.IsSuccessStatusCode, write.StatusCode.ToString());
        }
        Assert.False(File.Exists(stale));
    }

    [Theory]
    [InlineData("PUT", "/data/scratch/line%0Abreak.txt")]
    [InlineData("PUT", "/data/scratch/tab%09.txt")]
    [InlineData("GET", "/data/scratch/line%0Dbreak.txt")]
    public async Task Keys_with_control_characters_are_refused(string method, string target)
    {
        var (status, _) = await hub.RawAsync(method, target, hub.CarolToken);
        Assert.Equal(404, status);
        Assert.Empty(Directory.EnumerateFileSystemEntries(hub.ScratchPath, "*break*"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(hub.ScratchPath, "tab*"));
    }

    private static void AssertHarmless(HttpResponseMessage response, bool download)
    {
        Assert.Equal("sandbox; default-src 'none'", Header(response, "Content-Security-Policy"));
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
        if (download)
        {
            Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        }
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values) ? string.Join(",", values) : null;
}
