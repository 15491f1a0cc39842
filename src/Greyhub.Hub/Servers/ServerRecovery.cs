using Greyhub.Abstractions.Compute;
using Greyhub.Data.Entities;
using Greyhub.Data.Stores;
using Greyhub.Hub.Audit;
using Greyhub.Hub.Background;
using Greyhub.Hub.Observability;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Greyhub.Hub.Servers;

/// <summary>
/// Re-adopts the servers a restarted hub finds not stopped, without holding up its start. Before the hub serves it
/// reads only those servers (its cost grows with running servers, never with users), marks them being checked
/// (<see cref="ServerChecks"/>) and polls them in one spawner call: the in-process proxy gets back the route of each
/// the spawner says is running, so its users' requests go through at once. Once the hub listens, each is probed (its
/// route confirmed), and a dead one, or one caught mid-start or mid-stop, is taken to stopped with its reason.
/// </summary>
internal sealed partial class ServerRecovery(
    ScopedRunner scoped,
    ServerChecks checks,
    HubMetrics metrics,
    ISpawner spawner,
    ServerStopper stopper,
    ServerStarter starter,
    ServerRoutes routes,
    ReadinessProbe probe,
    AuditLog audit,
    ILogger<ServerRecovery> logger)
{
    private static readonly TimeSpan RecoveryProbe = TimeSpan.FromSeconds(5);

    private Pending _pending = new([], [], null);

    /// <summary>Before the hub serves: reads the servers to re-adopt, puts starts that only waited back in line.</summary>
    public Task PrepareAsync(CancellationToken cancellationToken) => scoped.RunAsync(async (ServerStore servers) =>
    {
        var active = await servers.ListActiveAsync(cancellationToken);
        // Starts accepted but never begun (waiting in line: pending, nothing written yet) go back in line in the order
        // they were asked for; there is nothing of theirs to re-attach or undo.
        var waiting = active.Where(s => s.Phase == ServerPhases.Pending && ServerState.Parse(s.State).Unstarted).ToList();
        starter.ResumeOnceListening([.. waiting.OrderBy(s => s.Started).ThenBy(s => s.Id)
            .Select(s => (new ServerKey(s.UserName, s.Name), s.UserId, s.Id, s.UserOptions))]);
        var toCheck = active.Except(waiting).ToList();
        checks.Begin(toCheck.Select(s => s.Id));
        LogChecking(logger, toCheck.Count);
        var states = toCheck.Select(s => ServerState.Parse(s.State)).ToList();
        var statuses = await TryPollAsync(states, cancellationToken);
        if (statuses is not null && !routes.HasHubRoute)
        {
            // The in-process proxy's table is empty after a restart: routes of servers the spawner says are running go
            // back before the hub listens (an external proxy kept its own, and is started only once the hub listens).
            for (var i = 0; i < toCheck.Count; i++)
            {
                if (statuses[i]?.Running == true && toCheck[i] is { Phase: ServerPhases.Running, Url: { } url } server)
                {
                    await routes.AddAsync(server.UserName, server.Name, new Uri(url), cancellationToken);
                }
            }
        }
        _pending = new Pending(toCheck, states, statuses);
    });

    private async Task<IReadOnlyList<SpawnerStatus?>?> TryPollAsync(IReadOnlyList<ServerState> states, CancellationToken cancellationToken)
    {
        try
        {
            return await ServerMonitor.PollAsync(spawner, states, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The engine did not answer (a Slurm controller restarting, say): nothing is known, so nothing is stopped.
            LogPollFailed(logger, e);
            return null;
        }
    }

    private sealed record Pending(IReadOnlyList<ActiveServer> Servers, IReadOnlyList<ServerState> States, IReadOnlyList<SpawnerStatus?>? Statuses);

    /// <summary>
    /// Once the hub listens: checks every server <see cref="PrepareAsync"/> found. Those the spawner says are gone (or
    /// that were caught mid-start or mid-stop) are taken to stopped together, in one batch, while the ones it says run
    /// are probed, each settled as soon as it is known; the probes that fail are taken down in a second batch.
    /// </summary>
    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        var (active, states, polled) = Interlocked.Exchange(ref _pending, new Pending([], [], null));
        if (active.Count == 0)
        {
            return;
        }
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        // The poll before the hub listened failed: once more; failing again, the servers stay as the database has them
        // and the poller settles them.
        if ((polled ?? await TryPollAsync(states, cancellationToken)) is not { } statuses)
        {
            foreach (var server in active)
            {
                checks.Done(server.Id);
            }
            return;
        }
        var pending = new Pending(active, states, statuses);
        var dead = new List<int>();
        var live = new List<int>();
        for (var i = 0; i < active.Count; i++)
        {
            (MayBeAlive(active[i], statuses[i]) ? live : dead).Add(i);
        }
        var deadDown = CleanUpAsync(pending, dead, cancellationToken);
        bool?[] probed;
        try
        {
            probed = await Task.WhenAll(live.Select(i => ProbeAsync(active[i], statuses[i]!, cancellationToken)));
        }
        finally
        {
            // Stopping: nothing may wait for a check that never comes (a stop waits for its server's check).
            if (cancellationToken.IsCancellationRequested)
            {
                Abandon(active);
            }
        }
        await deadDown;
        var failed = live.Where((_, j) => probed[j] == false).ToList();
        await CleanUpAsync(pending, failed, cancellationToken);
        var seconds = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
        var kept = probed.Count(p => p == true);
        LogRecovered(logger, kept, dead.Count + failed.Count, seconds);
    }

    /// <summary>Leaves the servers unchecked (the hub stops before it listened): as the database has them, for the next start.</summary>
    public void Abandon() => Abandon(Interlocked.Exchange(ref _pending, new Pending([], [], null)).Servers);

    private void Abandon(IEnumerable<ActiveServer> servers)
    {
        foreach (var server in servers)
        {
            checks.Done(server.Id);
        }
    }

    private static bool MayBeAlive(ActiveServer server, SpawnerStatus? status) =>
        status?.Running == true && server.Url is not null && server.Phase == ServerPhases.Running;

    /// <summary>
    /// Probes a server the spawner says runs: true, re-attached (its route back) and checked; false, not answering (to
    /// take down); null, the check failed (checked, left as it is for the poller).
    /// </summary>
    private async Task<bool?> ProbeAsync(ActiveServer server, SpawnerStatus status, CancellationToken cancellationToken)
    {
        var key = new ServerKey(server.UserName, server.Name);
        bool? result = null;
        try
        {
            if (!await probe.WaitAsync(new Uri(server.Url!), _ => Task.FromResult(status), RecoveryProbe, cancellationToken))
            {
                result = false;
                return result;
            }
            try
            {
                await routes.AddAsync(key.User, key.Server, new Uri(server.Url!), cancellationToken);
            }
            catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                // An external proxy the hub starts only once it listens is not up yet: the route check that follows its
                // start adds the route (and a reused proxy kept it).
                LogRouteDeferred(logger, e, key);
            }
            result = true;
            return result;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogCheckFailed(logger, e, key);
            return null;
        }
        finally
        {
            // One not answering is checked once it is taken down; anything else (the hub stopping included) is checked now.
            if (result != false)
            {
                checks.Done(server.Id);
            }
        }
    }

    /// <summary>
    /// Dead, or caught mid-start or mid-stop by the restart: finishes the way down of the servers at
    /// <paramref name="indices"/> (never half a server), all in one batch, then marks them checked.
    /// </summary>
    private async Task CleanUpAsync(Pending pending, IReadOnlyList<int> indices, CancellationToken cancellationToken)
    {
        if (indices.Count == 0)
        {
            return;
        }
        var statuses = pending.Statuses!;
        try
        {
            var dead = indices.Select(i =>
            {
                var server = pending.Servers[i];
                var key = new ServerKey(server.UserName, server.Name);
                LogNotRecovered(logger, key, server.Phase);
                var reason = server.Phase switch
                {
                    ServerPhases.Stopping => null, // its owner asked for this stop
                    ServerPhases.Pending => "The hub restarted while it was starting",
                    _ when statuses[i] is { Running: false } ended => ServerMonitor.StopReason(ended),
                    _ => "It did not answer after the hub restarted",
                };
                return new DeadServer(key, server.Id, pending.States[i], reason);
            }).ToList();
            var engineEnded = indices.Where(i => statuses[i] is { Running: false }).Select(i => pending.Servers[i].Id).ToHashSet();
            var done = await scoped.RunAsync((ServerScope scope) => stopper.CleanUpManyAsync(scope, dead, cancellationToken));
            foreach (var server in done)
            {
                metrics.ServersDied.Inc();
                if (server.Reason is not null)
                {
                    audit.Record(AuditActions.ServerStop, engineEnded.Contains(server.Id) ? AuditActor.Engine : AuditActor.Hub, server.Key.User, server.Key.Server, server.Reason);
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogCleanUpFailed(logger, e, indices.Count);
        }
        finally
        {
            foreach (var i in indices)
            {
                checks.Done(pending.Servers[i].Id);
            }
        }
    }

    [LoggerMessage(EventId = HubEvents.ServersCleanUpFailed, Level = LogLevel.Error, Message = "Taking {Count} servers found dead after the restart to stopped failed; the poller settles them")]
    private static partial void LogCleanUpFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(EventId = HubEvents.ServersChecking, Level = LogLevel.Information, Message = "Re-adopting {Count} servers in the background once the hub listens")]
    private static partial void LogChecking(ILogger logger, int count);

    [LoggerMessage(EventId = HubEvents.ServersRecovered, Level = LogLevel.Information, Message = "Re-attached {Kept} running servers; {Gone} found stopped or unfinished ({Seconds:0.0} s)")]
    private static partial void LogRecovered(ILogger logger, int kept, int gone, double seconds);

    [LoggerMessage(EventId = HubEvents.ServerNotRecovered, Level = LogLevel.Warning, Message = "Server {Server} ({Phase}) is not running after the restart; marking it stopped")]
    private static partial void LogNotRecovered(ILogger logger, ServerKey server, string phase);

    [LoggerMessage(EventId = HubEvents.ServerRouteDeferred, Level = LogLevel.Information, Message = "Server {Server} is running; its route waits for the proxy")]
    private static partial void LogRouteDeferred(ILogger logger, Exception exception, ServerKey server);

    [LoggerMessage(EventId = HubEvents.ServerCheckFailed, Level = LogLevel.Error, Message = "Re-adopting server {Server} failed; the poller settles it")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception, ServerKey server);

    [LoggerMessage(EventId = HubEvents.ServersCheckPollFailed, Level = LogLevel.Error, Message = "Polling the servers to re-adopt failed")]
    private static partial void LogPollFailed(ILogger logger, Exception exception);
}

/// <summary>
/// Runs <see cref="ServerRecovery.CheckAsync"/> once the hub listens and has answered its first request (or
/// <see cref="FirstAnswerGrace"/> after it listens, if no request comes): the first users are answered before the
/// re-adoption takes the CPU.
/// </summary>
internal sealed class ServerRecoveryJob(ServerRecovery recovery, IHostApplicationLifetime lifetime, FirstAnswer firstAnswer) : HubBackgroundService
{
    /// <summary>How long after the hub listens the re-adoption waits for a first request before it starts anyway.</summary>
    internal static readonly TimeSpan FirstAnswerGrace = TimeSpan.FromSeconds(2);

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            try
            {
                await started.Task.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                // Stopped before it listened: nothing was checked, and nothing may wait for a check that never comes.
                recovery.Abandon();
                return;
            }
        }
        try
        {
            await firstAnswer.WaitAsync(FirstAnswerGrace, stoppingToken);
        }
        catch (OperationCanceledException)
        {
            recovery.Abandon();
            return;
        }
        await recovery.CheckAsync(stoppingToken);
    }
}
