using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Tests;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Greyhub.Data.Access.Tests;

/// <summary>
/// Chunk reads on the lean path (GET/HEAD of <c>/data/{dataset}/{key}</c> run right after routing and authenticate in
/// the handler): every credential still works, large keys are served from the checked descriptor, listings hide what is
/// never served, FIFOs do not hang, and an exception is still the hub's JSON 500 without a trace.
/// </summary>
public sealed class LeanServingTests(DataHub data)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_key_over_64_KiB_is_served_whole_by_range_and_by_head_from_its_own_bytes()
    {
        var folder = Directory.CreateDirectory(Path.Combine(data.NotesPath, "big-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        var bytes = new byte[(3 << 20) + 5];
        Random.Shared.NextBytes(bytes);
        await File.WriteAllBytesAsync(Path.Combine(folder, "chunk"), bytes, Ct);
        var url = $"data/notes/{Path.GetFileName(folder)}/chunk";
        var bob = data.Hub.Client(data.BobToken);
        try
        {
            Assert.Equal(bytes, await bob.GetByteArrayAsync(url, Ct));
            using var head = new HttpRequestMessage(HttpMethod.Head, url);
            using var headAnswer = await bob.SendAsync(head, Ct);
            Assert.Equal(bytes.Length, headAnswer.Content.Headers.ContentLength);
            using var range = new HttpRequestMessage(HttpMethod.Get, url);
            range.Headers.TryAddWithoutValidation("Range", "bytes=2097150-2097161");
            using var part = await bob.SendAsync(range, Ct);
            Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
            Assert.Equal(bytes[2097150..2097162], await part.Content.ReadAsByteArrayAsync(Ct));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Listings_leave_out_symlinks_and_a_fifo_is_a_404_without_waiting()
    {
        var fifo = Path.Combine(data.NotesPath, "pipe-" + Guid.NewGuid().ToString("N")[..8]);
        using (var mkfifo = Process.Start("mkfifo", [fifo]))
        {
            await mkfifo.WaitForExitAsync(Ct);
            Assert.Equal(0, mkfifo.ExitCode);
        }
        try
        {
            var bob = data.Hub.Client(data.BobToken);
            using var json = await bob.GetAsync("data/notes/?format=json", Ct);
            var names = JsonDocument.Parse(await json.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("entries")
                .EnumerateArray().Select(e => e.GetProperty("name").GetString()).ToList();
            Assert.Contains("readme.txt", names);
            Assert.Contains("sub", names);
            Assert.DoesNotContain("escape", names);
            Assert.DoesNotContain("secret-link.txt", names);
            Assert.DoesNotContain(Path.GetFileName(fifo), names);

            // Bounded only so a regression fails rather than hangs; the 404 is what is asserted.
            using var pipe = await bob.GetAsync("data/notes/" + Path.GetFileName(fifo), Ct).WaitAsync(TimeSpan.FromMinutes(1), Ct);
            Assert.Equal(HttpStatusCode.NotFound, pipe.StatusCode);
        }
        finally
        {
            File.Delete(fifo);
        }
    }

    [Fact]
    public async Task The_login_cookie_reads_and_a_bad_token_never_falls_back_to_it()
    {
        await data.Hub.SetPasswordAsync("bob", "bob-password-123");
        var cookies = new CookieContainer();
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies }) { BaseAddress = data.Hub.Address };
        var page = await browser.GetStringAsync("hub/login", Ct);
        var xsrf = WebUtility.HtmlDecode(Regex.Match(page, "name=\"_xsrf\" value=\"([^\"]+)\"").Groups[1].Value);
        using (var login = await browser.PostAsync("hub/login", new FormUrlEncodedContent([new("username", "bob"), new("password", "bob-password-123"), new("_xsrf", xsrf)]), Ct))
        {
            Assert.Equal(HttpStatusCode.Found, login.StatusCode);
        }
        var cookie = string.Join("; ", cookies.GetCookies(new Uri(data.Hub.Address, "hub/")).Select(c => c.Name + "=" + c.Value));
        var raw = data.Hub.Client();
        using (var read = new HttpRequestMessage(HttpMethod.Get, "data/notes/readme.txt"))
        {
            read.Headers.Add("Cookie", cookie);
            using var answer = await raw.SendAsync(read, Ct);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        }
        using (var both = new HttpRequestMessage(HttpMethod.Get, "data/notes/readme.txt"))
        {
            both.Headers.Add("Cookie", cookie);
            both.Headers.Add("Authorization", "token not-a-token");
            using var answer = await raw.SendAsync(both, Ct);
            Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode);
        }
    }

    [Fact]
    public async Task An_exception_on_the_lean_path_is_the_hubs_json_500_without_a_trace()
    {
        // The authenticator is the lean path's plug point; one that fails stands for a database that went away.
        await using var hub = await HubInstance.StartWithAsync(b => b.Services.AddSingleton<IHubRequestAuthenticator, FailingAuthenticator>(), null);
        var client = hub.Client(hub.AdminToken);
        foreach (var origin in new[] { null, "https://elsewhere.example" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "data/any/key");
            if (origin is not null)
            {
                // With an Origin header the request takes the whole pipeline (CORS): the same JSON from the exception handler.
                request.Headers.Add("Origin", origin);
            }
            using var answer = await client.SendAsync(request, Ct);
            var body = await answer.Content.ReadAsStringAsync(Ct);
            Assert.Equal(HttpStatusCode.InternalServerError, answer.StatusCode);
            Assert.Equal("application/json", answer.Content.Headers.ContentType?.MediaType);
            var error = JsonDocument.Parse(body).RootElement;
            Assert.Equal(500, error.GetProperty("status").GetInt32());
            Assert.Equal("Internal server error", error.GetProperty("message").GetString());
            Assert.DoesNotContain(FailingAuthenticator.Marker, body, StringComparison.Ordinal);
            Assert.DoesNotContain(" at ", body, StringComparison.Ordinal);
        }
    }

    private sealed class FailingAuthenticator : IHubRequestAuthenticator
    {
        public const string Marker = "DATABASE-UNREACHABLE-MARKER";

        public ValueTask<bool> AuthenticateAsync(HttpContext context) => throw new InvalidOperationException(Marker);
    }
}
