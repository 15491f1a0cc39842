using System.Net.Http.Headers;
using System.Text.Json;

namespace Greyhub.Host.Tests;

public sealed class CliTests
{
    [Fact]
    public async Task Token_creates_the_user_and_prints_only_a_working_token()
    {
        var ct = TestContext.Current.CancellationToken;
        var dataDir = Directory.CreateTempSubdirectory("greyhub-cli-").FullName;
        var (code, stdout, stderr) = await GreyhubProcess.RunAsync(["token", "--admin", "--data-dir", dataDir, "Root"], cancellationToken: ct);
        Assert.True(code == 0, stderr);
        var token = stdout.Trim();
        Assert.Matches("^[0-9a-f]{32}$", token);

        await using var hub = await GreyhubProcess.StartAsync(dataDir, cancellationToken: ct);
        using var client = new HttpClient { BaseAddress = hub.Address };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("token", token);
        var me = JsonDocument.Parse(await client.GetStringAsync("hub/api/user", ct)).RootElement;
        Assert.Equal("root", me.GetProperty("name").GetString());
        Assert.True(me.GetProperty("admin").GetBoolean());
    }

    [Fact]
    public async Task Token_beside_a_live_hub_leaves_a_pending_spawn_alone()
    {
        var ct = TestContext.Current.CancellationToken;
        var gateDir = Directory.CreateTempSubdirectory("greyhub-gate-").FullName;
        var gate = Path.Combine(gateDir, "open");
        // A stand-in server that starts serving only once the test opens the gate: its spawn stays pending until then.
        var server = "import http.server, os, time, urllib.parse\n"
            + $"while not os.path.exists('{gate}'): time.sleep(0.05)\n"
            + "u = urllib.parse.urlparse(os.environ['JUPYTERHUB_SERVICE_URL'])\n"
            + "class H(http.server.BaseHTTPRequestHandler):\n"
            + "    def do_GET(self):\n"
            + "        self.send_response(200); self.send_header('Content-Length', '2'); self.end_headers(); self.wfile.write(b'ok')\n"
            + "    def log_message(self, *a): pass\n"
            + "http.server.HTTPServer((u.hostname, u.port), H).serve_forever()\n";
        await using var hub = await GreyhubProcess.StartAsync(extraArgs:
        [
            "--Greyhub:Servers:SlowSpawnTimeout=00:00:00",
            "--Greyhub:Servers:HttpTimeout=00:05:00",
            "--Greyhub:Spawner:StartTimeout=00:05:00",
            "--Greyhub:Spawner:Command:0=" + Greyhub.Testing.DebianPython.Path,
            "--Greyhub:Spawner:Command:1=-c",
            "--Greyhub:Spawner:Command:2=" + server,
        ], cancellationToken: ct);
        using var admin = await JupyterClient.AdminAsync(hub);
        using var alice = await admin.CreateUserAsync("alice");
        using (var start = await alice.Http.PostAsync("hub/api/users/alice/server", null, ct))
        {
            Assert.Equal(System.Net.HttpStatusCode.Accepted, start.StatusCode);
        }
        Assert.Equal("spawn", (await admin.UserAsync("alice")).GetProperty("servers").GetProperty("").GetProperty("pending").GetString());

        // As the README shows: a token for a script, from the command line, while the hub runs.
        var (code, stdout, stderr) = await GreyhubProcess.RunAsync(["token", "--data-dir", hub.DataDir, "bob"], cancellationToken: ct);
        Assert.True(code == 0, stderr);
        var servers = (await admin.UserAsync("alice")).GetProperty("servers");
        Assert.True(servers.TryGetProperty("", out var pending), $"the pending server was stopped by `greyhub token`: {servers}");
        Assert.Equal("spawn", pending.GetProperty("pending").GetString());

        File.WriteAllText(gate, "");
        var events = await alice.ProgressAsync("alice");
        Assert.True(events[^1].TryGetProperty("ready", out var ready) && ready.GetBoolean(), string.Join("\n", events));
        Assert.DoesNotContain("restarted", hub.Log, StringComparison.OrdinalIgnoreCase);
        using var bob = new JupyterClient(hub.Address, stdout.Trim());
        Assert.Equal("bob", (await bob.UserAsync("bob")).GetProperty("name").GetString());
        using (var stop = await alice.Http.DeleteAsync("hub/api/users/alice/server", ct))
        {
            Assert.Equal(System.Net.HttpStatusCode.NoContent, stop.StatusCode);
        }
        Directory.Delete(gateDir, recursive: true);
    }

    [Fact]
    public async Task Users_add_sets_a_password_and_rejects_a_short_one()
    {
        var ct = TestContext.Current.CancellationToken;
        var dataDir = Directory.CreateTempSubdirectory("greyhub-cli-").FullName;
        var (shortCode, _, shortErr) = await GreyhubProcess.RunAsync(["users", "add", "--password-stdin", "--data-dir", dataDir, "ada"], "short\n", ct);
        Assert.NotEqual(0, shortCode);
        Assert.Contains("at least 8 characters", shortErr);

        var (code, stdout, stderr) = await GreyhubProcess.RunAsync(["users", "add", "--admin", "--password-stdin", "--data-dir", dataDir, "ada"], "correct horse battery\n", ct);
        Assert.True(code == 0, stderr);
        Assert.Contains("Created user ada (admin)", stdout);
        Assert.True(Greyhub.Hub.Tests.TestDatabase.IsPostgres
            ? await Greyhub.Hub.Tests.TestDatabase.ExistsAsync(dataDir)
            : File.Exists(Path.Combine(dataDir, "greyhub.sqlite")));
        Directory.Delete(dataDir, recursive: true);
        await Greyhub.Hub.Tests.TestDatabase.DropAsync(dataDir);
    }

    [Fact]
    public async Task An_unknown_engine_or_bad_profile_is_a_clear_error()
    {
        var ct = TestContext.Current.CancellationToken;
        var dataDir = Directory.CreateTempSubdirectory("greyhub-cli-").FullName;
        var (code, _, stderr) = await GreyhubProcess.RunAsync(
            ["serve", "--urls", "http://127.0.0.1:0", "--data-dir", dataDir, "--Greyhub:Spawner:Engine=kube"], cancellationToken: ct);
        Assert.Equal(2, code);
        Assert.Contains("Greyhub:Spawner:Engine 'kube' is unknown; choose one of: local, slurm, containers", stderr, StringComparison.Ordinal);
        (code, _, stderr) = await GreyhubProcess.RunAsync(
            ["serve", "--urls", "http://127.0.0.1:0", "--data-dir", dataDir, "--Greyhub:Spawner:Profiles:0:Name=a b", "--Greyhub:Spawner:StartTimeout=00:00:00"], cancellationToken: ct);
        Assert.Equal(2, code);
        Assert.Contains("Greyhub:Spawner:StartTimeout must be positive.", stderr, StringComparison.Ordinal);
        Assert.Contains("'a b' must be letters", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", stderr, StringComparison.Ordinal);
        Directory.Delete(dataDir, recursive: true);
        await Greyhub.Hub.Tests.TestDatabase.DropAsync(dataDir);
    }

    [Fact]
    public async Task A_mistyped_command_is_refused_and_starts_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var dataDir = Directory.CreateTempSubdirectory("greyhub-cli-").FullName;
        try
        {
            // Before, "prxy" went to ASP.NET as an unmatched argument and a whole hub started on port 8000.
            var (code, _, stderr) = await GreyhubProcess.RunAsync(["prxy", "--ip", "127.0.0.1", "--data-dir", dataDir], cancellationToken: ct);
            Assert.Equal(2, code);
            Assert.Contains("unknown command 'prxy'", stderr, StringComparison.Ordinal);
            Assert.Contains("proxy", stderr, StringComparison.Ordinal);
            Assert.Empty(Directory.EnumerateFileSystemEntries(dataDir));
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task Invalid_configuration_is_a_clear_error_not_a_crash()
    {
        var ct = TestContext.Current.CancellationToken;
        var dataDir = Directory.CreateTempSubdirectory("greyhub-cli-").FullName;
        var (code, _, stderr) = await GreyhubProcess.RunAsync(
            ["serve", "--urls", "http://127.0.0.1:0", "--data-dir", dataDir, "--Greyhub:BaseUrl=nope", "--Greyhub:Roles:0:Name=X", "--Greyhub:Roles:0:Scopes:0=read:nothing"],
            cancellationToken: ct);
        Assert.Equal(2, code);
        Assert.Contains("invalid configuration", stderr);
        Assert.Contains("BaseUrl", stderr);
        Assert.Contains("role name 'X'", stderr);
        Assert.Contains("read:nothing", stderr);
        Assert.DoesNotContain("Unhandled exception", stderr);
        Directory.Delete(dataDir, recursive: true);
        await Greyhub.Hub.Tests.TestDatabase.DropAsync(dataDir);
    }
}
