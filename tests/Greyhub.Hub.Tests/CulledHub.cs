using System.Text.Json;
using Greyhub.Data.Entities;
using Greyhub.Data.Stores;
using Greyhub.Hub.Observability;
using Greyhub.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Greyhub.Hub.Tests;

/// <summary>
/// A real hub on a fake clock whose servers are the stand-in single-user command, for the idle culler's tests: time
/// moves only when a test says, in steps of the culler's interval, each step waiting for the culler's pass it set off.
/// </summary>
public sealed class CulledHub : IAsyncDisposable
{
    /// <summary>The culler's interval these hubs run with (<c>Greyhub:Culler:Every</c>).</summary>
    public static readonly TimeSpan Every = TimeSpan.FromMinutes(10);

    private CulledHub(HubInstance hub, FakeTimeProvider time)
    {
        Hub = hub;
        Time = time;
        Admin = hub.Client(hub.AdminToken);
    }

    public HubInstance Hub { get; }

    public FakeTimeProvider Time { get; }

    public HttpClient Admin { get; }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private HubMetrics Metrics => Hub.Services.GetRequiredService<HubMetrics>();

    /// <summary>Starts a hub with extra culler settings (<c>Greyhub:Culler:...=...</c>) on a clock of its own, or on <paramref name="time"/>.</summary>
    public static async Task<CulledHub> StartAsync(string[] config, FakeTimeProvider? time = null)
    {
        time ??= new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        var hub = await HubInstance.StartWithAsync(b => b.Services.AddSingleton<TimeProvider>(time), null,
            [.. StandInSingleUser.Config(), "Greyhub:Culler:Every=" + Every, .. config]);
        return new CulledHub(hub, time);
    }

    /// <summary>
    /// Starts <paramref name="user"/>'s server (created with the user if need be) through the API as its owner. The
    /// readiness probe waits on the hub's clock, so the clock moves at about the real pace until the server is ready.
    /// </summary>
    public async Task StartServerAsync(string user, string server = "")
    {
        using var owner = Hub.Client(await Hub.TokenForAsync(user));
        var path = server.Length == 0 ? $"hub/api/users/{user}/server" : $"hub/api/users/{user}/servers/{server}";
        var started = (await owner.PostApiAsync(path)).Code;
        Assert.True(started is 201 or 202, $"start of {user}/{server} answered {started}");
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        patience.CancelAfter(TimeSpan.FromSeconds(60));
        while (!(await ServerAsync(user, server) is { } model && model.GetProperty("ready").GetBoolean()))
        {
            Time.Advance(TimeSpan.FromMilliseconds(20));
            await Task.Delay(20, patience.Token);
        }
    }

    /// <summary>The server's model in the user's API model, or null when the user or the server is gone.</summary>
    public async Task<JsonElement?> ServerAsync(string user, string server = "")
    {
        var answer = await Admin.GetApiAsync($"hub/api/users/{user}");
        if (answer.Code == 404)
        {
            return null;
        }
        return answer.Is(200).Root.GetProperty("servers").TryGetProperty(server, out var model) ? model : null;
    }

    /// <summary>The server's row: its phase, URL, stop reason.</summary>
    public async Task<Data.ServerRecord?> RowAsync(string user, string server = "")
    {
        await using var scope = Hub.Services.CreateAsyncScope();
        var owner = await scope.ServiceProvider.GetRequiredService<UserStore>().FindAsync(user, Ct);
        return owner is null ? null : await scope.ServiceProvider.GetRequiredService<ServerStore>().FindAsync(owner.Id, server, Ct);
    }

    /// <summary>Reports activity of <paramref name="user"/>'s server now (the activity API, as jupyterhub-singleuser does).</summary>
    public async Task ReportActivityAsync(string user, string server = "")
    {
        using var owner = Hub.Client(await Hub.TokenForAsync(user));
        var now = Time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", System.Globalization.CultureInfo.InvariantCulture);
        (await owner.PostApiAsync($"hub/api/users/{user}/activity", new Dictionary<string, object>
        {
            ["last_activity"] = now,
            ["servers"] = new Dictionary<string, object> { [server] = new { last_activity = now } },
        })).Is(200);
    }

    /// <summary>
    /// Moves the clock on by <paramref name="span"/> in steps of <see cref="Every"/> (one culler tick each), waiting after
    /// each step for the pass it set off, so what follows sees that pass's work done (the clock moves on by moments
    /// meanwhile, far below the minutes the tests measure).
    /// </summary>
    public async Task AdvanceAsync(TimeSpan span)
    {
        for (var left = span; left > TimeSpan.Zero; left -= Every)
        {
            var before = Metrics.CullerRuns.Value;
            Time.Advance(left < Every ? left : Every);
            if (left >= Every)
            {
                // A stop waits for its process on the hub's clock too: it moves on in small steps until the pass is done.
                await UntilAsync(() =>
                {
                    Time.Advance(TimeSpan.FromMilliseconds(20));
                    return Metrics.CullerRuns.Value > before;
                });
            }
        }
    }

    /// <summary>The culls counted for <paramref name="reason"/>.</summary>
    public double Culls(string reason) => Metrics.Culls.WithLabels(reason).Value;

    /// <summary>The culler's passes on this hub.</summary>
    public double Runs => Metrics.CullerRuns.Value;

    /// <summary>The newest audit entries matching <paramref name="query"/>, once at least one is written (they are written in the background).</summary>
    public async Task<IReadOnlyList<JsonElement>> AuditAsync(string query)
    {
        IReadOnlyList<JsonElement> found = [];
        await UntilAsync(async () =>
        {
            found = [.. (await Admin.GetApiAsync("hub/api/audit?" + query)).Is(200).Root.EnumerateArray()];
            return found.Count > 0;
        });
        return found;
    }

    /// <summary>Waits (bounded) for <paramref name="done"/>: work the hub does in the background.</summary>
    public static Task UntilAsync(Func<bool> done) => UntilAsync(() => Task.FromResult(done()));

    /// <summary>Waits (bounded) for <paramref name="done"/>.</summary>
    public static async Task UntilAsync(Func<Task<bool>> done)
    {
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        patience.CancelAfter(TimeSpan.FromSeconds(60));
        while (!await done())
        {
            await Task.Delay(20, patience.Token);
        }
    }

    /// <summary>Whether the server is stopped in the database.</summary>
    public async Task<bool> IsStoppedAsync(string user, string server = "") => (await RowAsync(user, server))?.Phase == ServerPhases.Stopped;

    public async ValueTask DisposeAsync() => await Hub.DisposeAsync();
}
