using System.Collections.Concurrent;
using System.Text.Json;
using Greyhub.Abstractions.Compute;
using Microsoft.AspNetCore.Http;

namespace Greyhub.Plugins.Remote.Tests;

/// <summary>
/// <see cref="RemoteSpawner"/> against a spawner plug-in that misbehaves: each failure is a clear error naming the
/// plug-in, a retried start keeps its <c>spawn_id</c>, and progress reaches the hub's context.
/// </summary>
public sealed class MisbehavingSpawnerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static SpawnRequest Request => new()
    {
        UserName = "alice",
        ServicePrefix = "/user/alice/",
        Admin = true,
        Groups = ["physics"],
        HubEnvironment = new Dictionary<string, string> { ["JUPYTERHUB_API_TOKEN"] = "t", ["JUPYTERHUB_API_URL"] = "http://127.0.0.1:1/hub/api" },
        UserOptions = """{"colour": "red"}""",
    };

    [Fact]
    public async Task A_start_is_followed_to_its_url_and_state_and_a_retried_start_keeps_its_spawn_id()
    {
        await using var plugin = await FaultyPlugin.StartAsync();
        var starts = new ConcurrentQueue<JsonElement>();
        plugin.OnSpawner = async (context, call, body) =>
        {
            switch (call)
            {
                case "start":
                    starts.Enqueue(body);
                    if (starts.Count == 1)
                    {
                        context.Response.StatusCode = 503; // "try again": the hub retries a start with the same id
                        await context.Response.WriteAsJsonAsync(new { error = "busy" });
                        return;
                    }
                    await context.Response.WriteAsJsonAsync(new { spawn_id = body.GetProperty("spawn_id").GetString() });
                    return;
                case "progress" when body.GetProperty("after").GetInt32() == 0:
                    await context.Response.WriteAsJsonAsync(new { events = new object[] { new { progress = 0, message = "Server requested" }, new { progress = 40, message = "Pulling" } }, next = 2, done = false });
                    return;
                default:
                    await context.Response.WriteAsJsonAsync(new { events = new object[] { new { message = "Almost" } }, next = 3, done = true, url = "http://127.0.0.1:4321/user/alice/", state = "S" });
                    return;
            }
        };
        var context = new Context();
        var server = await plugin.Spawner().StartAsync(Request, context, Ct);
        Assert.Equal(new Uri("http://127.0.0.1:4321/user/alice/"), server.Url);
        Assert.Equal("S", server.State);
        Assert.Equal(["S"], context.Saved);
        // The plug-in's first "Server requested" is the hub's own already; an event without progress keeps the bar.
        Assert.Equal([(40, "Pulling"), (40, "Almost")], context.Reported);
        Assert.Equal(2, starts.Count);
        Assert.Single(starts.Select(s => s.GetProperty("spawn_id").GetString()).Distinct());
        var first = starts.First();
        Assert.True(first.GetProperty("user").GetProperty("admin").GetBoolean());
        Assert.Equal("physics", first.GetProperty("user").GetProperty("groups")[0].GetString());
        Assert.Equal("t", first.GetProperty("api_token").GetString());
        Assert.Equal("red", first.GetProperty("user_options").GetProperty("colour").GetString());
    }

    [Fact]
    public async Task A_failed_start_a_malformed_progress_and_a_short_poll_are_clear_errors()
    {
        await using var plugin = await FaultyPlugin.StartAsync();
        plugin.OnSpawner = (context, call, body) => call switch
        {
            "start" => context.Response.WriteAsJsonAsync(new { spawn_id = body.GetProperty("spawn_id").GetString() }),
            "progress" => context.Response.WriteAsJsonAsync(new { events = Array.Empty<object>(), next = 1, done = true, error = "LocalProcessSpawner.start() failed: no such user" }),
            _ => context.Response.WriteAsJsonAsync(new { statuses = Array.Empty<object>() }),
        };
        var failed = await Assert.ThrowsAsync<SpawnFailedException>(() => plugin.Spawner().StartAsync(Request, new Context(), Ct));
        Assert.Equal("Plug-in 'faulty': LocalProcessSpawner.start() failed: no such user", failed.Message);

        plugin.OnSpawner = (context, call, body) => call == "start"
            ? context.Response.WriteAsJsonAsync(new { spawn_id = body.GetProperty("spawn_id").GetString() })
            : context.Response.WriteAsync("{\"events\": [");
        var malformed = await Assert.ThrowsAsync<SpawnFailedException>(() => plugin.Spawner().StartAsync(Request, new Context(), Ct));
        Assert.Contains("Plug-in 'faulty': answered POST /v1/spawner/progress with malformed JSON", malformed.Message, StringComparison.Ordinal);

        plugin.OnSpawner = (context, _, _) => context.Response.WriteAsJsonAsync(new { statuses = Array.Empty<object>() });
        var poll = await Assert.ThrowsAsync<PluginException>(() => plugin.Spawner().PollAsync(["a", "b"], Ct));
        Assert.Equal(PluginFailure.MalformedAnswer, poll.Kind);
        Assert.Contains("0 statuses for 2 servers", poll.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_streamed_progress_is_one_call_a_broken_stream_is_picked_up_and_a_malformed_one_is_a_clear_error()
    {
        await using var plugin = await FaultyPlugin.StartAsync();
        plugin.SpawnerCalls = ["start", "progress", "progress_stream", "poll"];
        var progressCalls = new ConcurrentQueue<JsonElement>();
        Func<HttpContext, Task> stream = async context =>
        {
            await Line(context, """{"events": [{"progress": 0, "message": "Server requested"}, {"progress": 40, "message": "Pulling"}], "next": 2, "done": false}""");
            await Line(context, """{"events": [], "next": 2, "done": false}"""); // a heartbeat
            await Line(context, """{"events": [{"message": "Almost"}], "next": 3, "done": true, "url": "http://127.0.0.1:4321/user/alice/", "state": "S"}""");
        };
        plugin.OnSpawner = async (context, call, body) =>
        {
            if (call == "start")
            {
                await context.Response.WriteAsJsonAsync(new { spawn_id = body.GetProperty("spawn_id").GetString() });
                return;
            }
            progressCalls.Enqueue(body);
            await stream(context);
        };
        var context = new Context();
        var server = await plugin.Spawner().StartAsync(Request, context, Ct);
        Assert.Equal(new Uri("http://127.0.0.1:4321/user/alice/"), server.Url);
        Assert.Equal(["S"], context.Saved);
        Assert.Equal([(40, "Pulling"), (40, "Almost")], context.Reported);
        var only = Assert.Single(progressCalls);
        Assert.True(only.GetProperty("stream").GetBoolean());

        // A stream that ends before the start is done (a plug-in restarting its web server): a long poll picks up after
        // the events seen.
        progressCalls.Clear();
        stream = async context =>
        {
            if (progressCalls.Last().GetProperty("stream").GetBoolean())
            {
                await Line(context, """{"events": [{"progress": 0, "message": "Server requested"}, {"progress": 40, "message": "Pulling"}], "next": 2, "done": false}""");
                return;
            }
            await context.Response.WriteAsJsonAsync(new { events = new object[] { new { progress = 90, message = "Almost" } }, next = 3, done = true, url = "http://127.0.0.1:4321/user/alice/", state = "S2" });
        };
        context = new Context();
        server = await plugin.Spawner().StartAsync(Request, context, Ct);
        Assert.Equal("S2", server.State);
        Assert.Equal([(40, "Pulling"), (90, "Almost")], context.Reported);
        Assert.Equal([true, false], progressCalls.Select(c => c.GetProperty("stream").GetBoolean()));
        Assert.Equal(2, progressCalls.Last().GetProperty("after").GetInt32());

        // A malformed line, and a line past the limit, fail the start naming the plug-in.
        stream = context => Line(context, """{"events": [""");
        var malformed = await Assert.ThrowsAsync<SpawnFailedException>(() => plugin.Spawner().StartAsync(Request, new Context(), Ct));
        Assert.Contains("Plug-in 'faulty': answered POST /v1/spawner/progress with malformed JSON", malformed.Message, StringComparison.Ordinal);
        stream = async context =>
        {
            var chunk = new string('x', 64 * 1024);
            for (var i = 0; i < 20 && !context.RequestAborted.IsCancellationRequested; i++)
            {
                await context.Response.WriteAsync(chunk, context.RequestAborted);
            }
        };
        var endless = await Assert.ThrowsAsync<SpawnFailedException>(() => plugin.Spawner().StartAsync(Request, new Context(), Ct));
        Assert.Contains($"with a line longer than {PluginClient.MaxLine} bytes", endless.Message, StringComparison.Ordinal);
    }

    private static async Task Line(HttpContext context, string json)
    {
        await context.Response.WriteAsync(json + "\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    [Fact]
    public async Task A_plugin_listing_wait_is_watched_until_the_server_ends_and_one_without_it_is_polled()
    {
        await using var plugin = await FaultyPlugin.StartAsync();
        var waits = new ConcurrentQueue<JsonElement>();
        plugin.OnSpawner = (context, call, body) =>
        {
            if (call == "poll")
            {
                return context.Response.WriteAsJsonAsync(new { statuses = new[] { new { running = true } } });
            }
            waits.Enqueue(body);
            // "Still running" when the wait ran out, then ended: the watch asks again until the server ends.
            return waits.Count < 3
                ? context.Response.WriteAsJsonAsync(new { status = new { running = true } })
                : context.Response.WriteAsJsonAsync(new { status = new { running = false, exit_code = 7, reason = "it crashed" } });
        };
        // A plug-in that does not list wait (1.2) is not watched: the hub polls it.
        var old = plugin.Spawner();
        Assert.True((await old.PollAsync(["S"], Ct))[0].Running);
        Assert.Null(old.WatchEnd("S", Ct));
        Assert.Empty(waits);

        plugin.SpawnerCalls = ["start", "progress", "poll", "wait", "stop"];
        var spawner = plugin.Spawner();
        Assert.True((await spawner.PollAsync(["S"], Ct))[0].Running);
        var watch = spawner.WatchEnd("S", Ct);
        Assert.NotNull(watch);
        var ended = await watch;
        Assert.False(ended.Running);
        Assert.Equal(7, ended.ExitCode);
        Assert.Equal("it crashed", ended.Reason);
        Assert.Equal(3, waits.Count);
        Assert.All(waits, w => Assert.Equal("S", w.GetProperty("state").GetString()));
        Assert.All(waits, w => Assert.True(w.GetProperty("wait_seconds").GetDouble() > 0));

        // A malformed answer is a lost watch (the hub then polls), naming the plug-in.
        plugin.OnSpawner = (context, _, _) => context.Response.WriteAsJsonAsync(new { status = (object?)null });
        var lost = await Assert.ThrowsAsync<PluginException>(() => spawner.WatchEnd("S", Ct)!);
        Assert.Equal(PluginFailure.MalformedAnswer, lost.Kind);
        Assert.Contains("Plug-in 'faulty'", lost.Message, StringComparison.Ordinal);

        // A watch the hub drops ends as cancelled, not as an answer.
        plugin.OnSpawner = async (context, _, _) => await Task.Delay(Timeout.Infinite, context.RequestAborted);
        using var drop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var dropped = spawner.WatchEnd("S", drop.Token)!;
        await drop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => dropped);
    }

    [Fact]
    public async Task User_options_must_be_an_object_and_the_options_form_round_trips()
    {
        await using var plugin = await FaultyPlugin.StartAsync();
        plugin.OnSpawner = (context, call, body) => call == "options_form"
            ? context.Response.WriteAsJsonAsync(new { html = "<input name=\"colour\">" })
            : context.Response.WriteAsJsonAsync(new { user_options = new { colour = body.GetProperty("form_data").GetProperty("colour")[0].GetString() } });
        var spawner = plugin.Spawner();
        Assert.Throws<UserOptionsException>(() => spawner.ValidateUserOptions(JsonSerializer.SerializeToElement(new[] { 1 })));
        Assert.Equal("{}", spawner.ValidateUserOptions(null));
        var user = new SpawnUser("alice", "", false, []);
        Assert.Equal("<input name=\"colour\">", await spawner.GetOptionsFormAsync(user, Ct));
        Assert.Equal("""{"colour":"green"}""", await spawner.OptionsFromFormAsync(user, new Dictionary<string, IReadOnlyList<string>> { ["colour"] = ["green"] }, Ct));
    }

    private sealed class Context : ISpawnContext
    {
        public List<(int, string)> Reported { get; } = [];

        public List<string> Saved { get; } = [];

        public void Report(int progress, string message) => Reported.Add((progress, message));

        public Task SaveStateAsync(string state, CancellationToken cancellationToken)
        {
            Saved.Add(state);
            return Task.CompletedTask;
        }
    }
}
