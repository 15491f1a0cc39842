using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Greyhub.Testing;

namespace Greyhub.Host.Tests;

/// <summary>
/// Real single-user servers (Debian's <c>jupyterhub-singleuser</c>, unchanged) started by the real <c>greyhub</c>
/// program on the local engine, reached through its proxy, crashed and recovered.
/// </summary>
public sealed class ServerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static void RequireJupyter() =>
        Requires.Program("/usr/bin/jupyterhub-singleuser", "apt-get install -y jupyterhub python3-ipykernel");

    [Fact]
    public async Task A_server_starts_through_the_api_answers_through_the_proxy_runs_code_and_stops()
    {
        RequireJupyter();
        // With no wait for a quick start, the answer is always 202 and the stream shows every step.
        await using var hub = await GreyhubProcess.StartAsync(extraArgs: ["--Greyhub:Servers:SlowSpawnTimeout=00:00:00"], cancellationToken: Ct);
        using var admin = await JupyterClient.AdminAsync(hub);
        using var alice = await admin.CreateUserAsync("alice");

        var events = await alice.StartAndWaitAsync("alice");
        Assert.Equal(0, events[0].GetProperty("progress").GetInt32());
        Assert.Equal("Server requested", events[0].GetProperty("message").GetString());
        Assert.True(events.Count >= 3, string.Join("\n", events));
        var progress = events.Select(e => e.GetProperty("progress").GetInt32()).ToList();
        Assert.Equal(progress.Order(), progress);
        var ready = events[^1];
        Assert.Equal(100, ready.GetProperty("progress").GetInt32());
        Assert.Equal("/user/alice/", ready.GetProperty("url").GetString());
        Assert.Equal("Server ready at /user/alice/", ready.GetProperty("message").GetString());
        // Once ready, the stream answers with the ready event at once.
        Assert.True((await alice.ProgressAsync("alice")).Single().GetProperty("ready").GetBoolean());

        var model = await alice.UserAsync("alice");
        Assert.Equal("/user/alice/", model.GetProperty("server").GetString());
        Assert.True(model.GetProperty("servers").GetProperty("").GetProperty("ready").GetBoolean());

        // Jupyter itself answers through the proxy, with the user's token.
        using var status = await alice.Http.GetAsync("user/alice/api/status", Ct);
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        Assert.Contains("TornadoServer", status.Headers.Server.ToString(), StringComparison.Ordinal);
        Assert.True((await status.Content.ReadFromJsonAsync<JsonElement>(Ct)).TryGetProperty("started", out _));

        // A kernel runs code over its WebSocket, through the proxy.
        Assert.Equal("2", await alice.ExecuteAsync("alice", "1+1"));

        var pid = await admin.ServerPidAsync("alice");
        Assert.True(Directory.Exists($"/proc/{pid}"));
        using var stop = await alice.Http.DeleteAsync("hub/api/users/alice/server", Ct);
        Assert.Equal(HttpStatusCode.NoContent, stop.StatusCode);
        Assert.False(Alive(pid), "the server process is gone after the stop");
        var after = await alice.UserAsync("alice");
        Assert.Equal(JsonValueKind.Null, after.GetProperty("server").ValueKind);
        // The proxy no longer routes: the hub explains instead (JupyterHub's 424 for API paths).
        using var gone = await alice.Http.GetAsync("user/alice/api/status", Ct);
        Assert.Equal(HttpStatusCode.Redirect, gone.StatusCode);
        using var explained = await alice.Http.GetAsync(gone.Headers.Location, Ct);
        Assert.Equal((HttpStatusCode)424, explained.StatusCode);
        Assert.Contains("/hub/spawn/alice", await MessageAsync(explained), StringComparison.Ordinal);
    }

    [Fact]
    public async Task One_user_never_reaches_another_users_server()
    {
        RequireJupyter();
        await using var hub = await GreyhubProcess.StartAsync(cancellationToken: Ct);
        using var admin = await JupyterClient.AdminAsync(hub);
        using var alice = await admin.CreateUserAsync("alice");
        using var bob = await admin.CreateUserAsync("bob");
        await alice.StartAndWaitAsync("alice");

        using var status = await bob.Http.GetAsync("user/alice/api/status", Ct);
        Assert.Equal(HttpStatusCode.Forbidden, status.StatusCode);
        var body = await status.Content.ReadAsStringAsync(Ct);
        Assert.DoesNotContain("last_activity", body, StringComparison.Ordinal);
        using var kernels = await bob.Http.PostAsJsonAsync("user/alice/api/kernels", new { name = "python3" }, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, kernels.StatusCode);
        using var contents = await bob.Http.GetAsync("user/alice/api/contents", Ct);
        Assert.Equal(HttpStatusCode.Forbidden, contents.StatusCode);
        // Nor may bob start, stop or follow alice's server through the hub.
        using var stop = await bob.Http.DeleteAsync("hub/api/users/alice/server", Ct);
        Assert.Equal(HttpStatusCode.NotFound, stop.StatusCode);
        using var progress = await bob.Http.GetAsync("hub/api/users/alice/server/progress", Ct);
        Assert.Equal(HttpStatusCode.NotFound, progress.StatusCode);
        // Alice's own token still works.
        using var own = await alice.Http.GetAsync("user/alice/api/status", Ct);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
    }

    [Fact]
    public async Task A_hub_killed_hard_comes_back_with_its_servers_and_notices_the_one_that_died()
    {
        RequireJupyter();
        var dataDir = Directory.CreateTempSubdirectory("greyhub-restart-").FullName;
        var port = FreePort.Next();
        var first = await GreyhubProcess.StartAsync(dataDir, port: port, cancellationToken: Ct);
        var pids = new List<int>();
        try
        {
            using var admin = await JupyterClient.AdminAsync(first);
            using var alice = await admin.CreateUserAsync("alice");
            using var bob = await admin.CreateUserAsync("bob");
            await alice.StartAndWaitAsync("alice");
            await alice.StartAndWaitAsync("alice", "second");
            await bob.StartAndWaitAsync("bob");
            pids.Add(await admin.ServerPidAsync("alice"));
            pids.Add(await admin.ServerPidAsync("alice", "second"));
            pids.Add(await admin.ServerPidAsync("bob"));

            await first.KillHardAsync();
            // While the hub is down, bob's server dies too.
            Signal(pids[2], 9);
            Assert.True(Alive(pids[0]) && Alive(pids[1]), "alice's servers outlive the hub");

            await using var second = await GreyhubProcess.StartAsync(dataDir, port: port, cancellationToken: Ct);
            // No action from anyone: alice's servers answer through the new hub's proxy at once.
            using var status = await alice.Http.GetAsync("user/alice/api/status", Ct);
            Assert.Equal(HttpStatusCode.OK, status.StatusCode);
            using var named = await alice.Http.GetAsync("user/alice/second/api/status", Ct);
            Assert.Equal(HttpStatusCode.OK, named.StatusCode);
            Assert.Equal("2", await alice.ExecuteAsync("alice", "1+1"));
            // Bob's is reported stopped once checked (the new hub re-adopts in the background), and his token for the
            // dead server is gone with it.
            var bobModel = await admin.CheckedUserAsync("bob");
            Assert.Equal(JsonValueKind.Null, bobModel.GetProperty("server").ValueKind);
            Assert.False(bobModel.GetProperty("servers").TryGetProperty("", out _));
            var aliceModel = await admin.CheckedUserAsync("alice");
            Assert.True(aliceModel.GetProperty("servers").GetProperty("second").GetProperty("ready").GetBoolean());
            // The summary follows the last check, in the background.
            await second.LogWithAsync("Re-attached 2 running servers; 1 found stopped", Ct);

            using var stop = await alice.Http.DeleteAsync("hub/api/users/alice/server", Ct);
            Assert.Equal(HttpStatusCode.NoContent, stop.StatusCode);
            Assert.False(Alive(pids[0]), "a re-attached server is stopped by the new hub");
        }
        finally
        {
            foreach (var pid in pids)
            {
                Signal(pid, 9);
            }
            await first.DisposeAsync();
            if (Directory.Exists(dataDir))
            {
                Directory.Delete(dataDir, recursive: true);
            }
            await Greyhub.Hub.Tests.TestDatabase.DropAsync(dataDir);
        }
    }

    [Fact]
    public async Task Bad_requests_get_clear_errors_and_leave_consistent_state()
    {
        RequireJupyter();
        await using var hub = await GreyhubProcess.StartAsync(extraArgs:
        [
            "--Greyhub:Servers:SlowSpawnTimeout=00:00:00.200",
            "--Greyhub:Spawner:Profiles:0:Name=default",
            "--Greyhub:Spawner:Profiles:1:Name=broken",
            "--Greyhub:Spawner:Profiles:1:Command:0=/bin/sh",
            "--Greyhub:Spawner:Profiles:1:Command:1=-c",
            "--Greyhub:Spawner:Profiles:1:Command:2=echo 'jupyter is not installed here' >&2; exit 7",
            "--Greyhub:Spawner:Profiles:2:Name=slow",
            "--Greyhub:Spawner:Profiles:2:Command:0=/bin/sh",
            "--Greyhub:Spawner:Profiles:2:Command:1=-c",
            "--Greyhub:Spawner:Profiles:2:Command:2=sleep 3; exec jupyterhub-singleuser " + (Environment.UserName == "root" ? "--allow-root" : ""),
        ], cancellationToken: Ct);
        using var admin = await JupyterClient.AdminAsync(hub);
        using var carol = await admin.CreateUserAsync("carol");

        // Invalid user_options: 400 with the reason, nothing started.
        using (var bad = await carol.Http.PostAsJsonAsync("hub/api/users/carol/server", new { profile = "huge" }, Ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains("Unknown profile 'huge'; choose one of: default, broken, slow", await MessageAsync(bad), StringComparison.Ordinal);
        }
        using (var bad = await carol.Http.PostAsJsonAsync("hub/api/users/carol/server", new { gpus = 8 }, Ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        }
        Assert.Equal(JsonValueKind.Null, (await carol.UserAsync("carol")).GetProperty("pending").ValueKind);

        // A command that exits at once: the reason and the server's own words reach the user; nothing is left running.
        using (var broken = await carol.Http.PostAsJsonAsync("hub/api/users/carol/servers/b", new { profile = "broken" }, Ct))
        {
            if (broken.StatusCode == HttpStatusCode.Accepted)
            {
                var failed = (await carol.ProgressAsync("carol", "b"))[^1];
                Assert.True(failed.GetProperty("failed").GetBoolean());
                Assert.Contains("exited", failed.GetProperty("message").GetString(), StringComparison.Ordinal);
                Assert.Contains("jupyter is not installed here", failed.GetProperty("html_message").GetString(), StringComparison.Ordinal);
            }
            else
            {
                Assert.Equal(HttpStatusCode.InternalServerError, broken.StatusCode);
                Assert.Contains("exited", await MessageAsync(broken), StringComparison.Ordinal);
            }
        }
        var afterBroken = await carol.Http.GetFromJsonAsync<JsonElement>("hub/api/users/carol?include_stopped_servers", Ct);
        Assert.True(afterBroken.GetProperty("servers").GetProperty("b").GetProperty("stopped").GetBoolean());

        // Start while pending → 202 (the same spawn); stop while pending → 400; start twice → 400.
        using (var slow = await carol.Http.PostAsJsonAsync("hub/api/users/carol/server", new { profile = "slow" }, Ct))
        {
            Assert.Equal(HttpStatusCode.Accepted, slow.StatusCode);
        }
        using (var again = await carol.Http.PostAsync("hub/api/users/carol/server", null, Ct))
        {
            Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        }
        using (var stopPending = await carol.Http.DeleteAsync("hub/api/users/carol/server", Ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, stopPending.StatusCode);
            Assert.Contains("carol is pending spawn", await MessageAsync(stopPending), StringComparison.Ordinal);
        }
        Assert.Equal("spawn", (await carol.UserAsync("carol")).GetProperty("pending").GetString());
        Assert.True((await carol.ProgressAsync("carol"))[^1].GetProperty("ready").GetBoolean());
        using (var twice = await carol.Http.PostAsync("hub/api/users/carol/server", null, Ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, twice.StatusCode);
            Assert.Contains("carol is already running", await MessageAsync(twice), StringComparison.Ordinal);
        }

        // Unknown server names, removing the default server, and bodies of the wrong type.
        using (var unknown = await carol.Http.DeleteAsync("hub/api/users/carol/servers/nope", Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
            Assert.Contains("carol has no server named 'nope'", await MessageAsync(unknown), StringComparison.Ordinal);
        }
        using (var progress = await carol.Http.GetAsync("hub/api/users/carol/servers/nope/progress", Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, progress.StatusCode);
        }
        using (var removeDefault = await carol.Http.SendAsync(new HttpRequestMessage(HttpMethod.Delete, "hub/api/users/carol/server") { Content = JsonContent.Create(new { remove = true }) }, Ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, removeDefault.StatusCode);
        }
        using (var notObject = await carol.Http.PostAsync("hub/api/users/carol/servers/x", new StringContent("[1,2]", System.Text.Encoding.UTF8, "application/json"), Ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, notObject.StatusCode);
        }
        using (var nobody = await admin.Http.PostAsync("hub/api/users/nobody/server", null, Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, nobody.StatusCode);
        }

        // Removing a stopped named server deletes it; the running default one stops cleanly.
        using (var remove = await carol.Http.SendAsync(new HttpRequestMessage(HttpMethod.Delete, "hub/api/users/carol/servers/b") { Content = JsonContent.Create(new { remove = true }) }, Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, remove.StatusCode);
        }
        var pid = await admin.ServerPidAsync("carol");
        using (var stop = await carol.Http.DeleteAsync("hub/api/users/carol/server", Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, stop.StatusCode);
        }
        Assert.False(Alive(pid));
        var final = await carol.Http.GetFromJsonAsync<JsonElement>("hub/api/users/carol?include_stopped_servers", Ct);
        Assert.False(final.GetProperty("servers").TryGetProperty("b", out _));
        Assert.Equal(JsonValueKind.Null, final.GetProperty("server").ValueKind);
    }

    [Fact]
    public async Task Proxy_activity_reaches_the_server_metrics_count_spawns_and_deleting_a_user_stops_their_server()
    {
        // A server that never reports activity itself (unlike Jupyter), so only the proxy can move last_activity.
        const string echo = "import http.server, os, urllib.parse\n"
            + "u = urllib.parse.urlparse(os.environ['JUPYTERHUB_SERVICE_URL'])\n"
            + "class H(http.server.BaseHTTPRequestHandler):\n"
            + "    def do_GET(self):\n"
            + "        self.send_response(200); self.send_header('Content-Length', '2'); self.end_headers(); self.wfile.write(b'ok')\n"
            + "http.server.HTTPServer((u.hostname, u.port), H).serve_forever()\n";
        await using var hub = await GreyhubProcess.StartAsync(extraArgs:
        [
            "--Greyhub:Servers:ActivityFlushInterval=00:00:01",
            "--Greyhub:Spawner:Command:0=/usr/bin/python3",
            "--Greyhub:Spawner:Command:1=-c",
            "--Greyhub:Spawner:Command:2=" + echo,
        ], cancellationToken: Ct);
        using var admin = await JupyterClient.AdminAsync(hub);
        using var dave = await admin.CreateUserAsync("dave");
        await dave.StartAndWaitAsync("dave");
        var before = (await admin.UserAsync("dave")).GetProperty("servers").GetProperty("").GetProperty("last_activity").GetDateTime();

        await Task.Delay(TimeSpan.FromMilliseconds(1100), Ct);
        using (var proxied = await dave.Http.GetAsync("user/dave/anything", Ct))
        {
            Assert.Equal("ok", await proxied.Content.ReadAsStringAsync(Ct));
        }
        var after = before;
        for (var i = 0; i < 100 && after <= before; i++)
        {
            await Task.Delay(100, Ct);
            after = (await admin.UserAsync("dave")).GetProperty("servers").GetProperty("").GetProperty("last_activity").GetDateTime();
        }
        Assert.True(after > before, $"proxy activity moved last_activity ({before:O} -> {after:O})");

        var metrics = await admin.Http.GetStringAsync("hub/metrics", Ct);
        Assert.Contains("jupyterhub_server_spawn_duration_seconds_count{status=\"success\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("greyhub_proxy_routes 1", metrics, StringComparison.Ordinal);
        Assert.Contains("jupyterhub_running_servers 1", metrics, StringComparison.Ordinal);

        var pid = await admin.ServerPidAsync("dave");
        using (var rename = await admin.Http.PatchAsJsonAsync("hub/api/users/dave", new { name = "david" }, Ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, rename.StatusCode);
        }
        using var delete = await admin.Http.DeleteAsync("hub/api/users/dave", Ct);
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.False(Alive(pid), "the deleted user's server is stopped");
        using var gone = await admin.Http.GetAsync("hub/api/users/dave", Ct);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    private static async Task<string> MessageAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync(Ct);
        try
        {
            return JsonDocument.Parse(body).RootElement.GetProperty("message").GetString() ?? body;
        }
        catch (JsonException)
        {
            return body;
        }
    }

    internal static bool Alive(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat))
        {
            return false;
        }
        try
        {
            var text = File.ReadAllText(stat);
            return text[(text.LastIndexOf(')') + 2)] is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static void Signal(int pid, int signal)
    {
        if (Alive(pid))
        {
            using var kill = System.Diagnostics.Process.Start("kill", [$"-{signal}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            kill.WaitForExit();
        }
    }
}
