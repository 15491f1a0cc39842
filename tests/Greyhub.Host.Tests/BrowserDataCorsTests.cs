using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Playwright;

namespace Greyhub.Host.Tests;

/// <summary>
/// What a browser lets pages do with <c>/data/</c>, in Chromium. A page on an allowed other origin (a second Kestrel)
/// reads a chunk with a token, a range of it with its exposed <c>Content-Range</c>; a page on an origin the hub does not
/// allow is refused by the browser itself (the fetch fails), and so is a cross-origin read relying on the login cookie.
/// On the hub's own origin the login cookie (path /hub/) never reaches /data/: a STAC search POST from the hub's page
/// needs a token, XSRF token or not.
/// </summary>
public sealed class BrowserDataCorsTests
{
    private const string Password = "correct horse battery staple";

    private const string FetchScript = """
        async ([url, options]) => {
          try {
            // no-store: each answer comes from the hub, never the browser's cache of an earlier (authorised) one.
            const r = await fetch(url, { cache: 'no-store', ...options });
            return { ok: true, status: r.status, range: r.headers.get('content-range'), body: await r.text() };
          } catch (e) {
            return { ok: false, error: e.name + ': ' + e.message };
          }
        }
        """;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Allowed_origin_reads_with_a_token_others_are_refused_and_stac_post_needs_a_token()
    {
        var dataDir = Directory.CreateTempSubdirectory("greyhub-browser-cors-").FullName;
        var store = WriteStore(Directory.CreateDirectory(Path.Combine(dataDir, "datasets")).FullName);
        await using var allowed = await PageServer.StartAsync("Allowed viewer");
        await using var other = await PageServer.StartAsync("Other viewer");
        var (code, _, stderr) = await GreyhubProcess.RunAsync(["users", "add", "--password-stdin", "--data-dir", dataDir, "alice"], Password + "\n", Ct);
        Assert.True(code == 0, stderr);
        (code, var stdout, stderr) = await GreyhubProcess.RunAsync(["data", "add", "--data-dir", dataDir, "sea", "--path", store, "--format", "zarr-v2", "--title", "North Sea temperature", "--owner", "alice"], cancellationToken: Ct);
        Assert.True(code == 0, stdout + stderr);
        (code, stdout, stderr) = await GreyhubProcess.RunAsync(["token", "--data-dir", dataDir, "alice"], cancellationToken: Ct);
        Assert.True(code == 0, stderr);
        var token = stdout.Trim().Split('\n')[^1].Trim();
        await using var hub = await GreyhubProcess.StartAsync(dataDir, ["--Greyhub:Data:CorsAllowedOrigins:0=" + allowed.Origin], cancellationToken: Ct);
        var chunk = $"{hub.Address}data/sea/t/0";

        await using var chromium = await Chromium.OpenPageAsync(90_000, b => PageChecks.NewContextAsync(b));
        var page = chromium.Page;
        // Signed in at the hub first, so the browser holds the login cookie while it visits the other origins.
        await page.GotoAsync(new Uri(hub.Address, "hub/login").ToString());
        await page.FillAsync("#username_input", "alice");
        await page.FillAsync("#password_input", Password);
        await page.ClickAsync("#login_submit");
        await page.WaitForURLAsync(u => !u.Contains("/hub/login", StringComparison.Ordinal));

        // The allowed origin, with a token: the bytes, and a range whose Content-Range the page may read.
        await page.GotoAsync(allowed.Origin + "/");
        await PageChecks.ScreenshotAsync(page, "data-cors-01-allowed");
        var read = await FetchAsync(page, chunk, new { headers = new Dictionary<string, string> { ["Authorization"] = "token " + token } });
        Assert.True(read.GetProperty("ok").GetBoolean(), read.ToString());
        Assert.Equal(200, read.GetProperty("status").GetInt32());
        Assert.Equal("greyhub!", read.GetProperty("body").GetString());
        var range = await FetchAsync(page, chunk, new { headers = new Dictionary<string, string> { ["Authorization"] = "token " + token, ["Range"] = "bytes=0-3" } });
        Assert.Equal(206, range.GetProperty("status").GetInt32());
        Assert.Equal("bytes 0-3/8", range.GetProperty("range").GetString());
        Assert.Equal("grey", range.GetProperty("body").GetString());
        // Without a token the page sees the hub's 401 (CORS still lets it read the answer)...
        var anonymous = await FetchAsync(page, chunk, new { });
        Assert.Equal(401, anonymous.GetProperty("status").GetInt32());
        // ...and the login cookie is never honoured across origins: the browser refuses a credentialed read.
        var withCookie = await FetchAsync(page, chunk, new { credentials = "include" });
        Assert.False(withCookie.GetProperty("ok").GetBoolean(), withCookie.ToString());
        Assert.StartsWith("TypeError", withCookie.GetProperty("error").GetString(), StringComparison.Ordinal);

        // An origin the hub does not allow: the browser refuses the answer, token or not.
        await page.GotoAsync(other.Origin + "/");
        var refused = await FetchAsync(page, chunk, new { headers = new Dictionary<string, string> { ["Authorization"] = "token " + token } });
        Assert.False(refused.GetProperty("ok").GetBoolean(), refused.ToString());
        Assert.StartsWith("TypeError", refused.GetProperty("error").GetString(), StringComparison.Ordinal);

        // The hub's own origin: the login cookie is scoped to /hub/ (as JupyterHub's), so the browser never sends it to
        // /data/. A STAC search POST from the hub's page is anonymous with or without the page's XSRF token; with a
        // token it is answered.
        await page.GotoAsync(new Uri(hub.Address, "hub/token").ToString());
        await PageChecks.CheckAsync(page, "data-cors-02-token-page");
        var xsrf = await page.Locator("input[name='_xsrf']").First.InputValueAsync();
        Assert.False(string.IsNullOrEmpty(xsrf));
        var search = $"{hub.Address}data/stac/search";
        var body = JsonSerializer.Serialize(new { q = "north sea", limit = 10 });
        var json = new Dictionary<string, string> { ["Content-Type"] = "application/json" };
        var cookieOnly = await FetchAsync(page, search, new { method = "POST", headers = json, body });
        Assert.Equal(401, cookieOnly.GetProperty("status").GetInt32());
        var cookieAndXsrf = await FetchAsync(page, search, new { method = "POST", headers = new Dictionary<string, string>(json) { ["X-XSRFToken"] = xsrf }, body });
        Assert.Equal(401, cookieAndXsrf.GetProperty("status").GetInt32());
        var withToken = await FetchAsync(page, search, new { method = "POST", headers = new Dictionary<string, string>(json) { ["Authorization"] = "token " + token }, body });
        Assert.Equal(200, withToken.GetProperty("status").GetInt32());
        using var found = JsonDocument.Parse(withToken.GetProperty("body").GetString()!);
        Assert.Contains(found.RootElement.GetProperty("features").EnumerateArray(), f => f.GetProperty("collection").GetString() == "sea");
    }

    private static async Task<JsonElement> FetchAsync(IPage page, string url, object options) =>
        await page.EvaluateAsync<JsonElement>(FetchScript, new object[] { url, options });

    /// <summary>A Zarr v2 group with one 8-byte uncompressed uint8 array <c>t</c> holding "greyhub!".</summary>
    private static string WriteStore(string datasets)
    {
        var root = Directory.CreateDirectory(Path.Combine(datasets, "sea.zarr")).FullName;
        File.WriteAllText(Path.Combine(root, ".zgroup"), """{"zarr_format": 2}""");
        var t = Directory.CreateDirectory(Path.Combine(root, "t")).FullName;
        File.WriteAllText(Path.Combine(t, ".zarray"), """
            {"zarr_format": 2, "shape": [8], "chunks": [8], "dtype": "|u1", "compressor": null, "fill_value": 0, "filters": null, "order": "C"}
            """);
        File.WriteAllText(Path.Combine(t, "0"), "greyhub!");
        return root;
    }

    /// <summary>A page on another origin: its own Kestrel on a free loopback port, serving one empty HTML page.</summary>
    private sealed class PageServer : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private PageServer(WebApplication app, string origin)
        {
            _app = app;
            Origin = origin;
        }

        public string Origin { get; }

        public static async Task<PageServer> StartAsync(string title)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            app.MapGet("/", () => Results.Content(
                $"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head><body><h1>{title}</h1></body></html>",
                "text/html; charset=utf-8"));
            await app.StartAsync(Ct);
            var address = app.Urls.First();
            return new PageServer(app, address.TrimEnd('/'));
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
        }
    }
}
