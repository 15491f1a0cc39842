using Greyhub.Abstractions.Compute;
using Greyhub.Data;
using Greyhub.Data.Entities;
using Greyhub.Data.Stores;
using Greyhub.Hub.Admission;
using Greyhub.Hub.Background;
using Greyhub.Hub.Observability;
using Greyhub.Hub.Users;
using Microsoft.Extensions.Logging;

namespace Greyhub.Hub.Servers;

/// <summary>A server found dead, to take to stopped with <paramref name="Reason"/> (null: its owner had asked for the stop).</summary>
internal sealed record DeadServer(ServerKey Key, int Id, ServerState State, string? Reason);

/// <summary>
/// Stops servers: stopping is written first, then the route goes, the spawner stops the server, its credentials are
/// revoked, and stopped is written last. The same clean-up serves a server found dead by the poller.
/// </summary>
internal sealed partial class ServerStopper(
    ScopedRunner scoped,
    ISpawner spawner,
    SpawnTracker tracker,
    SpawnAdmission admission,
    ServerRoutes routes,
    HubState hubState,
    ServerChecks checks,
    HubMetrics metrics,
    IEnumerable<IServerStopHook> stopHooks,
    ILogger<ServerStopper> logger) : IUserServers
{
    /// <inheritdoc/>
    public async Task StopAllAsync(UserRecord user, CancellationToken cancellationToken)
    {
        foreach (var server in user.Servers.Where(s => s.Phase != ServerPhases.Stopped))
        {
            await await StopAsync(user, server, remove: false, cancellationToken);
        }
    }

    /// <summary>Requests a stop (and optionally removal); the task completes when the server is stopped.</summary>
    public async Task<Task> StopAsync(UserRecord user, ServerRecord server, bool remove, CancellationToken cancellationToken)
    {
        var key = new ServerKey(user.Name, server.Name);
        switch (server.Phase)
        {
            // A start still waiting in line leaves it; its runner writes stopped and then completes the spawn.
            case ServerPhases.Pending when tracker.Spawn(key) is { Completion.IsCompleted: false } waiting && admission.Cancel(key.ToString()):
                return remove ? RemoveAfterAsync(waiting.Completion, server.Id) : waiting.Completion;
            case ServerPhases.Pending when tracker.Spawn(key) is { Completion.IsCompleted: false }:
                throw HubException.Invalid($"{key} is pending spawn, please wait");
            case ServerPhases.Stopped:
                if (remove)
                {
                    await scoped.RunAsync((ServerStore servers) => servers.DeleteAsync(server.Id, cancellationToken));
                    hubState.Changed();
                }
                return Task.CompletedTask;
            default:
                return tracker.StopOnce(key, () => StopCoreAsync(key, server.Id, remove));
        }
    }

    /// <summary>Stops a running server by id (the hub's shutdown with <c>servers</c>); completes when it is stopped.</summary>
    public Task StopRunningAsync(ActiveServer server)
    {
        var key = new ServerKey(server.UserName, server.Name);
        return tracker.StopOnce(key, () => StopCoreAsync(key, server.Id, remove: false));
    }

    /// <summary>
    /// Stops (and optionally removes) a server its owner did not ask to stop, the idle culler's, telling them
    /// <paramref name="reason"/>; only a server still running is taken down. Completes when it is stopped, with whether
    /// this stop took it down (false when its owner stopped or restarted it meanwhile).
    /// </summary>
    public async Task<bool> StopUnaskedAsync(ServerKey key, int serverId, bool remove, string reason)
    {
        var took = false;
        await tracker.StopOnce(key, () => scoped.RunAsync(async (ServerScope scope) => took = await StopCoreAsync(scope, key, serverId, remove, reason)));
        return took;
    }

    private async Task RemoveAfterAsync(Task stopped, int serverId)
    {
        await stopped;
        await scoped.RunAsync((ServerStore servers) => servers.DeleteAsync(serverId, CancellationToken.None));
        hubState.Changed();
    }

    private Task StopCoreAsync(ServerKey key, int serverId, bool remove) =>
        scoped.RunAsync((ServerScope scope) => StopCoreAsync(scope, key, serverId, remove));

    private async Task<bool> StopCoreAsync(ServerScope scope, ServerKey key, int serverId, bool remove, string? reason = null)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var servers = scope.Servers;
        // A server a restarted hub is still re-adopting: its check ends first (it may have found it stopped already).
        await checks.WhenCheckedAsync(serverId, CancellationToken.None);
        var current = await servers.FindByIdAsync(serverId, CancellationToken.None);
        if (current is null)
        {
            return false;
        }
        // A stop nobody asked for (reason set) only takes a server that is still running: one its owner stopped or
        // restarted meanwhile is theirs.
        var unasked = reason is not null;
        if (unasked && current.Phase != ServerPhases.Running)
        {
            return false;
        }
        if (current.Phase == ServerPhases.Stopped)
        {
            if (remove)
            {
                await servers.DeleteAsync(serverId, CancellationToken.None);
                hubState.Changed();
            }
            return false;
        }
        if (!await servers.TransitionAsync(serverId, current.Phase, ServerPhases.Stopping, current.Url, CancellationToken.None) && unasked)
        {
            return false;
        }
        hubState.Changed();
        await CleanUpAsync(scope, key, serverId, ServerState.Parse(current.State), stopServer: true, CancellationToken.None, reason);
        if (remove)
        {
            await servers.DeleteAsync(serverId, CancellationToken.None);
        }
        metrics.StopDuration.WithLabels("success").Observe(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
        LogStopped(logger, key);
        return true;
    }

    /// <summary>
    /// Takes a server down to stopped: route, process, credentials, then the row (with <paramref name="reason"/> when the
    /// owner did not ask for the stop).
    /// </summary>
    public async Task CleanUpAsync(ServerScope scope, ServerKey key, int serverId, ServerState state, bool stopServer, CancellationToken cancellationToken, string? reason = null)
    {
        try
        {
            await routes.RemoveAsync(key.User, key.Server, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // An external proxy that does not answer must not leave the server half stopped: once it answers, the
            // route check removes the route of a server that is no longer running.
            LogRouteNotRemoved(logger, e, key);
        }
        tracker.Forget(key);
        if (stopServer && state.Spawner is { } spawnerState)
        {
            await spawner.StopAsync(spawnerState, cancellationToken);
        }
        await scope.Credentials.RevokeAsync(state, cancellationToken);
        await scope.Servers.MarkStoppedAsync(serverId, reason, state.Kept(), cancellationToken);
        hubState.Changed();
        foreach (var hook in stopHooks)
        {
            try
            {
                await hook.AfterStopAsync(key.User, key.Server, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A hook's failure (a cluster that would not stop) must not leave the server half stopped.
                LogStopHookFailed(logger, e, key);
            }
        }
    }

    /// <summary>
    /// Takes many servers nobody is running any more to stopped together (the dead ones a restarted hub finds): what
    /// <see cref="CleanUpAsync"/> does for one, with the database work batched (one transaction marks them all stopped,
    /// each credential is revoked once, each stop hook reads once for all), so a thousand dead servers cost a few
    /// queries instead of thousands. A server whose engine stop fails is left as it is, for the poller. Returns the
    /// servers taken to stopped.
    /// </summary>
    public async Task<IReadOnlyList<DeadServer>> CleanUpManyAsync(ServerScope scope, IReadOnlyList<DeadServer> dead, CancellationToken cancellationToken)
    {
        foreach (var server in dead)
        {
            try
            {
                await routes.RemoveAsync(server.Key.User, server.Key.Server, cancellationToken);
            }
            catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                LogRouteNotRemoved(logger, e, server.Key);
            }
            tracker.Forget(server.Key);
        }
        // A server caught mid-start may still have a process: the engine is asked to stop each, a few at a time.
        var stopped = new bool[dead.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, dead.Count), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                try
                {
                    if (dead[i].State.Spawner is { } spawnerState)
                    {
                        await spawner.StopAsync(spawnerState, ct);
                    }
                    stopped[i] = true;
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    LogCleanUpFailed(logger, e, dead[i].Key);
                }
            });
        var done = dead.Where((_, i) => stopped[i]).ToList();
        if (done.Count == 0)
        {
            return done;
        }
        await scope.Credentials.RevokeManyAsync(done.Select(d => d.State), cancellationToken);
        await scope.Servers.MarkStoppedManyAsync([.. done.Select(d => (ServerId: d.Id, d.Reason, KeptState: (string?)d.State.Kept()))], cancellationToken);
        hubState.Changed();
        var keys = done.Select(d => d.Key).ToList();
        foreach (var hook in stopHooks)
        {
            if (hook is IServerStopManyHook many)
            {
                try
                {
                    await many.AfterStopManyAsync(keys, cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogStopHookFailedMany(logger, e, keys.Count);
                }
                continue;
            }
            foreach (var key in keys)
            {
                try
                {
                    await hook.AfterStopAsync(key.User, key.Server, cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogStopHookFailed(logger, e, key);
                }
            }
        }
        return done;
    }

    [LoggerMessage(EventId = HubEvents.ServersStopHookFailed, Level = LogLevel.Warning, Message = "A stop hook failed after {Count} servers found dead had stopped")]
    private static partial void LogStopHookFailedMany(ILogger logger, Exception exception, int count);

    [LoggerMessage(EventId = HubEvents.ServerDeadStopFailed, Level = LogLevel.Error, Message = "Stopping server {Server}, found dead, failed; the poller settles it")]
    private static partial void LogCleanUpFailed(ILogger logger, Exception exception, ServerKey server);

    [LoggerMessage(EventId = HubEvents.ServerStopHookFailed, Level = LogLevel.Warning, Message = "A stop hook failed after server {Server} stopped")]
    private static partial void LogStopHookFailed(ILogger logger, Exception exception, ServerKey server);

    [LoggerMessage(EventId = HubEvents.ServerRouteNotRemoved, Level = LogLevel.Warning, Message = "Could not remove the route of server {Server}; the route check will")]
    private static partial void LogRouteNotRemoved(ILogger logger, Exception exception, ServerKey server);

    [LoggerMessage(EventId = HubEvents.ServerStopped, Level = LogLevel.Information, Message = "Server {Server} stopped")]
    private static partial void LogStopped(ILogger logger, ServerKey server);
}
