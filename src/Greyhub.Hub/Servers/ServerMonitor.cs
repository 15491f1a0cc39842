using Greyhub.Abstractions.Compute;
using Greyhub.Data.Entities;
using Greyhub.Hub.Audit;
using Greyhub.Hub.Background;
using Greyhub.Hub.Observability;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Servers;

/// <summary>
/// Keeps the database true to the servers: at start-up re-attaches every server that is not stopped (and only
/// those, so idle users cost nothing), then polls the running ones in one spawner call per interval. A server that
/// died is taken to stopped with its route and credentials; a hub killed mid-start or mid-stop is put right.
/// </summary>
internal sealed partial class ServerMonitor(
    ScopedRunner scoped,
    HubMetrics metrics,
    ISpawner spawner,
    SpawnTracker tracker,
    ServerStopper stopper,
    ServerStarter starter,
    ServerRoutes routes,
    ReadinessProbe probe,
    AuditLog audit,
    IOptions<HubOptions> options,
    TimeProvider time,
    ILogger<ServerMonitor> logger)
{
    private static readonly TimeSpan RecoveryProbe = TimeSpan.FromSeconds(5);

    /// <summary>Re-attaches servers after a (re)start; runs before the hub serves, so routes are back at once.</summary>
    public Task RecoverAsync(CancellationToken cancellationToken) => scoped.RunAsync((ServerScope scope) => RecoverCoreAsync(scope, cancellationToken));

    private async Task RecoverCoreAsync(ServerScope scope, CancellationToken cancellationToken)
    {
        var servers = scope.Servers;
        var active = await servers.ListActiveAsync(cancellationToken);
        // Starts accepted but never begun (waiting in line: pending, nothing written yet) go back in line in the order
        // they were asked for; there is nothing of theirs to re-attach or undo.
        var waiting = active.Where(s => s.Phase == ServerPhases.Pending && ServerState.Parse(s.State) == ServerState.Empty).ToList();
        starter.ResumeOnceListening([.. waiting.OrderBy(s => s.Started).ThenBy(s => s.Id)
            .Select(s => (new ServerKey(s.UserName, s.Name), s.UserId, s.Id, s.UserOptions))]);
        active = [.. active.Except(waiting)];
        if (active.Count == 0)
        {
            return;
        }
        var states = active.Select(s => ServerState.Parse(s.State)).ToList();
        var statuses = await PollAsync(states, cancellationToken);
        var probes = active.Select(async (server, i) =>
        {
            var key = new ServerKey(server.UserName, server.Name);
            var alive = statuses[i]?.Running == true && server.Url is { } url
                && server.Phase == ServerPhases.Running
                && await probe.WaitAsync(new Uri(url), _ => Task.FromResult(statuses[i]!), RecoveryProbe, cancellationToken);
            return (server, key, alive, state: states[i], status: statuses[i]);
        }).ToList();
        var kept = 0;
        foreach (var (server, key, alive, state, status) in await Task.WhenAll(probes))
        {
            if (alive)
            {
                try
                {
                    await routes.AddAsync(key.User, key.Server, new Uri(server.Url!), cancellationToken);
                }
                catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
                {
                    // An external proxy the hub starts only once it listens is not up yet: the route check that
                    // follows its start adds the route (and a reused proxy kept it).
                    LogRouteDeferred(logger, e, key);
                }
                kept++;
                continue;
            }
            // Dead, or caught mid-start or mid-stop by the restart: finish the way down (never leave half a server).
            LogNotRecovered(logger, key, server.Phase);
            metrics.ServersDied.Inc();
            var reason = server.Phase switch
            {
                ServerPhases.Stopping => null, // its owner asked for this stop
                ServerPhases.Pending => "The hub restarted while it was starting",
                _ when status is { Running: false } ended => StopReason(ended),
                _ => "It did not answer after the hub restarted",
            };
            await stopper.CleanUpAsync(scope, key, server.Id, state, stopServer: true, cancellationToken, reason);
            if (reason is not null)
            {
                audit.Record(AuditActions.ServerStop, status is { Running: false } ? AuditActor.Engine : AuditActor.Hub, key.User, key.Server, reason);
            }
        }
        LogRecovered(logger, kept, active.Count - kept);
    }

    /// <summary>Polls running servers until the hub stops.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.Value.Servers.PollInterval, time);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            try
            {
                await PollOnceAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogPollFailed(logger, ex);
            }
        }
    }

    /// <summary>One poll of every running server in one spawner call.</summary>
    public Task PollOnceAsync(CancellationToken cancellationToken) => scoped.RunAsync((ServerScope scope) => PollOnceCoreAsync(scope, cancellationToken));

    private async Task PollOnceCoreAsync(ServerScope scope, CancellationToken cancellationToken)
    {
        var servers = scope.Servers;
        var running = (await servers.ListActiveAsync(cancellationToken)).Where(s => s.Phase == ServerPhases.Running).ToList();
        if (running.Count == 0)
        {
            return;
        }
        var states = running.Select(s => ServerState.Parse(s.State)).ToList();
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var statuses = await PollAsync(states, cancellationToken);
        metrics.PollDuration.Observe(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
        for (var i = 0; i < running.Count; i++)
        {
            var key = new ServerKey(running[i].UserName, running[i].Name);
            if (statuses[i] is { Running: false } status && !tracker.IsStopping(key))
            {
                metrics.ServersDied.Inc();
                LogDied(logger, key, status.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown", status.Reason ?? "");
                await stopper.CleanUpAsync(scope, key, running[i].Id, states[i], stopServer: true, cancellationToken, StopReason(status));
                audit.Record(AuditActions.ServerStop, AuditActor.Engine, key.User, key.Server, StopReason(status));
            }
        }
    }

    /// <summary>What the owner is told about a server that ended without being asked to.</summary>
    internal static string StopReason(SpawnerStatus status) => status switch
    {
        { Reason: { Length: > 0 } reason } => char.ToUpperInvariant(reason[0]) + reason[1..],
        { ExitCode: { } code } => $"It exited with code {code}",
        _ => "It ended",
    };

    private async Task<IReadOnlyList<SpawnerStatus?>> PollAsync(IReadOnlyList<ServerState> states, CancellationToken cancellationToken)
    {
        var withState = states.Select((s, i) => (s.Spawner, i)).Where(x => x.Spawner is not null).ToList();
        var result = new SpawnerStatus?[states.Count];
        if (withState.Count > 0)
        {
            var polled = await spawner.PollAsync([.. withState.Select(x => x.Spawner!)], cancellationToken);
            for (var j = 0; j < withState.Count; j++)
            {
                result[withState[j].i] = polled[j];
            }
        }
        return result;
    }

    [LoggerMessage(EventId = HubEvents.ServersRecovered, Level = LogLevel.Information, Message = "Re-attached {Kept} running servers; {Gone} found stopped or unfinished")]
    private static partial void LogRecovered(ILogger logger, int kept, int gone);

    [LoggerMessage(EventId = HubEvents.ServerNotRecovered, Level = LogLevel.Warning, Message = "Server {Server} ({Phase}) is not running after the restart; marking it stopped")]
    private static partial void LogNotRecovered(ILogger logger, ServerKey server, string phase);

    [LoggerMessage(EventId = HubEvents.ServerDied, Level = LogLevel.Warning, Message = "User {Server} server stopped, with exit code: {ExitCode} {Reason}")]
    private static partial void LogDied(ILogger logger, ServerKey server, string exitCode, string reason);

    [LoggerMessage(EventId = HubEvents.ServerRouteDeferred, Level = LogLevel.Information, Message = "Server {Server} is running; its route waits for the proxy")]
    private static partial void LogRouteDeferred(ILogger logger, Exception exception, ServerKey server);

    [LoggerMessage(EventId = HubEvents.ServerPollFailed, Level = LogLevel.Error, Message = "Polling servers failed")]
    private static partial void LogPollFailed(ILogger logger, Exception exception);
}

/// <summary>Runs the monitor's poll loop as a hosted service.</summary>
internal sealed class ServerMonitorService(ServerMonitor monitor) : HubBackgroundService
{
    protected override Task RunAsync(CancellationToken stoppingToken) => monitor.RunAsync(stoppingToken);
}
