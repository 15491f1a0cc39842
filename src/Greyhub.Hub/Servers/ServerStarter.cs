using System.Globalization;
using System.Net;
using System.Text.Json;
using Greyhub.Abstractions.Compute;
using Greyhub.Data;
using Greyhub.Data.Entities;
using Greyhub.Data.Stores;
using Greyhub.Hub.Audit;
using Greyhub.Hub.Admission;
using Greyhub.Hub.Background;
using Greyhub.Hub.Observability;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Servers;

/// <summary>
/// Starts servers: pending is written first, then the server's credentials, then the spawner's state as soon as it
/// exists, then the readiness wait, the route and running. A failure at any step undoes the others and is reported
/// with the server's last output; a hub killed at any step is put right by <see cref="ServerRecovery"/>.
/// Between the pending write and the first action a start may wait its turn in the <see cref="SpawnAdmission"/> line;
/// while it waits its row is pending with an empty state (nothing to undo), which a restarted hub puts back in line.
/// </summary>
internal sealed partial class ServerStarter(
    ScopedRunner scoped,
    ISpawner spawner,
    SpawnTracker tracker,
    SpawnAdmission admission,
    ServerEnvironment environment,
    ServerRoutes routes,
    ReadinessProbe probe,
    HubUrls urls,
    HubState hubState,
    HubMetrics metrics,
    TimeProvider time,
    IOptions<HubOptions> options,
    IHostApplicationLifetime lifetime,
    AuditLog audit,
    ILogger<ServerStarter> logger)
{
    private readonly ServersOptions _options = options.Value.Servers;

    /// <summary>Requests a start; returns the spawn in flight (a new one, or the one already pending).</summary>
    public async Task<SpawnOperation> StartAsync(UserRecord user, string serverName, JsonElement? userOptions, CancellationToken cancellationToken)
    {
        var key = new ServerKey(user.Name, serverName);
        if (tracker.Spawn(key) is { Completion.IsCompleted: false } inFlight)
        {
            return inFlight;
        }
        string normalized;
        try
        {
            normalized = spawner.ValidateUserOptions(userOptions);
        }
        catch (UserOptionsException ex)
        {
            throw HubException.Invalid(ex.Message);
        }
        // The hooks may refuse (an upstream sign-in that can no longer be renewed) before anything is written.
        await scoped.RunAsync(async (ServerScope scope) =>
        {
            foreach (var hook in scope.StartHooks)
            {
                await hook.BeforeStartAsync(user, cancellationToken);
            }
        });
        var requested = System.Diagnostics.Stopwatch.GetTimestamp();
        if (!tracker.TryBegin(key, out var operation))
        {
            metrics.SpawnDuration.WithLabels("already-pending").Observe(0);
            return operation;
        }
        SpawnTicket? ticket = null;
        try
        {
            operation.Add(new ProgressEvent(0, "Server requested"));
            // The line first: in reject mode a full hub refuses before anything is written.
            ticket = Enter(key, operation);
            var server = await admission.AcceptAsync(user, () => scoped.RunAsync(async (ServerStore servers) =>
            {
                if (!await servers.TryMarkPendingAsync(user.Id, serverName, normalized, time.GetUtcNow().UtcDateTime, cancellationToken))
                {
                    var existing = await servers.FindAsync(user.Id, serverName, cancellationToken);
                    throw HubException.Invalid(existing?.Phase == ServerPhases.Running ? $"{key} is already running" : $"{key} is pending {existing?.Phase ?? "stop"}");
                }
                return await servers.FindAsync(user.Id, serverName, cancellationToken)
                    ?? throw new InvalidOperationException($"server {key} vanished after it was marked pending");
            }), cancellationToken);
            hubState.Changed();
            LogRequested(logger, key);
            _ = ThreadPoolHop.RunAsync(() => RunInTurnAsync(key, user.Id, server.Id, normalized, operation, ticket, requested));
            return operation;
        }
        catch (Exception ex)
        {
            if (ticket is not null)
            {
                Abandon(ticket);
            }
            if (ex is HubException { Kind: HubErrorKind.TooManyRequests })
            {
                // JupyterHub's statuses: throttled (every start slot taken) or too-many-users (active-server limit).
                metrics.SpawnDuration.WithLabels(ticket is null ? "throttled" : "too-many-users").Observe(System.Diagnostics.Stopwatch.GetElapsedTime(requested).TotalSeconds);
            }
            operation.Complete(false);
            tracker.Forget(key);
            throw;
        }
    }

    /// <summary>
    /// Puts back in line, in the order given, starts a previous hub accepted but never began (pending, empty state), as
    /// soon as this hub listens: a server's environment needs the hub's own address.
    /// </summary>
    public void ResumeOnceListening(IReadOnlyList<(ServerKey Key, int UserId, int ServerId, string UserOptions)> waiting)
    {
        if (waiting.Count == 0)
        {
            return;
        }
        lifetime.ApplicationStarted.Register(() =>
        {
            foreach (var (key, userId, serverId, userOptions) in waiting)
            {
                Resume(key, userId, serverId, userOptions);
            }
        });
    }

    private void Resume(ServerKey key, int userId, int serverId, string userOptions)
    {
        if (!tracker.TryBegin(key, out var operation))
        {
            return;
        }
        var requested = System.Diagnostics.Stopwatch.GetTimestamp();
        operation.Add(new ProgressEvent(0, "Server requested (again, after the hub restarted)"));
        var ticket = Enter(key, operation);
        LogResumed(logger, key);
        _ = ThreadPoolHop.RunAsync(() => RunInTurnAsync(key, userId, serverId, userOptions, operation, ticket, requested));
    }

    private SpawnTicket Enter(ServerKey key, SpawnOperation operation) =>
        admission.Enter(key.ToString(), position =>
        {
            operation.InLine = true;
            operation.Add(new ProgressEvent(0, SpawnAdmission.Describe(position), QueuePosition: position.Position,
                QueueEstimateSeconds: position.Estimate is { } e ? (int)e.TotalSeconds : null));
        });

    private void Abandon(SpawnTicket ticket)
    {
        // Out of the line if it still waits; otherwise it holds a slot, which goes to the next in line.
        if (!admission.Cancel(ticket.Key) && ticket.Admitted)
        {
            admission.Release(null);
        }
    }

    private async Task RunInTurnAsync(ServerKey key, int userId, int serverId, string userOptions, SpawnOperation operation, SpawnTicket ticket, long requested)
    {
        bool admitted;
        try
        {
            admitted = await ticket.Turn.WaitAsync(lifetime.ApplicationStopping);
        }
        catch (OperationCanceledException)
        {
            // The hub stops: the row stays pending with an empty state, and the next hub puts the start back in line.
            Abandon(ticket);
            operation.Complete(false);
            return;
        }
        operation.InLine = false;
        if (!admitted)
        {
            // Stopped (or its user deleted) while it waited: nothing ran, so stopped is all there is to write (the
            // state it kept from its last run stays).
            await scoped.RunAsync((ServerStore servers) => servers.MarkStoppedAsync(serverId, null, null, CancellationToken.None));
            hubState.Changed();
            tracker.Forget(key);
            LogLeftLine(logger, key);
            operation.Add(new ProgressEvent(100, "Spawn cancelled: the server was stopped while it waited to start", Failed: true));
            operation.Complete(false);
            return;
        }
        var admittedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        metrics.SpawnQueueWait.Observe(System.Diagnostics.Stopwatch.GetElapsedTime(requested, admittedAt).TotalSeconds);
        if (ticket.Waited)
        {
            operation.Add(new ProgressEvent(0, "Your turn: starting the server"));
        }
        try
        {
            await RunAsync(key, userId, serverId, userOptions, operation, requested);
        }
        finally
        {
            admission.Release(System.Diagnostics.Stopwatch.GetElapsedTime(admittedAt));
        }
    }

    private async Task<Dictionary<string, string>> EnvironmentAsync(ServerScope scope, ServerKey key, int userId, string apiToken, CancellationToken cancellationToken)
    {
        var hub = environment.For(key, apiToken);
        foreach (var hook in scope.StartHooks)
        {
            foreach (var (name, value) in await hook.EnvironmentAsync(userId, key, cancellationToken))
            {
                hub.TryAdd(name, value);
            }
        }
        return hub;
    }

    private Task RunAsync(ServerKey key, int userId, int serverId, string userOptions, SpawnOperation operation, long requested) =>
        scoped.RunAsync((ServerScope scope) => RunAsync(scope, key, userId, serverId, userOptions, operation, requested));

    private async Task RunAsync(ServerScope scope, ServerKey key, int userId, int serverId, string userOptions, SpawnOperation operation, long started)
    {
        // A hub shutting down abandons the wait, not the server: the next hub re-attaches it or finishes the undo.
        // The duration counts from the request, the wait in line included, as a user lives it (JupyterHub's too).
        var cancellationToken = lifetime.ApplicationStopping;
        var servers = scope.Servers;
        var credentials = scope.Credentials;
        var state = ServerState.Empty;
        var prefix = urls.ServerUrl(key.User, key.Server);
        try
        {
            // The spawner state the server kept from its last run, given back to the spawner as JupyterHub does.
            var previous = ServerState.Parse((await servers.FindByIdAsync(serverId, cancellationToken))?.State ?? "{}").Previous;
            var issued = await credentials.IssueAsync(userId, key, prefix, cancellationToken);
            state = new ServerState(null, issued.TokenId, key.ClientId, previous);
            await servers.SaveStateAsync(serverId, state.ToJson(), cancellationToken);
            // Who the owner is now (admin, groups): JupyterHub's spawners may read them from their user object.
            var owner = await scope.Users.FindAsync(key.User, cancellationToken);
            var request = new SpawnRequest
            {
                UserName = key.User,
                ServerName = key.Server,
                Admin = owner?.Admin ?? false,
                Groups = owner?.Groups ?? [],
                ServicePrefix = prefix,
                HubEnvironment = await EnvironmentAsync(scope, key, userId, issued.Secret, cancellationToken),
                HubArguments = environment.Arguments,
                UserOptions = userOptions,
                PreviousState = previous,
            };
            var context = new SpawnContext(operation, async (spawnerState, ct) =>
            {
                state = state with { Spawner = spawnerState };
                await servers.SaveStateAsync(serverId, state.ToJson(), ct);
            });
            var spawned = await spawner.StartAsync(request, context, cancellationToken);
            state = state with { Spawner = spawned.State };
            var ready = await probe.WaitAsync(spawned.Url, async ct => (await spawner.PollAsync([spawned.State], ct))[0], _options.HttpTimeout, cancellationToken,
                spawner is ISpawnerEndWatch watch ? ct => watch.WatchEnd(spawned.State, ct) : null);
            if (!ready)
            {
                throw new SpawnFailedException($"Server at {spawned.Url} didn't respond in {_options.HttpTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} seconds");
            }
            await routes.AddAsync(key.User, key.Server, spawned.Url, cancellationToken);
            if (!await servers.TransitionAsync(serverId, ServerPhases.Pending, ServerPhases.Running, spawned.Url.ToString(), cancellationToken))
            {
                await routes.RemoveAsync(key.User, key.Server, CancellationToken.None);
                throw new SpawnFailedException("The server was stopped or removed while it started");
            }
            hubState.Changed();
            metrics.SpawnDuration.WithLabels("success").Observe(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
            LogReady(logger, key, spawned.Url);
            operation.Add(ReadyEvent(prefix));
            operation.Complete(true);
        }
        catch (Exception ex)
        {
            var failure = ex as SpawnFailedException;
            var message = failure?.Message ?? (ex is OperationCanceledException ? "The hub is shutting down" : "Unexpected error: " + ex.Message);
            var log = failure?.LogTail ?? "";
            if (state.Spawner is { } spawnerState)
            {
                try
                {
                    if (log.Length == 0)
                    {
                        log = await spawner.ReadLogAsync(spawnerState, 4000, CancellationToken.None);
                    }
                    await spawner.StopAsync(spawnerState, CancellationToken.None);
                }
                catch (Exception undo) when (undo is not OperationCanceledException)
                {
                    // The engine that failed the start may fail its undo too (a plug-in that died): the start still ends
                    // as failed, rather than leaving the server pending for ever.
                    LogUndoFailed(logger, undo, key);
                }
            }
            if (ex is OperationCanceledException && lifetime.ApplicationStopping.IsCancellationRequested)
            {
                // Leave the row as it is: the next hub start finishes the undo from the stored state.
                operation.Complete(false);
                return;
            }
            await credentials.RevokeAsync(state, CancellationToken.None);
            await servers.MarkStoppedAsync(serverId, "Its start failed: " + message, state.Kept(), CancellationToken.None);
            hubState.Changed();
            metrics.SpawnDuration.WithLabels("failure").Observe(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
            LogFailed(logger, ex, key, message);
            audit.Record(AuditActions.ServerStop, AuditActor.Failure, key.User, key.Server, "Its start failed: " + message);
            tracker.Failed(key, new SpawnFailure(message, log));
            operation.Add(FailedEvent(new SpawnFailure(message, log)));
            operation.Complete(false);
        }
    }

    /// <summary>The progress stream's last event for a ready server (JupyterHub's fields and words).</summary>
    internal static ProgressEvent ReadyEvent(string prefix)
    {
        var html = WebUtility.HtmlEncode(prefix);
        return new ProgressEvent(100, $"Server ready at {prefix}", Ready: true, Url: prefix, HtmlMessage: $"Server ready at <a href=\"{html}\">{html}</a>");
    }

    /// <summary>The progress stream's last event for a failed spawn: the reason, and the server's last lines in the HTML form.</summary>
    internal static ProgressEvent FailedEvent(SpawnFailure failure)
    {
        var tail = LastLines(failure.LogTail, 12);
        var html = $"Spawn failed: {WebUtility.HtmlEncode(failure.Message)}" + (tail.Length > 0 ? $"<pre class=\"log\">{WebUtility.HtmlEncode(tail)}</pre>" : "");
        return new ProgressEvent(100, $"Spawn failed: {failure.Message}", Failed: true, HtmlMessage: html);
    }

    internal static string LastLines(string log, int count)
    {
        var lines = log.TrimEnd().Split('\n');
        return string.Join('\n', lines.Skip(Math.Max(0, lines.Length - count)));
    }

    private sealed class SpawnContext(SpawnOperation operation, Func<string, CancellationToken, Task> save) : ISpawnContext
    {
        public void Report(int progress, string message) => operation.Add(new ProgressEvent(Math.Clamp(progress, 0, 99), message));

        public Task SaveStateAsync(string state, CancellationToken cancellationToken) => save(state, cancellationToken);
    }

    [LoggerMessage(EventId = HubEvents.ServerRequested, Level = LogLevel.Information, Message = "Server {Server} requested")]
    private static partial void LogRequested(ILogger logger, ServerKey server);

    [LoggerMessage(EventId = HubEvents.ServerStartResumed, Level = LogLevel.Information, Message = "Server {Server} back in line after the hub restarted")]
    private static partial void LogResumed(ILogger logger, ServerKey server);

    [LoggerMessage(EventId = HubEvents.ServerLeftLine, Level = LogLevel.Information, Message = "Server {Server} was stopped while it waited to start")]
    private static partial void LogLeftLine(ILogger logger, ServerKey server);

    [LoggerMessage(EventId = HubEvents.ServerReady, Level = LogLevel.Information, Message = "Server {Server} ready at {Url}")]
    private static partial void LogReady(ILogger logger, ServerKey server, Uri url);

    [LoggerMessage(EventId = HubEvents.ServerStartUndoFailed, Level = LogLevel.Error, Message = "Server {Server} failed to start, and stopping what had started failed too; the engine may still run it")]
    private static partial void LogUndoFailed(ILogger logger, Exception exception, ServerKey server);

    [LoggerMessage(EventId = HubEvents.ServerStartFailed, Level = LogLevel.Warning, Message = "Server {Server} failed to start: {Reason}")]
    private static partial void LogFailed(ILogger logger, Exception exception, ServerKey server, string reason);
}
