using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Greyhub.Abstractions.Proxy;
using Microsoft.Extensions.DependencyInjection;

namespace Greyhub.Hub.Tests;

/// <summary>
/// The servers API's scope decisions and stream format, with a tiny stand-in server (Python's http.server bound where
/// JUPYTERHUB_SERVICE_URL says) so that each start takes a fraction of a second.
/// </summary>
public sealed class ServersApiTests : IAsyncLifetime
{
    private const string Echo = "import http.server, os, urllib.parse\n"
        + "u = urllib.parse.urlparse(os.environ['JUPYTERHUB_SERVICE_URL'])\n"
        + "class H(http.server.BaseHTTPRequestHandler):\n"
        + "    def do_GET(self):\n"
        + "        body = os.environ['JUPYTERHUB_USER'].encode()\n"
        + "        self.send_response(200); self.send_header('Content-Length', str(len(body))); self.end_headers(); self.wfile.write(body)\n"
        + "    def log_message(self, *a): pass\n"
        + "http.server.HTTPServer((u.hostname, u.port), H).serve_forever()\n";

    private HubInstance _hub = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() =>
        _hub = await HubInstance.StartAsync("Greyhub:Spawner:Command:0=/usr/bin/python3", "Greyhub:Spawner:Command:1=-c", "Greyhub:Spawner:Command:2=" + Echo);

    public async ValueTask DisposeAsync()
    {
        using var admin = _hub.Client(_hub.AdminToken);
        foreach (var user in new[] { "alice", "bob", "carol" })
        {
            using var _ = await admin.DeleteAsync($"hub/api/users/{user}/server", CancellationToken.None);
            using var __ = await admin.DeleteAsync($"hub/api/users/{user}/servers/two", CancellationToken.None);
        }
        await _hub.DisposeAsync();
    }

    [Fact]
    public async Task Scopes_decide_who_starts_follows_and_stops_which_server()
    {
        await _hub.TokenForAsync("alice");
        await _hub.TokenForAsync("bob");
        var startAlice = await _hub.ScopedTokenAsync("alice", "servers!user=alice");
        var readOnly = await _hub.ScopedTokenAsync("alice", "read:servers!user=alice");
        var namedOnly = await _hub.ScopedTokenAsync("alice", "servers!server=alice/two");
        using var start = _hub.Client(startAlice);
        using var reader = _hub.Client(readOnly);
        using var named = _hub.Client(namedOnly);

        using (var denied = await reader.PostAsync("hub/api/users/alice/server", null, Ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        }
        using (var otherUser = await start.PostAsync("hub/api/users/bob/server", null, Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, otherUser.StatusCode);
        }
        using (var otherServer = await named.PostAsync("hub/api/users/alice/server", null, Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, otherServer.StatusCode);
        }
        using (var ok = await named.PostAsync("hub/api/users/alice/servers/two", null, Ct))
        {
            Assert.True(ok.StatusCode is HttpStatusCode.Created or HttpStatusCode.Accepted, ok.StatusCode.ToString());
        }
        using (var ok = await start.PostAsync("hub/api/users/alice/server", null, Ct))
        {
            Assert.True(ok.StatusCode is HttpStatusCode.Created or HttpStatusCode.Accepted, ok.StatusCode.ToString());
        }
        // The progress stream needs read:servers; the event is JupyterHub's, in Python's JSON layout.
        using (var stream = await reader.GetAsync("hub/api/users/alice/server/progress", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
            Assert.Equal("no-cache", stream.Headers.CacheControl?.ToString());
            var text = await stream.Content.ReadAsStringAsync(Ct);
            Assert.EndsWith("data: {\"progress\": 100, \"ready\": true, \"message\": \"Server ready at /user/alice/\", "
                + "\"html_message\": \"Server ready at <a href=\\\"/user/alice/\\\">/user/alice/</a>\", \"url\": \"/user/alice/\"}\n\n", text, StringComparison.Ordinal);
        }
        // The server answers through the proxy, for alice's own token only.
        using (var proxied = await start.GetAsync("user/alice/", Ct))
        {
            Assert.Equal("alice", await proxied.Content.ReadAsStringAsync(Ct));
        }
        using (var named2 = await named.GetAsync("user/alice/two/", Ct))
        {
            Assert.Equal("alice", await named2.Content.ReadAsStringAsync(Ct));
        }
        // The model shows both servers, and the spawner state only to who holds admin:server_state.
        using var admin = _hub.Client(_hub.AdminToken);
        var model = await admin.GetFromJsonAsync<JsonElement>("hub/api/users/alice", Ct);
        Assert.True(model.GetProperty("servers").GetProperty("two").GetProperty("ready").GetBoolean());
        Assert.True(model.GetProperty("servers").GetProperty("").GetProperty("state").TryGetProperty("spawner", out _));
        var own = await reader.GetFromJsonAsync<JsonElement>("hub/api/users/alice", Ct);
        Assert.False(own.GetProperty("servers").GetProperty("").TryGetProperty("state", out _));

        using (var cannotStop = await reader.DeleteAsync("hub/api/users/alice/server", Ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, cannotStop.StatusCode);
        }
        using (var stopNamed = await named.DeleteAsync("hub/api/users/alice/servers/two", Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, stopNamed.StatusCode);
        }
        using (var stop = await start.DeleteAsync("hub/api/users/alice/server", Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, stop.StatusCode);
        }
        using (var notStarting = await reader.GetAsync("hub/api/users/alice/server/progress", Ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, notStarting.StatusCode);
        }
    }

    [Fact]
    public async Task A_ready_server_has_a_jupyterhub_route_and_a_stop_removes_it()
    {
        await _hub.TokenForAsync("carol");
        using var admin = _hub.Client(_hub.AdminToken);
        using (var start = await admin.PostAsync("hub/api/users/carol/servers/two", null, Ct))
        {
            Assert.True(start.StatusCode is HttpStatusCode.Created or HttpStatusCode.Accepted, start.StatusCode.ToString());
        }
        // The progress stream ends once the server is ready (its route is set before).
        using (var progress = await admin.GetAsync("hub/api/users/carol/servers/two/progress", Ct))
        {
            Assert.Contains("\"ready\": true", await progress.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }
        var routes = _hub.Services.GetRequiredService<IProxyRoutes>();

        // As JupyterHub names it for CHP: no trailing slash, the server's host as target, the hub's data.
        var route = await routes.GetRouteAsync("/user/carol/two", Ct);
        Assert.NotNull(route);
        Assert.Equal("/user/carol/two", Assert.Single((await routes.GetRoutesAsync(null, Ct)).Keys, k => k.StartsWith("/user/carol", StringComparison.Ordinal)));
        Assert.Matches(@"^http://127\.0\.0\.1:\d+$", route.Target.OriginalString);
        Assert.True(route.Data["jupyterhub"].GetBoolean());
        Assert.Equal("carol", route.Data["user"].GetString());
        Assert.Equal("two", route.Data["server_name"].GetString());
        Assert.Null(await routes.GetRouteAsync("/", Ct));

        using (var stop = await admin.DeleteAsync("hub/api/users/carol/servers/two", Ct))
        {
            Assert.True(stop.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.Accepted, stop.StatusCode.ToString());
        }
        for (var i = 0; i < 100 && await routes.GetRouteAsync("/user/carol/two", Ct) is not null; i++)
        {
            await Task.Delay(100, Ct);
        }
        Assert.Null(await routes.GetRouteAsync("/user/carol/two", Ct));
    }

    [Fact]
    public async Task Named_servers_respect_the_switch_and_the_limit()
    {
        await using var hub = await HubInstance.StartAsync("Greyhub:Servers:NamedServerLimitPerUser=1",
            "Greyhub:Spawner:Command:0=/usr/bin/python3", "Greyhub:Spawner:Command:1=-c", "Greyhub:Spawner:Command:2=" + Echo);
        await hub.TokenForAsync("carol");
        using var admin = hub.Client(hub.AdminToken);
        using (var first = await admin.PostAsync("hub/api/users/carol/servers/one", null, Ct))
        {
            Assert.True(first.StatusCode is HttpStatusCode.Created or HttpStatusCode.Accepted);
        }
        using (var second = await admin.PostAsync("hub/api/users/carol/servers/two", null, Ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, second.StatusCode);
            Assert.Contains("already has the maximum of 1 named servers", (await second.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("message").GetString(), StringComparison.Ordinal);
        }
        using (var stop = await admin.SendAsync(new HttpRequestMessage(HttpMethod.Delete, "hub/api/users/carol/servers/one") { Content = JsonContent.Create(new { remove = true }) }, Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, stop.StatusCode);
        }
        using (var nowFree = await admin.PostAsync("hub/api/users/carol/servers/two", null, Ct))
        {
            Assert.True(nowFree.StatusCode is HttpStatusCode.Created or HttpStatusCode.Accepted);
        }
        using var _ = await admin.DeleteAsync("hub/api/users/carol/servers/two", Ct);

        await using var plain = await HubInstance.StartAsync("Greyhub:Servers:AllowNamedServers=false");
        await plain.TokenForAsync("dan");
        using var admin2 = plain.Client(plain.AdminToken);
        using var refused = await admin2.PostAsync("hub/api/users/dan/servers/x", null, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("Named servers are not enabled.", (await refused.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("message").GetString());
    }
}
