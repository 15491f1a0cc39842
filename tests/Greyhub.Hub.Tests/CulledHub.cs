using System.Text.Json;
using Greyhub.Data.Entities;
using Greyhub.Data.Stores;
using Greyhub.Hub.Observability;
using Greyhub.Hub.Servers;
using Greyhub.Processes;
using Greyhub.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Greyhub.Hub.Tests;

/// <summary>
/// A real hub on a fake clock whose servers are the stand-in single-user command, for the idle culler's tests: time
/// moves only when a test says, in steps of the culler's interval, each step waiting for the culler's pass it set off.
/// A hub leaves its servers running when it stops (its next start re-adopts them): disposing stops them first, so no
/// stand-in outlives its test, and fails the test if one of the processes it started is still alive afterwards.
/// </summary>
public sealed class CulledHub : IAsyncDisposable
{
    /// <summary>The culler's interval these hubs run with (<c>Greyhub:Culler:Every</c>).</summary>
    public static readonly TimeSpan Every = TimeSpan.FromMinutes(10);

    private readonly List<StandInProcess> _started = [];
    private bool _disposed;

    private CulledHub(HubInstance hub, FakeTimeProvider time)
    {
        Hub = hub;
        Time = time;
        Admin = hub.Client(hub.AdminToken);
    }

    public HubInstance Hub { get; }

    public FakeTimeProvider Time { get; }

    public HttpClient Admin { get; }

    /// <summary>The processes of the servers this fixture started, whether or not they have been stopped since.</summary>
    public IReadOnlyList<StandInProcess> Started => _started;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private HubMetrics Metrics => Hub.Services.GetRequiredService<HubMetrics>();

    /// <summary>
    /// Starts a hub with extra culler settings (<c>Greyhub:Culler:...=...</c>) on a clock of its own, or on
    /// <paramref name="time"/>; in a fresh data folder, or in <paramref name="dataDir"/> (a restart).
    /// </summary>
    public static async Task<CulledHub> StartAsync(string[] config, FakeTimeProvider? time = null, string? dataDir = null)
    {
        time ??= new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        var hub = await HubInstance.StartWithAsync(b => b.Services.AddSingleton<TimeProvider>(time), dataDir,
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
        var row = await RowAsync(user, server);
        _started.Add(StandInProcess.FromState(row!.State) ?? throw new InvalidOperationException($"{user}/{server} has no local process in its state: {row.State}"));
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

    /// <summary>
    /// Stops every server still running (as the hub's shutdown with <c>servers</c> does), moving the clock on in small
    /// steps meanwhile, since a stop waits for its process on the hub's clock; then the hub. Throws when a process this
    /// fixture started is still alive after that (and kills it, so that it does not outlive the test either).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        try
        {
            await StopServersAsync();
        }
        catch (ObjectDisposedException)
        {
            // The test stopped the hub itself.
        }
        finally
        {
            await Hub.DisposeAsync();
        }
        var alive = _started.Where(p => p.IsAlive).ToList();
        foreach (var process in alive)
        {
            LinuxProcess.SignalGroup(process.Pid, LinuxProcess.SigKill);
        }
        Assert.True(alive.Count == 0, $"stand-in servers outlived their hub: pids {string.Join(", ", alive.Select(p => p.Pid))}");
    }

    private async Task StopServersAsync()
    {
        IReadOnlyList<ActiveServer> active;
        await using (var scope = Hub.Services.CreateAsyncScope())
        {
            active = await scope.ServiceProvider.GetRequiredService<ServerStore>().ListActiveAsync(CancellationToken.None);
        }
        _started.AddRange(active.Select(s => StandInProcess.FromState(s.State)).OfType<StandInProcess>().Except(_started));
        var stopper = Hub.Services.GetRequiredService<ServerStopper>();
        var stopped = Task.WhenAll(active.Select(stopper.StopRunningAsync));
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!stopped.IsCompleted)
        {
            patience.Token.ThrowIfCancellationRequested();
            Time.Advance(TimeSpan.FromMilliseconds(20));
            await Task.WhenAny(stopped, Task.Delay(20, CancellationToken.None));
        }
        await stopped;
    }
}

/// <summary>A stand-in server's process as the local engine recorded it: its id and kernel start time (a reused id is another process).</summary>
public sealed record StandInProcess(int Pid, long StartTicks)
{
    /// <summary>Whether the process still runs.</summary>
    public bool IsAlive => LinuxProcess.IsAlive(Pid, StartTicks);

    /// <summary>The process in a server's stored state (<c>{"spawner": {"engine": "local", "job": {"pid", "start_ticks"}}}</c>), if any.</summary>
    public static StandInProcess? FromState(string state)
    {
        using var json = JsonDocument.Parse(state);
        return json.RootElement.TryGetProperty("spawner", out var spawner) && spawner.TryGetProperty("job", out var job)
            && job.TryGetProperty("pid", out var pid) && job.TryGetProperty("start_ticks", out var ticks)
            ? new StandInProcess(pid.GetInt32(), ticks.GetInt64())
            : null;
    }
}
