using System.Globalization;
using System.Net;
using System.Text.Json;
using Greyhub.Abstractions.Compute;
using Greyhub.Spawners.Engine;
using Greyhub.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Greyhub.Hub.Tests;

/// <summary>
/// Spawn admission: the fair line in front of the engines, JupyterHub's 429 mode, the active-server limits, and a start
/// that leaves the line (stopped, its user deleted, the hub restarted). Servers are the STAND-IN single-user command
/// (<see cref="StandInSingleUser"/>), a few megabytes each, so hundreds fit on a small machine; the engine's side is
/// counted by <see cref="CountingSpawner"/>, whose gate holds the first starts so the line's shape never depends on timing.
/// </summary>
public sealed class SpawnQueueTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Two_hundred_simultaneous_starts_against_ten_slots_all_wait_their_turn_and_become_ready()
    {
        const int users = 200;
        const int slots = 10;
        var (hub, spawner) = await StartHubAsync(gated: true, null, $"Greyhub:Servers:ConcurrentSpawnLimit={slots}");
        await using var _ = hub;
        var admin = hub.Client(hub.AdminToken);
        var names = Enumerable.Range(0, users).Select(i => "learner" + i.ToString("000", CultureInfo.InvariantCulture)).ToList();
        (await admin.PostApiAsync("hub/api/users", new { usernames = names })).Is(201);
        try
        {
            // All at once; each is accepted: those in line at once, the first ten once the slow-spawn timeout passes.
            var posts = await Task.WhenAll(names.Select(n => admin.PostApiAsync($"hub/api/users/{n}/server")));
            Assert.All(posts, p => Assert.Equal(HttpStatusCode.Accepted, p.Status));
            // The gate holds the first ten in the engine: the rest wait in line.
            await UntilAsync(() => spawner.Running == slots);
            var metrics = await MetricsAsync(hub);
            Assert.Equal(users - slots, Gauge(metrics, "greyhub_spawns_waiting"));
            Assert.Equal(slots, Gauge(metrics, "greyhub_spawns_starting"));

            // Every progress stream, followed from now until its server is ready.
            var streams = await Task.WhenAll(names.Select(n => FollowAsync(hub, n)));
            spawner.Open();
            var events = await Task.WhenAll(streams);

            Assert.All(events, e => Assert.True(e[^1].GetProperty("ready").GetBoolean(), "not ready: " + e[^1]));
            var positions = events.Select(Positions).ToList();
            // Positions only go down, on every stream.
            Assert.All(positions, p => Assert.True(p.SequenceEqual(p.OrderByDescending(x => x).Distinct()), "positions went up or repeated: " + string.Join(", ", p)));
            // The first ten never waited; the other 190 each entered the line at their own place, 1 to 190, and left it from 1.
            Assert.Equal(slots, positions.Count(p => p.Count == 0));
            Assert.Equal(Enumerable.Range(1, users - slots), positions.Where(p => p.Count > 0).Select(p => p[0]).Order());
            Assert.All(positions.Where(p => p.Count > 0), p => Assert.Equal(1, p[^1]));
            // The engine never ran more than ten starts at once, and ran each exactly once.
            Assert.Equal(slots, spawner.MostAtOnce);
            Assert.Equal(users, spawner.Calls);

            metrics = await MetricsAsync(hub);
            Assert.Equal(0, Gauge(metrics, "greyhub_spawns_waiting"));
            Assert.Equal(0, Gauge(metrics, "greyhub_spawns_starting"));
            Assert.Equal(users, Gauge(metrics, "jupyterhub_running_servers"));
            Assert.Equal(users, Gauge(metrics, "jupyterhub_server_spawn_duration_seconds_count{status=\"success\"}"));
            Assert.Equal(0, Gauge(metrics, "jupyterhub_server_spawn_duration_seconds_count{status=\"failure\"}"));
            Assert.Equal(users, Gauge(metrics, "greyhub_server_spawn_queue_wait_seconds_count"));
        }
        finally
        {
            await StopAllAsync(admin, names);
        }
    }

    [Fact]
    public async Task Reject_mode_answers_429_with_retry_after_and_writes_nothing()
    {
        var (hub, spawner) = await StartHubAsync(gated: true, null, "Greyhub:Servers:ConcurrentSpawnLimit=1", "Greyhub:Servers:ConcurrentSpawnLimitMode=Reject");
        await using var _ = hub;
        var admin = hub.Client(hub.AdminToken);
        (await admin.PostApiAsync("hub/api/users", new { usernames = new[] { "ann", "ben" } })).Is(201);
        try
        {
            (await admin.PostApiAsync("hub/api/users/ann/server")).Is(202);
            var refused = (await admin.PostApiAsync("hub/api/users/ben/server")).Is(429);
            Assert.Matches("^Too many users trying to start servers right now. Try again in [0-9]+0 seconds.$", refused.Root.GetProperty("message").GetString()!);
            var retry = refused.Headers.RetryAfter?.Delta;
            Assert.NotNull(retry);
            Assert.InRange(retry.Value.TotalSeconds, 30, 60);
            // Nothing was written for the refused start, and JupyterHub's status counts it.
            var ben = (await admin.GetApiAsync("hub/api/users/ben")).Is(200);
            Assert.Empty(ben.Root.GetProperty("servers").EnumerateObject());
            Assert.Equal(1, Gauge(await MetricsAsync(hub), "jupyterhub_server_spawn_duration_seconds_count{status=\"throttled\"}"));

            spawner.Open();
            Assert.True((await ProgressAsync(hub, "ann"))[^1].GetProperty("ready").GetBoolean());
            // With the slot free again, the same request succeeds.
            Assert.True((await admin.PostApiAsync("hub/api/users/ben/server")).Code is 201 or 202);
            Assert.True((await ProgressAsync(hub, "ben"))[^1].GetProperty("ready").GetBoolean());
        }
        finally
        {
            await StopAllAsync(admin, ["ann", "ben"]);
        }
    }

    [Fact]
    public async Task Active_server_limits_global_and_per_group_answer_429_like_jupyterhub()
    {
        var (hub, _) = await StartHubAsync(gated: false, null,
            "Greyhub:Servers:ActiveServerLimit=3", "Greyhub:Servers:ActiveServerLimitPerGroup:class=1");
        await using var __ = hub;
        var admin = hub.Client(hub.AdminToken);
        string[] names = ["amy", "bob", "cat", "dan", "eve"];
        (await admin.PostApiAsync("hub/api/users", new { usernames = names })).Is(201);
        (await admin.PostApiAsync("hub/api/groups/class", new { users = new[] { "dan", "eve" } })).Is(201);
        try
        {
            await StartReadyAsync(hub, admin, "dan");
            var group = (await admin.PostApiAsync("hub/api/users/eve/server")).Is(429);
            Assert.Equal("Active server limit of group class exceeded. Try again in a few minutes.", group.Root.GetProperty("message").GetString());
            await StartReadyAsync(hub, admin, "amy");
            await StartReadyAsync(hub, admin, "bob");
            var global = (await admin.PostApiAsync("hub/api/users/cat/server")).Is(429);
            Assert.Equal("Active user limit exceeded. Try again in a few minutes.", global.Root.GetProperty("message").GetString());
            Assert.Equal(2, Gauge(await MetricsAsync(hub), "jupyterhub_server_spawn_duration_seconds_count{status=\"too-many-users\"}"));

            // A stop frees a place: the group's member may start now.
            (await admin.DeleteApiAsync("hub/api/users/dan/server")).Is(204);
            await StartReadyAsync(hub, admin, "eve");
        }
        finally
        {
            await StopAllAsync(admin, names);
        }
    }

    [Fact]
    public async Task A_waiting_start_stopped_or_whose_user_is_deleted_leaves_the_line_cleanly()
    {
        var (hub, spawner) = await StartHubAsync(gated: true, null, "Greyhub:Servers:ConcurrentSpawnLimit=1");
        await using var _ = hub;
        var admin = hub.Client(hub.AdminToken);
        (await admin.PostApiAsync("hub/api/users", new { usernames = new[] { "ada", "ben", "cy", "dee" } })).Is(201);
        try
        {
            (await admin.PostApiAsync("hub/api/users/ada/server")).Is(202);
            (await admin.PostApiAsync("hub/api/users/ben/server")).Is(202);
            (await admin.PostApiAsync("hub/api/users/cy/server")).Is(202);
            (await admin.PostApiAsync("hub/api/users/dee/server")).Is(202);
            // The progress page says the place before its script has read the stream.
            await hub.SetPasswordAsync("dee", "a long enough password");
            using (var browser = new Browser(hub))
            {
                await browser.LoginAsync("dee", "a long enough password");
                var page = await browser.GetAsync("hub/spawn-pending/dee");
                Assert.Equal(200, page.Status);
                Assert.Contains("<p id=\"progress-message\" aria-live=\"polite\">Waiting to start: number 3 in line</p>", page.Body, StringComparison.Ordinal);
            }
            var dee = await FollowAsync(hub, "dee");
            var ben = await FollowAsync(hub, "ben");

            // ben leaves the line: his stop is done at once (nothing ran), his stream says why it ended.
            (await admin.DeleteApiAsync("hub/api/users/ben/server")).Is(204);
            var benEvents = await ben;
            Assert.True(benEvents[^1].GetProperty("failed").GetBoolean());
            Assert.Equal("Spawn cancelled: the server was stopped while it waited to start", benEvents[^1].GetProperty("message").GetString());
            var benModel = (await admin.GetApiAsync("hub/api/users/ben")).Is(200);
            Assert.Empty(benModel.Root.GetProperty("servers").EnumerateObject());
            // cy's user is deleted while waiting: the user goes, and the start with it.
            (await admin.DeleteApiAsync("hub/api/users/cy")).Is(204);
            (await admin.GetApiAsync("hub/api/users/cy")).Is(404);
            Assert.Equal(1, Gauge(await MetricsAsync(hub), "greyhub_spawns_waiting"));

            spawner.Open();
            Assert.True((await ProgressAsync(hub, "ada"))[^1].GetProperty("ready").GetBoolean());
            var deeEvents = await dee;
            Assert.True(deeEvents[^1].GetProperty("ready").GetBoolean());
            // dee moved from third to first as the two ahead left, and never back.
            Assert.Equal([3, 2, 1], Positions(deeEvents));
            // ben starts again from a clean slate; the engine never saw the cancelled starts.
            Assert.True((await admin.PostApiAsync("hub/api/users/ben/server")).Code is 201 or 202);
            Assert.True((await ProgressAsync(hub, "ben"))[^1].GetProperty("ready").GetBoolean());
            Assert.Equal(3, spawner.Calls);
        }
        finally
        {
            await StopAllAsync(admin, ["ada", "ben", "dee"]);
        }
    }

    [Fact]
    public async Task A_waiting_start_survives_a_hub_restart_and_a_half_begun_one_is_undone()
    {
        var (first, spawner) = await StartHubAsync(gated: true, null, "Greyhub:Servers:ConcurrentSpawnLimit=1");
        var dataDir = first.DataDir;
        var admin = first.Client(first.AdminToken);
        (await admin.PostApiAsync("hub/api/users", new { usernames = new[] { "ida", "jo" } })).Is(201);
        (await admin.PostApiAsync("hub/api/users/ida/server")).Is(202);
        (await admin.PostApiAsync("hub/api/users/jo/server")).Is(202);
        await UntilAsync(() => spawner.Running == 1);
        await first.StopAsync(keepData: true);

        var (second, engine) = await StartHubAsync(gated: false, dataDir, "Greyhub:Servers:ConcurrentSpawnLimit=1");
        await using var __ = second;
        admin = second.Client(second.AdminToken);
        try
        {
            // jo was only waiting: the new hub put him back in line and started him.
            var jo = await ProgressAsync(second, "jo");
            Assert.True(jo[^1].GetProperty("ready").GetBoolean(), jo[^1].ToString());
            Assert.Equal(1, engine.Calls);
            // ida's start had begun (credentials issued): it is undone, not resumed (by the re-adoption after the start).
            await second.Services.GetRequiredService<ServerChecks>().AllChecked.WaitAsync(Ct);
            var ida = (await admin.GetApiAsync("hub/api/users/ida")).Is(200);
            Assert.Empty(ida.Root.GetProperty("servers").EnumerateObject());
        }
        finally
        {
            await StopAllAsync(admin, ["ida", "jo"]);
        }
    }

    private static async Task<(HubInstance Hub, CountingSpawner Spawner)> StartHubAsync(bool gated, string? dataDir, params string[] config)
    {
        CountingSpawner? counting = null;
        var hub = await HubInstance.StartWithAsync(
            b => b.Services.AddSingleton<ISpawner>(sp => counting = new CountingSpawner(sp.GetRequiredService<EngineSpawner>(), gated)),
            dataDir,
            [.. StandInSingleUser.Config(), "Greyhub:Servers:SlowSpawnTimeout=00:00:01", .. config]);
        return (hub, counting ?? (CountingSpawner)hub.Services.GetRequiredService<ISpawner>());
    }

    /// <summary>Waits until <paramref name="condition"/> holds (the test's own timeout bounds it).</summary>
    private static async Task UntilAsync(Func<bool> condition)
    {
        while (!condition())
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), Ct);
        }
    }

    private static async Task StartReadyAsync(HubInstance hub, HttpClient admin, string user)
    {
        var start = await admin.PostApiAsync($"hub/api/users/{user}/server");
        Assert.True(start.Code is 201 or 202, start.ToString());
        var events = await ProgressAsync(hub, user);
        Assert.True(events[^1].GetProperty("ready").GetBoolean(), events[^1].ToString());
    }

    private static async Task StopAllAsync(HttpClient admin, IEnumerable<string> users) =>
        await Parallel.ForEachAsync(users, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (user, _) =>
        {
            using var response = await admin.DeleteAsync($"hub/api/users/{user}/server", CancellationToken.None);
        });

    /// <summary>The events of a server's progress stream, read until the stream ends (ready or failed).</summary>
    private static async Task<List<JsonElement>> ProgressAsync(HubInstance hub, string user) => await await FollowAsync(hub, user);

    /// <summary>
    /// Opens a server's progress stream and returns once the hub has answered (so the stream follows this start whatever
    /// happens next); the task returned reads its events until it ends.
    /// </summary>
    private static async Task<Task<List<JsonElement>>> FollowAsync(HubInstance hub, string user)
    {
        var client = hub.Client(hub.AdminToken);
        client.Timeout = Timeout.InfiniteTimeSpan;
        var response = await client.GetAsync($"hub/api/users/{user}/server/progress", HttpCompletionOption.ResponseHeadersRead, Ct);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            var error = await response.Content.ReadAsStringAsync(Ct);
            response.Dispose();
            Assert.Fail($"{user}'s progress: {(int)response.StatusCode} {error}");
        }
        return ReadAsync(response);

        static async Task<List<JsonElement>> ReadAsync(HttpResponseMessage response)
        {
            using (response)
            {
                var text = await response.Content.ReadAsStringAsync(Ct);
                return [.. text.Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal)).Select(l => JsonDocument.Parse(l[6..]).RootElement.Clone())];
            }
        }
    }

    private static List<int> Positions(List<JsonElement> events) =>
        [.. events.Where(e => e.TryGetProperty("queue_position", out _)).Select(e => e.GetProperty("queue_position").GetInt32())];

    private static async Task<string> MetricsAsync(HubInstance hub) => (await hub.Client(hub.AdminToken).GetApiAsync("hub/metrics")).Is(200).Body;

    private static double Gauge(string metrics, string series)
    {
        var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal))
            ?? throw new Xunit.Sdk.XunitException($"no series {series} in the metrics");
        return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
    }
}
