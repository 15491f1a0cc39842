using Greyhub.Data.Entities;
using Greyhub.Data.Stores;
using Greyhub.Hub.Background;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Greyhub.Clusters;

/// <summary>
/// What a scheduler's report changes: its address (the cluster runs, its route is set and the workers it was asked for
/// launch), the workers it sees, its clients, idleness and versions. The reconciler acts on the rest each period.
/// </summary>
internal sealed partial class ClusterHeartbeats(
    ScopedRunner scoped,
    ClusterGate gate,
    ClusterStopper stopper,
    ClusterScaler scaler,
    ClusterRoutes routes,
    IOptions<ClustersOptions> options,
    TimeProvider time,
    ILogger<ClusterHeartbeats> logger)
{
    private readonly ClustersOptions _options = options.Value;

    /// <summary>A scheduler's report: addresses, workers, adaptive target, clients, idleness, versions.</summary>
    public Task<bool> ReceiveAsync(string name, string token, SchedulerHeartbeat beat, CancellationToken cancellationToken) =>
        gate.RunAsync(async () =>
        {
            var cluster = await scoped.RunAsync((DaskClusterStore store) => store.FindAsync(name, cancellationToken));
            if (cluster is null || !ClusterCredentials.Matches(token, cluster.TokenHash))
            {
                return false;
            }
            if (cluster.Status is not ((int)ClusterStatus.Pending or (int)ClusterStatus.Running))
            {
                // A scheduler of a cluster being stopped: told to end by its job's stop, not by this answer.
                return true;
            }
            var now = time.GetUtcNow().UtcDateTime;
            var state = ClusterState.Parse(cluster.State);
            state.LastHeartbeat = now;
            state.SchedulerAddress = beat.SchedulerAddress ?? state.SchedulerAddress;
            state.DashboardAddress = beat.DashboardAddress;
            state.AdaptiveTarget = beat.Count;
            var active = beat.ActiveWorkers.ToHashSet(StringComparer.Ordinal);
            foreach (var w in state.Workers)
            {
                if (active.Contains(w.Name))
                {
                    if (!w.Connected)
                    {
                        w.Connected = true;
                        state.WorkerFailures = 0;
                    }
                    w.Missing = false;
                }
                else
                {
                    // A worker that connected and is no longer the scheduler's (killed, crashed, retired) stops counting
                    // now, not only once the reconciler's next pass sees its job end.
                    w.Missing = w.Connected;
                }
            }
            if (beat.Clients > 0)
            {
                state.HadClient = true;
                state.NoClientSince = null;
            }
            else if (state.HadClient || beat.HadClient)
            {
                state.HadClient = true;
                state.NoClientSince ??= now;
            }
            state.IdleSince = beat.IdleSeconds is { } idle ? now - TimeSpan.FromSeconds(idle) : null;
            if (beat.Versions is { } versions)
            {
                state.Versions = versions;
            }
            if (cluster.Status == (int)ClusterStatus.Pending && state.SchedulerAddress is not null)
            {
                cluster.Status = (int)ClusterStatus.Running;
                state.StartedAt = now;
                LogRunning(logger, name, state.SchedulerAddress);
                routes.Set(name, state.SchedulerAddress);
                if (VersionCheck.Compare(state.ClientVersions, state.Versions) is { } mismatch)
                {
                    if (_options.RefuseVersionMismatch)
                    {
                        await stopper.StopAsync(cluster, state, mismatch + " (refused by configuration)", failed: true);
                        return true;
                    }
                    state.Warnings.Add(mismatch);
                }
                // Workers asked for while pending launch now, in this request, their intents in the same write as the
                // running status: no wait for the reconciler's wake-up, its pass over every cluster's jobs and one more write.
                if (await LaunchAskedWorkersAsync(cluster, state, now))
                {
                    return true;
                }
            }
            await SaveAsync(cluster, state, cancellationToken);
            return true;
        }, cancellationToken);

    /// <summary>Launches the workers a just-running cluster was asked for; true when the state was written.</summary>
    private async Task<bool> LaunchAskedWorkersAsync(DaskClusterEntity cluster, ClusterState state, DateTime now)
    {
        try
        {
            // Not the request's token: the scheduler giving up on its report must not cut launches short.
            return await scaler.ScaleToTargetAsync(cluster, state, now, CancellationToken.None);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // What was written stands (intents, then the handles of the launches made); the reconciler's pass adopts the
            // rest by key and launches what is still missing.
            LogFirstLaunchFailed(logger, e, cluster.Name);
            gate.RequestReconcile();
            return true;
        }
    }

    private Task SaveAsync(DaskClusterEntity cluster, ClusterState state, CancellationToken cancellationToken) =>
        scoped.SaveStateAsync(gate, cluster, state, cancellationToken);

    [LoggerMessage(EventId = ClusterEvents.Running, Level = LogLevel.Information, Message = "Cluster {Cluster} running at {Address}")]
    private static partial void LogRunning(ILogger logger, string cluster, string address);

    [LoggerMessage(EventId = ClusterEvents.FirstLaunchFailed, Level = LogLevel.Error, Message = "Cluster {Cluster}: launching its workers on its scheduler's first report failed; the reconciler retries")]
    private static partial void LogFirstLaunchFailed(ILogger logger, Exception exception, string cluster);
}
