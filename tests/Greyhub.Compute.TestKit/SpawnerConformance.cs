using System.Diagnostics;
using System.Text.Json;
using Greyhub.Abstractions.Compute;

namespace Greyhub.Compute.TestKit;

/// <summary>
/// What every <see cref="ISpawner"/> must do, as tests each spawner's test class inherits: start a server that
/// answers under its prefix with the hub's environment, save its state before returning, poll many servers in one
/// call, stop (twice is fine), report a server that exits at once with its output and leave nothing behind,
/// validate <c>user_options</c> against the profiles, and re-attach from saved state in a new instance.
/// </summary>
public abstract class SpawnerConformance : IAsyncLifetime
{
    /// <summary>A tiny HTTP server standing in for jupyterhub-singleuser: binds where JUPYTERHUB_SERVICE_URL says and echoes its environment.</summary>
    protected const string EchoServer = """
        import http.server, json, os, sys, urllib.parse
        url = urllib.parse.urlparse(os.environ["JUPYTERHUB_SERVICE_URL"])
        prefix = os.environ["JUPYTERHUB_SERVICE_PREFIX"]
        keys = ["JUPYTERHUB_USER", "JUPYTERHUB_API_TOKEN", "JUPYTERHUB_SERVER_NAME", "USER", "HOME", "PROFILE_MARK", "SECRET_OF_THE_HUB"]
        class Echo(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                ok = self.path.startswith(prefix)
                body = json.dumps({k: os.environ.get(k) for k in keys} | {"cwd": os.getcwd(), "path": self.path}).encode()
                self.send_response(200 if ok else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, *args):
                pass
        print("echo server on", url.port, flush=True)
        http.server.HTTPServer((url.hostname, url.port), Echo).serve_forever()
        """;

    private readonly List<(ISpawner Spawner, string State)> _started = [];

    /// <summary>
    /// A new spawner running <paramref name="command"/> with these profiles; two calls model a hub restart.
    /// The command runs with the hub's environment plus the spawner's own variables.
    /// </summary>
    protected abstract ISpawner CreateSpawner(IReadOnlyList<string> command, IReadOnlyList<SpawnerProfileOptions> profiles);

    /// <summary>The Python that servers run.</summary>
    protected virtual string Python => "/usr/bin/python3";

    /// <summary>Longest wait for a server to answer.</summary>
    protected virtual TimeSpan Patience => TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <inheritdoc />
    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var (spawner, state) in _started)
        {
            await spawner.StopAsync(state, CancellationToken.None);
        }
        GC.SuppressFinalize(this);
    }

    /// <summary>The echo server's command.</summary>
    protected IReadOnlyList<string> EchoCommand => [Python, "-c", EchoServer];

    /// <summary>A start request as the hub makes it.</summary>
    protected static SpawnRequest Request(string user, string server = "", string userOptions = "{}") => new()
    {
        UserName = user,
        ServerName = server,
        ServicePrefix = server.Length == 0 ? $"/user/{user}/" : $"/user/{user}/{server}/",
        UserOptions = userOptions,
        HubEnvironment = new Dictionary<string, string>
        {
            ["JUPYTERHUB_USER"] = user,
            ["JUPYTERHUB_SERVER_NAME"] = server,
            ["JUPYTERHUB_API_TOKEN"] = "token-of-" + user,
            ["JUPYTERHUB_SERVICE_PREFIX"] = server.Length == 0 ? $"/user/{user}/" : $"/user/{user}/{server}/",
        },
    };

    /// <summary>Records progress and saved states.</summary>
    protected sealed class RecordingContext : ISpawnContext
    {
        public List<(int Progress, string Message)> Events { get; } = [];

        public List<string> SavedStates { get; } = [];

        public void Report(int progress, string message)
        {
            lock (Events)
            {
                Events.Add((progress, message));
            }
        }

        public Task SaveStateAsync(string state, CancellationToken cancellationToken)
        {
            SavedStates.Add(state);
            return Task.CompletedTask;
        }
    }

    /// <summary>Starts a server and remembers it for clean-up.</summary>
    protected async Task<SpawnedServer> StartAsync(ISpawner spawner, SpawnRequest request, RecordingContext? context = null)
    {
        context ??= new RecordingContext();
        try
        {
            var server = await spawner.StartAsync(request, context, Ct);
            _started.Add((spawner, server.State));
            return server;
        }
        finally
        {
            foreach (var state in context.SavedStates)
            {
                _started.Add((spawner, state));
            }
        }
    }

    /// <summary>GETs the server's prefix until it answers 200, and returns its echo.</summary>
    protected async Task<JsonElement> EchoAsync(SpawnedServer server)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var watch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                var body = await client.GetStringAsync(server.Url, Ct);
                return JsonDocument.Parse(body).RootElement.Clone();
            }
            catch (HttpRequestException) when (watch.Elapsed < Patience)
            {
                await Task.Delay(50, Ct);
            }
        }
    }

    [Fact]
    public async Task A_server_starts_answers_under_its_prefix_with_the_hub_environment_and_stops()
    {
        var spawner = CreateSpawner(EchoCommand, []);
        var context = new RecordingContext();
        var server = await StartAsync(spawner, Request("alice"), context);
        Assert.EndsWith("/user/alice/", server.Url.AbsoluteUri, StringComparison.Ordinal);
        var echo = await EchoAsync(server);
        Assert.Equal("alice", echo.GetProperty("JUPYTERHUB_USER").GetString());
        Assert.Equal("token-of-alice", echo.GetProperty("JUPYTERHUB_API_TOKEN").GetString());
        Assert.Equal("alice", echo.GetProperty("USER").GetString());
        Assert.Equal("/user/alice/", echo.GetProperty("path").GetString());
        // The state was saved before the start returned, and it is the state the server is known by.
        Assert.Contains(server.State, context.SavedStates);
        Assert.True((await spawner.PollAsync([server.State], Ct))[0].Running);

        await spawner.StopAsync(server.State, Ct);
        Assert.False((await spawner.PollAsync([server.State], Ct))[0].Running);
        await spawner.StopAsync(server.State, Ct);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => client.GetStringAsync(server.Url, Ct));
    }

    [Fact]
    public async Task Nothing_of_the_hubs_own_environment_leaks_unless_kept()
    {
        Environment.SetEnvironmentVariable("SECRET_OF_THE_HUB", "do-not-leak");
        try
        {
            var spawner = CreateSpawner(EchoCommand, []);
            var echo = await EchoAsync(await StartAsync(spawner, Request("dora")));
            Assert.Equal(JsonValueKind.Null, echo.GetProperty("SECRET_OF_THE_HUB").ValueKind);
        }
        finally
        {
            Environment.SetEnvironmentVariable("SECRET_OF_THE_HUB", null);
        }
    }

    [Fact]
    public async Task Many_servers_are_polled_in_one_call_in_order()
    {
        var spawner = CreateSpawner(EchoCommand, []);
        var first = await StartAsync(spawner, Request("bob"));
        var second = await StartAsync(spawner, Request("bob", "two"));
        await EchoAsync(second);
        await spawner.StopAsync(first.State, Ct);
        var statuses = await spawner.PollAsync([first.State, second.State, "{\"not\":\"a state\"}"], Ct);
        Assert.Equal(3, statuses.Count);
        Assert.False(statuses[0].Running);
        Assert.True(statuses[1].Running);
        Assert.False(statuses[2].Running);
    }

    [Fact]
    public async Task A_server_that_exits_at_once_is_reported_with_its_output_and_leaves_nothing()
    {
        var spawner = CreateSpawner([Python, "-c", "import sys; print('cannot start: no notebook here', flush=True); sys.exit(3)"], []);
        var context = new RecordingContext();
        // Depending on timing, the start itself fails, or it returns and the next polls say the server ended.
        string state;
        try
        {
            state = (await StartAsync(spawner, Request("carol"), context)).State;
        }
        catch (SpawnFailedException failed)
        {
            Assert.Contains("cannot start: no notebook here", failed.LogTail, StringComparison.Ordinal);
            Assert.NotEmpty(context.SavedStates);
            Assert.All(await spawner.PollAsync(context.SavedStates, Ct), s => Assert.False(s.Running));
            return;
        }
        var watch = Stopwatch.StartNew();
        SpawnerStatus status;
        while ((status = (await spawner.PollAsync([state], Ct))[0]).Running && watch.Elapsed < Patience)
        {
            await Task.Delay(50, Ct);
        }
        Assert.False(status.Running, "a server that exited is reported ended");
        if (status.ExitCode is { } code)
        {
            Assert.Equal(3, code);
        }
        Assert.Contains("cannot start: no notebook here", await spawner.ReadLogAsync(state, 4000, Ct), StringComparison.Ordinal);
    }

    [Fact]
    public void User_options_are_validated_against_the_profiles()
    {
        SpawnerProfileOptions[] profiles = [new() { Name = "small" }, new() { Name = "classic", DisplayName = "Classic Notebook" }];
        var spawner = CreateSpawner(EchoCommand, profiles);
        Assert.Equal(["small", "classic"], spawner.Profiles.Select(p => p.Name));
        Assert.Equal("Classic Notebook", spawner.Profiles[1].DisplayName);
        Assert.Equal("{\"profile\":\"small\"}", spawner.ValidateUserOptions(null));
        Assert.Equal("{\"profile\":\"classic\"}", spawner.ValidateUserOptions(Json("{\"profile\":\"classic\"}")));
        Assert.Equal("{\"profile\":\"classic\"}", spawner.ValidateUserOptions(Json("{\"profile\":[\"classic\"]}")));
        Assert.Contains("Unknown profile 'huge'", Assert.Throws<UserOptionsException>(() => spawner.ValidateUserOptions(Json("{\"profile\":\"huge\"}"))).Message, StringComparison.Ordinal);
        Assert.Contains("Unknown user option 'cpu'", Assert.Throws<UserOptionsException>(() => spawner.ValidateUserOptions(Json("{\"cpu\":64}"))).Message, StringComparison.Ordinal);
        Assert.Contains("must be a string", Assert.Throws<UserOptionsException>(() => spawner.ValidateUserOptions(Json("{\"profile\":5}"))).Message, StringComparison.Ordinal);
        Assert.Contains("must be a JSON object", Assert.Throws<UserOptionsException>(() => spawner.ValidateUserOptions(Json("[1]"))).Message, StringComparison.Ordinal);

        var plain = CreateSpawner(EchoCommand, []);
        Assert.Equal("{}", plain.ValidateUserOptions(Json("{}")));
        Assert.Throws<UserOptionsException>(() => plain.ValidateUserOptions(Json("{\"profile\":\"small\"}")));
    }

    [Fact]
    public async Task A_profile_brings_its_environment_to_the_server()
    {
        SpawnerProfileOptions[] profiles =
        [
            new() { Name = "plain" },
            new() { Name = "marked", Environment = new() { ["PROFILE_MARK"] = "classic-ui" } },
        ];
        var spawner = CreateSpawner(EchoCommand, profiles);
        var options = spawner.ValidateUserOptions(Json("{\"profile\":\"marked\"}"));
        var echo = await EchoAsync(await StartAsync(spawner, Request("erin", userOptions: options)));
        Assert.Equal("classic-ui", echo.GetProperty("PROFILE_MARK").GetString());
        var plain = await EchoAsync(await StartAsync(spawner, Request("erin", "plain", spawner.ValidateUserOptions(null))));
        Assert.Equal(JsonValueKind.Null, plain.GetProperty("PROFILE_MARK").ValueKind);
    }

    [Fact]
    public async Task A_new_spawner_instance_reattaches_from_the_saved_state()
    {
        var before = CreateSpawner(EchoCommand, []);
        var server = await StartAsync(before, Request("frank"));
        await EchoAsync(server);
        var after = CreateSpawner(EchoCommand, []);
        Assert.True((await after.PollAsync([server.State], Ct))[0].Running);
        Assert.Contains("echo server on", await after.ReadLogAsync(server.State, 4000, Ct), StringComparison.Ordinal);
        await after.StopAsync(server.State, Ct);
        Assert.False((await after.PollAsync([server.State], Ct))[0].Running);
        Assert.False((await before.PollAsync([server.State], Ct))[0].Running);
    }

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();
}
