using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Greyhub.Processes;
using Greyhub.Testing;

namespace Greyhub.Host.Tests;

/// <summary>
/// The JupyterHub bridge (python/greyhub_bridge) as the hub's spawner, hosting Debian's own
/// <c>jupyterhub.spawner.SimpleLocalProcessSpawner</c> and <c>LocalProcessSpawner</c> unchanged: a real hub starts the
/// bridge, the bridge's spawner starts a real <c>jupyterhub-singleuser</c> behind the hub's proxy, a cell runs through the
/// kernel WebSocket, and servers re-attach after <c>kill -9</c> of the bridge and of the hub. Nothing is left running.
/// </summary>
public sealed class BridgeSpawnerTests
{
    /// <summary>The Unix account LocalProcessSpawner runs a server as (created here when missing).</summary>
    private const string UnixUser = "greyhub-bridge-user";

    private const string Password = "correct horse battery staple";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SimpleLocalProcessSpawner_runs_a_server_through_the_bridge_that_survives_kill_9_of_bridge_and_hub()
    {
        Requires.Program("jupyterhub-singleuser", "apt-get install -y jupyterhub");
        var data = Directory.CreateTempSubdirectory("greyhub-bridge-").FullName;
        var home = Path.Combine(data, "home");
        var config = WriteConfig(data, $$"""
            c.Bridge.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
            c.SimpleLocalProcessSpawner.home_dir_template = {{Py(home)}} + "/{username}"
            c.Spawner.args = {{(LinuxProcess.IsRoot ? "[\"--allow-root\"]" : "[]")}}
            c.Spawner.options_form = '<label for="colour">Colour</label> <input id="colour" name="colour" value="blue"><script>alert(1)</script><img src=x onerror="alert(2)">'
            def _colour(spawner):
                value = spawner.user_options.get("colour", "none")
                return value[0] if isinstance(value, list) else value
            c.Spawner.environment = {
                "COLOUR": _colour,
                "OWNER_ADMIN": lambda spawner: str(spawner.user.admin),
                "OWNER_GROUPS": lambda spawner: ",".join(g.name for g in spawner.user.groups),
            }
            """);
        var port = FreePort.Next();
        var args = HubArgs(data, config);
        var (code, _, stderr) = await GreyhubProcess.RunAsync(["users", "add", "--password-stdin", "--data-dir", data, "alice"], Password + "\n", Ct);
        Assert.True(code == 0, stderr);
        var first = await GreyhubProcess.StartAsync(data, args, port, Ct);
        var servers = new List<int>();
        var bridges = new List<int>();
        try
        {
            using var admin = await JupyterClient.AdminAsync(first);
            using var alice = await admin.ForUserAsync("alice");
            bridges.Add(Bridge(config));

            // Alice signs in; the spawn page shows the spawner's own form, sanitised: its field stays, its script and handler go.
            using var browser = await SignInAsync(first.Address, "alice");
            var html = await browser.GetStringAsync("hub/spawn", Ct);
            Assert.Contains("name=\"colour\"", html, StringComparison.Ordinal);
            Assert.DoesNotContain("alert(", html, StringComparison.Ordinal);
            Assert.DoesNotContain("onerror", html, StringComparison.Ordinal);

            // Her choice goes through the spawner's options_from_form into user_options, which its environment reads.
            using (var posted = await browser.PostAsync("hub/spawn", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["_xsrf"] = Xsrf(html), ["greyhub-options-form"] = "1", ["colour"] = "green", ["next"] = "",
            }), Ct))
            {
                Assert.True(posted.StatusCode == HttpStatusCode.Redirect, $"{posted.StatusCode}: {await posted.Content.ReadAsStringAsync(Ct)}");
            }
            var events = await alice.ProgressAsync("alice");
            Assert.True(events[^1].TryGetProperty("ready", out var ready) && ready.GetBoolean(), string.Join("\n", events));
            // Progress comes from the hosted spawner's progress().
            Assert.Contains(events, e => e.TryGetProperty("message", out var m) && m.GetString() == "Spawning server...");
            servers.Add(await ServerPidAsync(admin, "alice"));
            Assert.Equal("green False  " + Path.Combine(home, "alice") + "\n",
                await alice.ExecuteAsync("alice", "import os; print(os.environ['COLOUR'], os.environ['OWNER_ADMIN'], os.environ['OWNER_GROUPS'], os.environ['HOME'])"));

            // kill -9 of the bridge: the hub starts another, which finds alice's server from its stored state.
            LinuxProcess.Signal(bridges[0], 9);
            await UntilAsync(() => Bridges(config).Any(p => p != bridges[0]), "the hub did not start the bridge again");
            bridges.Add(Bridges(config).First(p => p != bridges[0]));
            Assert.Equal("2", await alice.ExecuteAsync("alice", "1+1"));

            // kill -9 of the hub: its bridge ends with it; the next hub starts a new bridge and re-attaches the server.
            await first.KillHardAsync();
            await UntilAsync(() => Bridges(config).Count == 0, () => "the bridge outlived the hub that started it: "
                + string.Join("; ", Bridges(config).Select(p => $"{p}: {Describe(p)}")) + "; its log ends:\n" + Tail(Path.Combine(data, "bridge.log")));
            Assert.True(Alive(servers[0]), "alice's server outlives the hub and its bridge");
            await using var second = await GreyhubProcess.StartAsync(data, args, port, Ct);
            bridges.AddRange(Bridges(config));
            var model = await admin.CheckedUserAsync("alice");
            Assert.True(model.GetProperty("servers").GetProperty("").GetProperty("ready").GetBoolean(), model.ToString());
            Assert.Equal("6", await alice.ExecuteAsync("alice", "2*3"));

            // Stopping goes through the new bridge's re-attached spawner, and ends the process.
            using (var stop = await alice.Http.DeleteAsync("hub/api/users/alice/server", Ct))
            {
                Assert.Equal(HttpStatusCode.NoContent, stop.StatusCode);
            }
            await UntilAsync(() => !Alive(servers[0]), "alice's server outlived its stop");
        }
        finally
        {
            await first.DisposeAsync();
            await CleanUpAsync(servers, bridges, config, data);
        }
    }

    [Fact]
    public async Task LocalProcessSpawner_runs_a_server_as_the_unix_user_that_survives_kill_9_and_gets_its_state_back_on_the_next_start()
    {
        Requires.Program("jupyterhub-singleuser", "apt-get install -y jupyterhub");
        Assert.True(LinuxProcess.IsRoot, "LocalProcessSpawner switches to the user's Unix account: run this test as root (CI does)");
        await EnsureUnixUserAsync();
        var data = Directory.CreateTempSubdirectory("greyhub-bridge-").FullName;
        // LocalProcessSpawner unchanged, but for a count of its starts kept in its state (not cleared), as a spawner
        // that reuses what it named across starts (a pod, a volume) keeps it: the next start sees it only if the hub
        // gives the stored state back, as JupyterHub does.
        var config = WriteConfig(data, """
            from jupyterhub.spawner import LocalProcessSpawner
            from traitlets import Integer

            class CountingSpawner(LocalProcessSpawner):
                starts = Integer(0)

                def load_state(self, state):
                    super().load_state(state)
                    self.starts = state.get("starts", 0)

                def get_state(self):
                    return {**super().get_state(), "starts": self.starts}

                def get_env(self):
                    return {**super().get_env(), "STARTS": str(self.starts)}

                async def start(self):
                    self.starts += 1
                    return await super().start()

            c.Bridge.spawner_class = CountingSpawner
            """);
        var servers = new List<int>();
        var bridges = new List<int>();
        var port = FreePort.Next();
        var args = HubArgs(data, config);
        var first = await GreyhubProcess.StartAsync(data, args, port, Ct);
        try
        {
            using var admin = await JupyterClient.AdminAsync(first);
            using var user = await admin.CreateUserAsync(UnixUser);
            bridges.Add(Bridge(config));
            await user.StartAndWaitAsync(UnixUser);
            servers.Add(await ServerPidAsync(admin, UnixUser));
            var (uid, unixHome) = await UnixAccountAsync();
            const string Who = "import os, getpass; print(os.getuid(), os.environ['HOME'], getpass.getuser(), os.environ['STARTS'])";
            Assert.Equal($"{uid} {unixHome} {UnixUser} 1\n", await user.ExecuteAsync(UnixUser, Who));

            // kill -9 of the bridge: the next one rebuilds the LocalProcessSpawner from the stored state (load_state),
            // and its poll() finds the pid it saved.
            LinuxProcess.Signal(bridges[0], 9);
            await UntilAsync(() => Bridges(config).Any(p => p != bridges[0]), "the hub did not start the bridge again");
            bridges.Add(Bridges(config).First(p => p != bridges[0]));
            Assert.Equal("2", await user.ExecuteAsync(UnixUser, "1+1"));
            Assert.True((await admin.CheckedUserAsync(UnixUser)).GetProperty("servers").GetProperty("").GetProperty("ready").GetBoolean());

            // kill -9 of the hub: the next hub's bridge re-attaches the server from the database's state.
            await first.KillHardAsync();
            await UntilAsync(() => Bridges(config).Count == 0, () => "the bridge outlived the hub that started it: "
                + string.Join("; ", Bridges(config).Select(p => $"{p}: {Describe(p)}")) + "; its log ends:\n" + Tail(Path.Combine(data, "bridge.log")));
            Assert.True(Alive(servers[0]), "the server outlives the hub and its bridge");
            await using var second = await GreyhubProcess.StartAsync(data, args, port, Ct);
            bridges.AddRange(Bridges(config));
            var model = await admin.CheckedUserAsync(UnixUser);
            Assert.True(model.GetProperty("servers").GetProperty("").GetProperty("ready").GetBoolean(), model.ToString());
            Assert.Equal("6", await user.ExecuteAsync(UnixUser, "2*3"));
            Assert.Equal(servers[0], await ServerPidAsync(admin, UnixUser));

            using (var stop = await user.Http.DeleteAsync($"hub/api/users/{UnixUser}/server", Ct))
            {
                Assert.Equal(HttpStatusCode.NoContent, stop.StatusCode);
            }
            await UntilAsync(() => !Alive(servers[0]), "the server outlived its stop");

            // A new start is given the state the last run left (by a bridge and a hub that no longer exist).
            await user.StartAndWaitAsync(UnixUser);
            servers.Add(await ServerPidAsync(admin, UnixUser));
            Assert.NotEqual(servers[0], servers[1]);
            Assert.Equal($"{uid} {unixHome} {UnixUser} 2\n", await user.ExecuteAsync(UnixUser, Who));
            using (var stop = await user.Http.DeleteAsync($"hub/api/users/{UnixUser}/server", Ct))
            {
                Assert.Equal(HttpStatusCode.NoContent, stop.StatusCode);
            }
            await UntilAsync(() => !Alive(servers[1]), "the server outlived its stop");
        }
        finally
        {
            await first.DisposeAsync();
            await CleanUpAsync(servers, bridges, config, data);
        }
    }

    /// <summary>A cookie session of <paramref name="user"/>, signed in through the login form as a browser would.</summary>
    private static async Task<HttpClient> SignInAsync(Uri hub, string user)
    {
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = hub };
        var login = await client.GetStringAsync("hub/login", Ct);
        using var signedIn = await client.PostAsync("hub/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_xsrf"] = Xsrf(login), ["username"] = user, ["password"] = Password,
        }), Ct);
        Assert.True(signedIn.StatusCode == HttpStatusCode.Redirect, $"sign-in answered {signedIn.StatusCode}");
        return client;
    }

    private static string Xsrf(string html) =>
        System.Text.RegularExpressions.Regex.Match(html, "name=\"_xsrf\"[^>]*value=\"([^\"]+)\"") is { Success: true } m
            ? WebUtility.HtmlDecode(m.Groups[1].Value) : throw new InvalidOperationException("no _xsrf field in: " + html);

    private static string[] HubArgs(string data, string config)
    {
        const string At = "--Greyhub:Compute:Remote:jupyterhub:";
        return
        [
            "--Greyhub:Culler:Enabled=false", "--Greyhub:Spawner:Plugin=jupyterhub",
            At + "Command:0=" + DebianPython.Path, At + "Command:1=" + Path.Combine(AppContext.BaseDirectory, "python", "greyhub_bridge"),
            At + "Command:2=-f", At + "Command:3=" + config, At + "LogFile=" + Path.Combine(data, "bridge.log"),
            At + "HealthInterval=00:00:01",
        ];
    }

    private static string WriteConfig(string data, string body)
    {
        var path = Path.Combine(data, "greyhub_bridge_config.py");
        File.WriteAllText(path, body);
        return path;
    }

    private static string Py(string text) => JsonSerializer.Serialize(text);

    /// <summary>The bridge processes reading this test's config file (each test has its own).</summary>
    private static List<int> Bridges(string config) =>
        [.. Directory.EnumerateDirectories("/proc").Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0)
            .Where(pid => pid > 0 && LinuxProcess.CommandLine(pid) is var line && line.StartsWith(DebianPython.Path, StringComparison.Ordinal)
                && line.Contains(config, StringComparison.Ordinal) && Alive(pid))];

    private static int Bridge(string config) => Assert.Single(Bridges(config));

    private static bool Alive(int pid) => LinuxProcess.Stat(pid) is { State: not 'Z' };

    /// <summary>The server's process id, from the bridge's state (the spawner's own <c>get_state()</c>: its pid).</summary>
    private static async Task<int> ServerPidAsync(JupyterClient admin, string user)
    {
        var model = await admin.UserAsync(user);
        var spawner = model.GetProperty("servers").GetProperty("").GetProperty("state").GetProperty("spawner");
        using var bridge = JsonDocument.Parse(spawner.ValueKind == JsonValueKind.String ? spawner.GetString()! : spawner.GetRawText());
        return bridge.RootElement.GetProperty("spawner").GetProperty("pid").GetInt32();
    }

    private static async Task EnsureUnixUserAsync()
    {
        if (File.ReadAllLines("/etc/passwd").Any(l => l.StartsWith(UnixUser + ":", StringComparison.Ordinal)))
        {
            return;
        }
        using var add = Process.Start(new ProcessStartInfo("useradd", ["--create-home", "--shell", "/bin/bash", UnixUser]) { RedirectStandardError = true })!;
        await add.WaitForExitAsync(Ct);
        Assert.True(add.ExitCode is 0 or 9, "useradd failed: " + await add.StandardError.ReadToEndAsync(Ct));
    }

    private static Task<(int Uid, string Home)> UnixAccountAsync()
    {
        var fields = File.ReadAllLines("/etc/passwd").First(l => l.StartsWith(UnixUser + ":", StringComparison.Ordinal)).Split(':');
        return Task.FromResult((int.Parse(fields[2], CultureInfo.InvariantCulture), fields[5]));
    }

    private static async Task CleanUpAsync(List<int> servers, List<int> bridges, string config, string data)
    {
        // Whatever a failure left running: servers (their whole session) and bridges, by pid.
        foreach (var pid in servers.Where(Alive))
        {
            LinuxProcess.SignalGroup(pid, 9);
        }
        foreach (var pid in bridges.Concat(Bridges(config)).Distinct().Where(Alive))
        {
            LinuxProcess.Signal(pid, 9);
        }
        await UntilAsync(() => !servers.Any(Alive) && Bridges(config).Count == 0, "processes were left running");
        try
        {
            Directory.Delete(data, recursive: true);
        }
        catch (IOException)
        {
        }
        await Greyhub.Hub.Tests.TestDatabase.DropAsync(data);
    }

    private static Task UntilAsync(Func<bool> condition, string failure) => UntilAsync(condition, () => failure);

    private static async Task UntilAsync(Func<bool> condition, Func<string> failure)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(90), watch.Elapsed < TimeSpan.FromSeconds(90) ? "" : failure());
            await Task.Delay(100, Ct);
        }
    }

    private static string Describe(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/stat") + " " + File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException e)
        {
            return e.Message;
        }
    }

    private static string Tail(string path)
    {
        var text = File.Exists(path) ? File.ReadAllText(path) : "(no log at " + path + ")";
        return text.Length > 4000 ? text[^4000..] : text;
    }
}
