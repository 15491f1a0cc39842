using Greyhub.Data.Entities;
using Greyhub.Hub.Background;
using Microsoft.Extensions.Logging;

namespace Greyhub.Clusters;

/// <summary>
/// Takes a cluster down: stopping is written first, then every job is stopped, then stopped (or failed, with the reason)
/// is written and its files removed. A hub that dies in between finds the cluster stopping and finishes the job. Callers
/// hold the <see cref="ClusterGate"/>.
/// </summary>
internal sealed partial class ClusterStopper(ScopedRunner scoped, ClusterGate gate, ClusterJobs jobs, ClusterRoutes routes, TimeProvider time, ILogger<ClusterStopper> logger)
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);

    public async Task StopAsync(DaskClusterEntity cluster, ClusterState state, string reason, bool failed)
    {
        if (cluster.Status is (int)ClusterStatus.Stopped or (int)ClusterStatus.Failed)
        {
            return;
        }
        if (cluster.Status != (int)ClusterStatus.Stopping)
        {
            cluster.Status = (int)ClusterStatus.Stopping;
            cluster.Reason = reason;
            state.Failing = failed;
            await SaveAsync(cluster, state);
        }
        routes.Remove(cluster.Name);
        var engine = jobs.Engine(state.Engine);
        // A launch a dead hub left unfinished may have a job: stopped too.
        var unfinished = state.Launching.Count > 0 ? await jobs.ResolveLaunchesAsync(state, CancellationToken.None) : [];
        var handles = state.Workers.Select(w => w.Job).Concat(unfinished.Select(u => u.Job)).ToList();
        if (state.Scheduler is { } scheduler)
        {
            handles.Add(scheduler);
        }
        await Task.WhenAll(handles.Select(async h =>
        {
            try
            {
                await engine.StopAsync(h, Grace, CancellationToken.None);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogJobStopFailed(logger, e, cluster.Name, h.Id);
            }
        }));
        state.Workers.Clear();
        cluster.Status = state.Failing ? (int)ClusterStatus.Failed : (int)ClusterStatus.Stopped;
        cluster.StoppedAt = time.GetUtcNow().UtcDateTime;
        await SaveAsync(cluster, state);
        ClusterJobs.DeleteFiles(state.Directory);
        LogStopped(logger, cluster.Name, state.Failing ? "failed" : "stopped", cluster.Reason ?? "");
    }

    private Task SaveAsync(DaskClusterEntity cluster, ClusterState state) =>
        scoped.SaveStateAsync(gate, cluster, state, CancellationToken.None);

    [LoggerMessage(EventId = ClusterEvents.Stopped, Level = LogLevel.Information, Message = "Cluster {Cluster} {Outcome}: {Reason}")]
    private static partial void LogStopped(ILogger logger, string cluster, string outcome, string reason);

    [LoggerMessage(EventId = ClusterEvents.JobStopFailed, Level = LogLevel.Warning, Message = "Cluster {Cluster}: job {Job} did not stop")]
    private static partial void LogJobStopFailed(ILogger logger, Exception exception, string cluster, string job);
}
