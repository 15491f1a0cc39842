using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Greyhub.Testing;

namespace Greyhub.Data.Access.Tests;

/// <summary>
/// PUT, POST and DELETE of keys of a local dataset (<c>scratch</c>, write group <c>writers</c>): a writer writes with zarr,
/// fsspec and requests; a reader is refused with 403 and a stranger with 404; writes are atomic under concurrent
/// writers and when the writer is cut off mid-body; keys obey the read path's rules.
/// </summary>
[Collection(RemoteHubCollection.Name)]
public sealed class DataWriteTests(RemoteHub hub)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private HttpClient Carol => hub.Hub.Client(hub.CarolToken);

    [Fact]
    public async Task Zarr_writes_an_array_through_the_hub_and_reads_it_back()
    {
        var output = await DebianPython.RunAsync(RemoteScripts.ZarrWriteThroughHub, [new Uri(hub.Hub.Address, "data/scratch/").ToString(), hub.CarolToken, hub.ScratchPath], Ct);
        var result = JsonDocument.Parse(output).RootElement;
        Assert.True(result.GetProperty("through_hub").GetBoolean());
        Assert.True(result.GetProperty("files").GetBoolean());
        Assert.Equal("zarr through the hub", result.GetProperty("attrs").GetString());
        Assert.Equal(201, result.GetProperty("put").GetInt32());
        Assert.Equal("hello from requests", result.GetProperty("get").GetString());
        Assert.Equal(204, result.GetProperty("delete").GetInt32());
        Assert.Equal(404, result.GetProperty("after_delete").GetInt32());
        Assert.True(File.Exists(Path.Combine(hub.ScratchPath, "written", ".zarray")));
        Assert.Empty(TempFiles());
    }

    [Fact]
    public async Task A_reader_gets_403_a_stranger_404_and_a_writers_token_without_write_scope_404()
    {
        await File.WriteAllTextAsync(Path.Combine(hub.ScratchPath, "guarded.txt"), "original", Ct);
        using (var reader = await hub.Hub.Client(hub.DaveToken).PutAsync("data/scratch/guarded.txt", new StringContent("by dave"), Ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, reader.StatusCode);
            Assert.Contains("write:datasets", await reader.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }
        using (var delete = await hub.Hub.Client(hub.DaveToken).DeleteAsync("data/scratch/guarded.txt", Ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, delete.StatusCode);
        }
        using (var stranger = await hub.Hub.Client(hub.ErinToken).PutAsync("data/scratch/guarded.txt", new StringContent("by erin"), Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, stranger.StatusCode);
        }
        // carol reads scratch only as a writer: a token of hers without write:datasets neither writes nor sees it.
        var readOnly = await hub.Hub.ScopedTokenAsync("carol", "read:datasets!user=carol");
        using (var scoped = await hub.Hub.Client(readOnly).PutAsync("data/scratch/guarded.txt", new StringContent("by carol, read-only token"), Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, scoped.StatusCode);
        }
        using (var anonymous = await new HttpClient().PutAsync(new Uri(hub.Hub.Address, "data/scratch/guarded.txt"), new StringContent("nobody"), Ct))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }
        Assert.Equal("original", await File.ReadAllTextAsync(Path.Combine(hub.ScratchPath, "guarded.txt"), Ct));

        // The writer and the administrator may; the writer reads it back though not in a read group.
        using (var writer = await Carol.PutAsync("data/scratch/guarded.txt", new StringContent("by carol"), Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, writer.StatusCode);
        }
        Assert.Equal("by carol", await Carol.GetStringAsync("data/scratch/guarded.txt", Ct));
        using (var admin = await hub.Hub.Client(hub.Hub.AdminToken).PutAsync("data/scratch/admin/new.txt", new StringContent("by admin"), Ct))
        {
            Assert.Equal(HttpStatusCode.Created, admin.StatusCode);
        }
    }

    [Fact]
    public async Task A_signed_url_does_not_write_and_a_remote_dataset_is_not_written()
    {
        using var issue = await hub.Hub.Client(hub.CarolToken).PostAsync("hub/api/datasets/scratch/signed-url", null, Ct);
        var url = JsonDocument.Parse(await issue.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("store_url").GetString()!;
        using var signed = await new HttpClient().PutAsync(url + "signed.txt", new StringContent("x"), Ct);
        Assert.Equal(HttpStatusCode.Forbidden, signed.StatusCode);
        Assert.False(File.Exists(Path.Combine(hub.ScratchPath, "signed.txt")));

        using var remote = await hub.Hub.Client(hub.Hub.AdminToken).PutAsync("data/sky/.zattrs", new StringContent("{}"), Ct);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, remote.StatusCode);
        Assert.Equal(["GET", "HEAD"], remote.Content.Headers.Allow.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_login_cookie_alone_never_writes_even_with_its_xsrf_token()
    {
        await File.WriteAllTextAsync(Path.Combine(hub.ScratchPath, "cookie.txt"), "original", Ct);
        await hub.Hub.SetPasswordAsync("carol", "carol-password-123");
        var cookies = new CookieContainer();
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies }) { BaseAddress = hub.Hub.Address };
        var xsrf = XsrfOf(await browser.GetStringAsync("hub/login", Ct));
        using (var login = await browser.PostAsync("hub/login", new FormUrlEncodedContent([new("username", "carol"), new("password", "carol-password-123"), new("_xsrf", xsrf)]), Ct))
        {
            Assert.Equal(HttpStatusCode.Found, login.StatusCode);
        }
        xsrf = XsrfOf(await browser.GetStringAsync("hub/token", Ct));
        // The hub's cookies are scoped to /hub/, so a browser does not even send them to /data/; send them anyway, as
        // if a page had them, to show that /data/ refuses to write on them.
        var cookie = string.Join("; ", cookies.GetCookies(new Uri(hub.Hub.Address, "hub/")).Select(c => c.Name + "=" + c.Value));
        using var raw = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = hub.Hub.Address };
        HttpRequestMessage WithCookie(HttpMethod method, string? xsrfHeader)
        {
            var request = new HttpRequestMessage(method, "data/scratch/cookie.txt");
            request.Headers.Add("Cookie", cookie);
            if (method != HttpMethod.Get)
            {
                request.Content = new StringContent("by a page");
            }
            if (xsrfHeader is not null)
            {
                request.Headers.Add("X-XSRFToken", xsrfHeader);
            }
            return request;
        }
        // The cookie reads (a page of the hub may show the data) ...
        using (var read = await raw.SendAsync(WithCookie(HttpMethod.Get, null), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }
        // ... but does not write: without the XSRF token the request is anonymous, with it the cookie is still refused.
        using (var bare = await raw.SendAsync(WithCookie(HttpMethod.Put, null), Ct))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, bare.StatusCode);
        }
        using (var answer = await raw.SendAsync(WithCookie(HttpMethod.Put, xsrf), Ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, answer.StatusCode);
            Assert.Contains("cookie", await answer.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }
        Assert.Equal("original", await File.ReadAllTextAsync(Path.Combine(hub.ScratchPath, "cookie.txt"), Ct));
    }

    [Fact]
    public async Task Concurrent_writers_to_one_key_leave_one_whole_body()
    {
        const int writers = 12, size = 512 * 1024;
        var puts = Enumerable.Range(1, writers).Select(async i =>
        {
            var body = new byte[size];
            Array.Fill(body, (byte)i);
            using var response = await Carol.PutAsync("data/scratch/race/chunk.0", new ByteArrayContent(body), Ct);
            return response.StatusCode;
        });
        var statuses = await Task.WhenAll(puts);
        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.Created or HttpStatusCode.NoContent, s.ToString()));

        var result = await Carol.GetByteArrayAsync("data/scratch/race/chunk.0", Ct);
        Assert.Equal(size, result.Length);
        Assert.InRange(result[0], 1, writers);
        Assert.All(result, b => Assert.Equal(result[0], b));
        Assert.Empty(TempFiles());
    }

    [Fact]
    public async Task A_writer_cut_off_mid_body_leaves_the_old_bytes()
    {
        var key = Path.Combine(hub.ScratchPath, "kept.bin");
        var old = Encoding.ASCII.GetBytes("the old bytes");
        await File.WriteAllBytesAsync(key, old, Ct);
        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync(IPAddress.Loopback, hub.Hub.Address.Port, Ct);
            var stream = tcp.GetStream();
            var head = $"PUT /data/scratch/kept.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: token {hub.CarolToken}\r\nContent-Length: {1024 * 1024}\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head), Ct);
            await stream.WriteAsync(new byte[300 * 1024], Ct);
            await stream.FlushAsync(Ct);
            // The hub has started the write once its temporary file exists; then the writer dies.
            while (TempFiles().Count == 0)
            {
                await Task.Delay(20, Ct);
            }
            tcp.Client.LingerState = new LingerOption(true, 0);
            tcp.Client.Close();
        }
        while (TempFiles().Count > 0)
        {
            await Task.Delay(20, Ct);
        }
        Assert.Equal(old, await File.ReadAllBytesAsync(key, Ct));
        Assert.Equal(old, await Carol.GetByteArrayAsync("data/scratch/kept.bin", Ct));
    }

    [Fact]
    public async Task A_body_over_the_limit_is_413_and_the_old_bytes_stay()
    {
        var key = Path.Combine(hub.ScratchPath, "limited.bin");
        await File.WriteAllTextAsync(key, "small", Ct);
        // The declared length alone is refused, before any body byte is read. (An HttpClient sending the body may see the
        // connection closed under it instead of the 413, so the request is written by hand and sends no body.)
        var (status, answer) = await hub.RawAsync("PUT", "/data/scratch/limited.bin", hub.CarolToken, RemoteHub.MaxWriteBytes + 1);
        Assert.True(status == 413, answer);
        Assert.Equal("small", await File.ReadAllTextAsync(key, Ct));
        Assert.Empty(TempFiles());
    }

    [Theory]
    [InlineData("/data/scratch/..%2fescaped.txt")]
    [InlineData("/data/scratch/%2e%2e/escaped.txt")]
    [InlineData("/data/scratch/sub/%2E%2E/%2E%2E/escaped.txt")]
    [InlineData("/data/scratch/..%5cescaped.txt")]
    [InlineData("/data/scratch/out/escaped.txt")]
    [InlineData("/data/scratch/out/deeper/escaped.txt")]
    [InlineData("/data/scratch/%00escaped.txt")]
    public async Task Hostile_keys_write_nothing_outside_the_dataset(string target)
    {
        var (status, _) = await hub.RawAsync("PUT", target, hub.CarolToken);
        Assert.True(status is 400 or 404, $"{target}: {status}");
        Assert.Empty(Directory.EnumerateFileSystemEntries(hub.Outside));
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(hub.ScratchPath)!, "escaped.txt")));
        var (deleted, _) = await hub.RawAsync("DELETE", target, hub.CarolToken);
        Assert.True(deleted is 400 or 404, $"{target}: {deleted}");
    }

    [Fact]
    public async Task Folders_are_not_keys()
    {
        using var put = await Carol.PutAsync("data/scratch/", new StringContent("x"), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        Directory.CreateDirectory(Path.Combine(hub.ScratchPath, "folder"));
        using var overFolder = await Carol.PutAsync("data/scratch/folder", new StringContent("x"), Ct);
        Assert.Equal(HttpStatusCode.Conflict, overFolder.StatusCode);
        using var deleteFolder = await Carol.DeleteAsync("data/scratch/folder", Ct);
        Assert.Equal(HttpStatusCode.Conflict, deleteFolder.StatusCode);
        Assert.True(Directory.Exists(Path.Combine(hub.ScratchPath, "folder")));
    }

    private static string XsrfOf(string html)
    {
        var match = System.Text.RegularExpressions.Regex.Match(html, "name=\"_xsrf\" value=\"([^\"]+)\"");
        Assert.True(match.Success, "no _xsrf field in the page");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    private List<string> TempFiles() =>
        [.. Directory.EnumerateFiles(hub.ScratchPath, ".greyhub-tmp-*", SearchOption.AllDirectories)];
}
