using Greyhub.Abstractions.Compute;
using Greyhub.Data.Entities;
using Greyhub.Hub.Audit;
using Greyhub.Hub.Background;
using Greyhub.Hub.Observability;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Servers;

/// <summary>
/// Keeps the database true to the servers: polls the running ones in one spawner call per interval (servers still
/// being re-adopted after a restart are <see cref="ServerRecovery"/>'s). A server that died is taken to stopped with
/// its route and credentials.
/// </summary>
internal sealed partial class ServerMonitor(
    ScopedRunner scoped,
    HubMetrics metrics,
    ISpawner spawner,
    SpawnTracker tracker,
    ServerStopper stopper,
    ServerChecks checks,
    AuditLog audit,
    IOptions<HubOptions> options,
    TimeProvider time,
    ILogger<ServerMonitor> logger)
{
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
        // While a restarted hub re-adopts its servers, their checks settle them: a poll reading a server just before its
        // check takes it to stopped would stop it a second time. Checked before the read, so what it reads is settled.
        if (checks.Count > 0)
        {
            return;
        }
        var servers = scope.Servers;
        var running = (await servers.ListActiveAsync(cancellationToken)).Where(s => s.Phase == ServerPhases.Running).ToList();
        if (running.Count == 0)
        {
            return;
        }
        var states = running.Select(s => ServerState.Parse(s.State)).ToList();
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var statuses = await PollAsync(spawner, states, cancellationToken);
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

    /// <summary>The spawner's status of each server (null for one without spawner state), in one spawner call.</summary>
    internal static async Task<IReadOnlyList<SpawnerStatus?>> PollAsync(ISpawner spawner, IReadOnlyList<ServerState> states, CancellationToken cancellationToken)
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

    [LoggerMessage(EventId = HubEvents.ServerDied, Level = LogLevel.Warning, Message = "User {Server} server stopped, with exit code: {ExitCode} {Reason}")]
    private static partial void LogDied(ILogger logger, ServerKey server, string exitCode, string reason);

    [LoggerMessage(EventId = HubEvents.ServerPollFailed, Level = LogLevel.Error, Message = "Polling servers failed")]
    private static partial void LogPollFailed(ILogger logger, Exception exception);
}

/// <summary>Runs the monitor's poll loop as a hosted service.</summary>
internal sealed class ServerMonitorService(ServerMonitor monitor) : HubBackgroundService
{
    protected override Task RunAsync(CancellationToken stoppingToken) => monitor.RunAsync(stoppingToken);
}
