using System.Text.Json;
using Greyhub.Hub.Proxy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Greyhub.Hub.Tests;

/// <summary>
/// JupyterHub's operator endpoints the OpenAPI walk found missing (<c>/hub/api/proxy</c> is in ProxyApiTests): <c>/hub/api/shutdown</c> and
/// the deprecated <c>/hub/api/authorizations/cookie/{name}/{value}</c>, each with JupyterHub's answers.
/// </summary>
public sealed class HubOperationsApiTests
{
    private const string StandIn = "import http.server, os, urllib.parse\n"
        + "u = urllib.parse.urlparse(os.environ['JUPYTERHUB_SERVICE_URL'])\n"
        + "class H(http.server.BaseHTTPRequestHandler):\n"
        + "    def do_GET(self):\n"
        + "        self.send_response(200); self.send_header('Content-Length', '2'); self.end_headers(); self.wfile.write(b'ok')\n"
        + "    def log_message(self, *a): pass\n"
        + "http.server.HTTPServer((u.hostname, u.port), H).serve_forever()\n";

    [Fact]
    public async Task Shutdown_answers_202_and_then_stops_the_hub()
    {
        await using var hub = await HubInstance.StartAsync();
        var admin = hub.Client(hub.AdminToken);
        (await admin.PostApiAsync("hub/api/shutdown", new { proxy = "yes" })).Is(400);
        (await hub.Client(await hub.ScopedTokenAsync("admin", "read:users")).PostApiAsync("hub/api/shutdown")).Is(403);
        var lifetime = hub.Services.GetRequiredService<IHostApplicationLifetime>();
        Assert.False(lifetime.ApplicationStopping.IsCancellationRequested);

        var stopping = new TaskCompletionSource();
        using var registration = lifetime.ApplicationStopping.Register(() => stopping.TrySetResult());
        var answer = (await admin.PostApiAsync("hub/api/shutdown", new { proxy = false, servers = false })).Is(202);
        Assert.Equal("Shutting down Hub", answer.Root.GetProperty("message").GetString());
        await stopping.Task.WaitAsync(TimeSpan.FromSeconds(60), Api.Ct);
    }

    [Fact]
    public async Task Shutdown_with_servers_true_stops_every_server_before_the_hub()
    {
        await using var hub = await HubInstance.StartAsync("Greyhub:Spawner:Command:0=/usr/bin/python3", "Greyhub:Spawner:Command:1=-c", "Greyhub:Spawner:Command:2=" + StandIn);
        var admin = hub.Client(hub.AdminToken);
        var carol = Api.Unique("carol");
        (await admin.PostApiAsync($"hub/api/users/{carol}")).Is(201);
        Assert.True((await admin.PostApiAsync($"hub/api/users/{carol}/servers/lab")).Code is 201 or 202);
        using (var progress = await admin.GetAsync($"hub/api/users/{carol}/servers/lab/progress", Api.Ct))
        {
            Assert.Contains("\"ready\": true", await progress.Content.ReadAsStringAsync(Api.Ct), StringComparison.Ordinal);
        }
        var lifetime = hub.Services.GetRequiredService<IHostApplicationLifetime>();
        var stopping = new TaskCompletionSource();
        using var registration = lifetime.ApplicationStopping.Register(() => stopping.TrySetResult());

        (await admin.PostApiAsync("hub/api/shutdown", new { servers = true })).Is(202);
        await stopping.Task.WaitAsync(TimeSpan.FromSeconds(60), Api.Ct);
        // The hub is told to stop only once the server has (this test's hub keeps answering until it is disposed).
        var servers = (await admin.GetApiAsync($"hub/api/users/{carol}")).Is(200).Root.GetProperty("servers");
        Assert.False(servers.TryGetProperty("lab", out _), servers.ToString());
    }

    [Fact]
    public async Task The_cookie_api_names_the_login_cookies_user_for_a_token_and_nobody_else()
    {
        await using var hub = await HubInstance.StartAsync();
        var admin = hub.Client(hub.AdminToken);
        var bob = Api.Unique("bob");
        await hub.SetPasswordAsync(bob, "bob-password-1");
        using var browser = new Browser(hub);
        await browser.LoginAsync(bob, "bob-password-1");
        var cookie = browser.Cookies.GetCookies(new Uri(hub.Address, "hub/"))["jupyterhub-hub-login"]!;
        var path = $"hub/api/authorizations/cookie/jupyterhub-hub-login/{Uri.EscapeDataString(cookie.Value)}";

        var model = (await admin.GetApiAsync(path)).Is(200).Root;
        Assert.Equal(bob, model.GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.False, model.GetProperty("admin").ValueKind);
        // A browser session may not look cookies up (JupyterHub's @token_authenticated); only the login cookie names anyone.
        using (var viaCookie = await browser.Client.GetAsync(path, Api.Ct))
        {
            Assert.Equal(403, (int)viaCookie.StatusCode);
        }
        (await admin.GetApiAsync($"hub/api/authorizations/cookie/jupyterhub-session-id/{Uri.EscapeDataString(cookie.Value)}")).Is(404);
        (await admin.GetApiAsync("hub/api/authorizations/cookie/jupyterhub-hub-login/not-a-cookie")).Is(404);

        // A deleted user's cookie names nobody.
        (await admin.DeleteApiAsync($"hub/api/users/{bob}")).Is(204);
        (await admin.GetApiAsync(path)).Is(404);
    }
}
