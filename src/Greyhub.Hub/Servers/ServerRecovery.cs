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

    // Clean-ups write to the database: a few at a time, so that the hub's own requests are not queued behind a thousand.
    private const int CleanUpConcurrency = 4;

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

    /// <summary>Once the hub listens: checks every server <see cref="PrepareAsync"/> found, each settled as soon as it is known.</summary>
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
        using var cleanUps = new SemaphoreSlim(CleanUpConcurrency);
        var kept = 0;
        await Task.WhenAll(active.Select(async (server, i) =>
        {
            try
            {
                if (await CheckOneAsync(server, states[i], statuses[i], cleanUps, cancellationToken))
                {
                    Interlocked.Increment(ref kept);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogCheckFailed(logger, e, new ServerKey(server.UserName, server.Name));
            }
            finally
            {
                checks.Done(server.Id);
            }
        }));
        var seconds = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
        LogRecovered(logger, kept, active.Count - kept, seconds);
    }

    /// <summary>Leaves the servers unchecked (the hub stops before it listened): as the database has them, for the next start.</summary>
    public void Abandon()
    {
        foreach (var server in Interlocked.Exchange(ref _pending, new Pending([], [], null)).Servers)
        {
            checks.Done(server.Id);
        }
    }

    private async Task<bool> CheckOneAsync(ActiveServer server, ServerState state, SpawnerStatus? status, SemaphoreSlim cleanUps, CancellationToken cancellationToken)
    {
        var key = new ServerKey(server.UserName, server.Name);
        var alive = status?.Running == true && server.Url is { } url && server.Phase == ServerPhases.Running
            && await probe.WaitAsync(new Uri(url), _ => Task.FromResult(status), RecoveryProbe, cancellationToken);
        if (alive)
        {
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
            return true;
        }
        // Dead, or caught mid-start or mid-stop by the restart: finish the way down (never leave half a server).
        await cleanUps.WaitAsync(cancellationToken);
        try
        {
            LogNotRecovered(logger, key, server.Phase);
            metrics.ServersDied.Inc();
            var reason = server.Phase switch
            {
                ServerPhases.Stopping => null, // its owner asked for this stop
                ServerPhases.Pending => "The hub restarted while it was starting",
                _ when status is { Running: false } ended => ServerMonitor.StopReason(ended),
                _ => "It did not answer after the hub restarted",
            };
            await scoped.RunAsync((ServerScope scope) =>
                stopper.CleanUpAsync(scope, key, server.Id, state, stopServer: true, cancellationToken, reason));
            if (reason is not null)
            {
                audit.Record(AuditActions.ServerStop, status is { Running: false } ? AuditActor.Engine : AuditActor.Hub, key.User, key.Server, reason);
            }
            return false;
        }
        finally
        {
            cleanUps.Release();
        }
    }

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

/// <summary>Runs <see cref="ServerRecovery.CheckAsync"/> once the hub listens.</summary>
internal sealed class ServerRecoveryJob(ServerRecovery recovery, IHostApplicationLifetime lifetime) : HubBackgroundService
{
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
        await recovery.CheckAsync(stoppingToken);
    }
}
