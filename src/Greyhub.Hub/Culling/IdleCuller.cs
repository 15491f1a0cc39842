using System.Collections.Concurrent;
using Greyhub.Data.Entities;
using Greyhub.Data.Stores;
using Greyhub.Hub.Audit;
using Greyhub.Hub.Background;
using Greyhub.Hub.Observability;
using Greyhub.Hub.Servers;
using Greyhub.Hub.Users;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Culling;

/// <summary>
/// One pass of the built-in idle culler, with jupyterhub-idle-culler's rules: a running server (never a pending or
/// stopping one) idle for its owner's timeout, or running past their max age, is stopped through the same stopper as a
/// user's stop, with the reason kept for its owner, an audit entry (actor <c>culler</c>) and a count by reason. With
/// user culling, an owner left with no running server and idle as long is deleted, admins only when asked. The pass
/// reads the running servers and their owners in one query: its cost follows running servers, never users.
/// </summary>
internal sealed partial class IdleCuller(
    ScopedRunner scoped,
    ServerStopper stopper,
    AuditLog audit,
    HubMetrics metrics,
    IOptions<CullerOptions> options,
    TimeProvider time,
    ILogger<IdleCuller> logger)
{
    /// <summary>Culls what is due now; returns how many servers were stopped.</summary>
    public async Task<int> CullOnceAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = time.GetUtcNow().UtcDateTime;
        var running = await scoped.RunAsync((ServerStore servers) => servers.ListRunningWithOwnersAsync(cancellationToken));
        var due = running.Select(server => (Server: server, Policy: CullPolicy.For(server.Owner.Groups, settings)))
            .Select(x => (x.Server, x.Policy, Verdict: x.Policy.Judge(x.Server.Started, x.Server.LastActivity, now)))
            .Where(x => x.Verdict is not null)
            .ToList();
        var stopped = 0;
        var culled = new ConcurrentDictionary<string, (ServerOwner Owner, CullPolicy Policy)>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = settings.Concurrency, CancellationToken = cancellationToken },
            async (x, _) =>
            {
                var key = new ServerKey(x.Server.Owner.Name, x.Server.Name);
                var remove = x.Server.Name.Length > 0 && x.Policy.RemoveNamedServers;
                var verdict = x.Verdict!;
                try
                {
                    if (!await stopper.StopUnaskedAsync(key, x.Server.Id, remove, verdict.OwnerReason))
                    {
                        // Its owner stopped or restarted it between the query and the stop: not a cull.
                        return;
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // One server that will not stop must not keep the others running; the next pass tries it again.
                    LogStopFailed(logger, e, key);
                    return;
                }
                audit.Record(AuditActions.ServerStop, AuditActor.Culler, key.User, key.Server, remove ? verdict.AuditDetail + "; removed" : verdict.AuditDetail);
                metrics.Culls.WithLabels(verdict.Label).Inc();
                LogCulled(logger, key, verdict.AuditDetail);
                Interlocked.Increment(ref stopped);
                culled.TryAdd(x.Server.Owner.Name, (x.Server.Owner, x.Policy));
            });
        foreach (var (owner, policy) in culled.Values.Where(c => c.Policy.CullUsers).OrderBy(c => c.Owner.Name, StringComparer.Ordinal))
        {
            await CullUserAsync(owner.Name, policy, now, settings.CullAdminUsers, cancellationToken);
        }
        metrics.CullerRuns.Inc();
        LogRan(logger, running.Count, stopped);
        return stopped;
    }

    /// <summary>Deletes a user whose servers were culled, if none is left running and they were idle (or old) enough.</summary>
    private Task CullUserAsync(string name, CullPolicy policy, DateTime now, bool cullAdmins, CancellationToken cancellationToken) =>
        scoped.RunAsync(async (UserService users) =>
        {
            // Read again after the stops: a server started meanwhile, or activity since, spares the user.
            if (await users.FindAsync(name, cancellationToken) is not { } user
                || user.Servers.Any(s => s.Phase != ServerPhases.Stopped)
                || (user.Admin && !cullAdmins))
            {
                return;
            }
            var idle = now - (user.LastActivity ?? user.Created);
            var age = now - user.Created;
            string detail;
            if (policy.Timeout > TimeSpan.Zero && idle >= policy.Timeout)
            {
                detail = $"idle for {CullVerdict.Duration(idle)} (timeout {CullVerdict.Duration(policy.Timeout)})";
            }
            else if (policy.MaxAge > TimeSpan.Zero && age >= policy.MaxAge)
            {
                detail = $"older than max age {CullVerdict.Duration(policy.MaxAge)} (created {CullVerdict.Duration(age)} ago)";
            }
            else
            {
                return;
            }
            await users.DeleteStoppedAsync(user, cancellationToken);
            audit.Record(AuditActions.UserDelete, AuditActor.Culler, user.Name, detail: detail);
            metrics.CulledUsers.Inc();
            LogUserDeleted(logger, user.Name, detail);
        });

    [LoggerMessage(EventId = HubEvents.CullerCulled, Level = LogLevel.Information, Message = "Culled server {Server}: {Detail}")]
    private static partial void LogCulled(ILogger logger, ServerKey server, string detail);

    [LoggerMessage(EventId = HubEvents.CullerStopFailed, Level = LogLevel.Error, Message = "The idle culler could not stop server {Server}; the next pass tries again")]
    private static partial void LogStopFailed(ILogger logger, Exception exception, ServerKey server);

    [LoggerMessage(EventId = HubEvents.CullerUserDeleted, Level = LogLevel.Information, Message = "Culled user {User}: {Detail}")]
    private static partial void LogUserDeleted(ILogger logger, string user, string detail);

    [LoggerMessage(EventId = HubEvents.CullerRan, Level = LogLevel.Debug, Message = "Idle culler: {Running} running servers, {Culled} culled")]
    private static partial void LogRan(ILogger logger, int running, int culled);
}
