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
