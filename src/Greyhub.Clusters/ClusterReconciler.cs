using Greyhub.Abstractions.Compute;
using Greyhub.Data.Entities;
using Greyhub.Data.Stores;
using Greyhub.Hub.Background;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Greyhub.Clusters;

/// <summary>
/// Brings every active cluster's jobs to what they should be, each period: one status query per engine for all jobs,
/// then per cluster: a dead scheduler fails it, a silent one too, an idle or abandoned one is stopped, a stopping one
/// (a hub died mid-stop) is finished, dead workers are replaced (and failed starts counted to the limit), and workers are
/// launched or retired to the target. A restarted hub runs the same pass over the same rows: that is the re-adoption.
/// </summary>
internal sealed partial class ClusterReconciler(
    ScopedRunner scoped,
    ClusterGate gate,
    ClusterJobs jobs,
    ClusterStopper stopper,
    ClusterRoutes routes,
    ClusterScaler scaler,
    IOptions<ClustersOptions> options,
    TimeProvider time,
    ILogger<ClusterReconciler> logger)
{
    private readonly ClustersOptions _options = options.Value;

    // Silence is counted from this hub's first pass at the earliest. That pass runs once the hub listens (the jobs start
    // after ApplicationStarted): before, no scheduler could report, and a loaded machine may take many seconds to listen.
    private DateTime? _firstPass;
    private static readonly int[] Active = [(int)ClusterStatus.Pending, (int)ClusterStatus.Running, (int)ClusterStatus.Stopping];

    public Task RunOnceAsync(CancellationToken cancellationToken) => gate.RunAsync(async () =>
    {
        _firstPass ??= time.GetUtcNow().UtcDateTime;
        var clusters = await scoped.RunAsync((DaskClusterStore store) => store.ListAsync(null, Active, cancellationToken));
        if (clusters.Count == 0)
        {
            return;
        }
        var states = clusters.ToDictionary(c => c.Name, c => ClusterState.Parse(c.State));
        var statuses = new Dictionary<JobHandle, JobStatus>();
        foreach (var byEngine in states.Values.GroupBy(s => s.Engine))
        {
            var handles = byEngine.SelectMany(s => s.Workers.Select(w => w.Job).Append(s.Scheduler)).OfType<JobHandle>().Distinct().ToList();
            if (handles.Count == 0)
            {
                continue;
            }
            var found = await jobs.Engine(byEngine.Key).GetStatusAsync(handles, cancellationToken);
            for (var i = 0; i < handles.Count; i++)
            {
                statuses[handles[i]] = found[i];
            }
        }
        foreach (var cluster in clusters)
        {
            try
            {
                await ReconcileAsync(cluster, states[cluster.Name], statuses, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogReconcileFailed(logger, e, cluster.Name);
            }
        }
    }, cancellationToken);

    private async Task ReconcileAsync(DaskClusterEntity cluster, ClusterState state, Dictionary<JobHandle, JobStatus> statuses, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        if (state.Launching.Count > 0)
        {
            await AdoptLaunchesAsync(cluster, state, statuses, cancellationToken);
        }
        if (cluster.Status == (int)ClusterStatus.Stopping)
        {
            await stopper.StopAsync(cluster, state, cluster.Reason ?? "stopped", state.Failing);
            return;
        }
        var engine = jobs.Engine(state.Engine);
        if (state.Scheduler is null || statuses.GetValueOrDefault(state.Scheduler) is not { } scheduler || scheduler.Phase == JobPhase.Exited)
        {
            var why = state.Scheduler is null ? "the scheduler was never launched" : await ExitReasonAsync(engine, state.Scheduler, statuses.GetValueOrDefault(state.Scheduler), cancellationToken);
            await stopper.StopAsync(cluster, state, "The scheduler ended: " + why, failed: true);
            return;
        }
        // Like silence, a start is timed from this hub's first pass at the earliest: while no hub ran, no scheduler could report.
        var since = _firstPass ?? now;
        if (cluster.Status == (int)ClusterStatus.Pending && now - (cluster.CreatedAt > since ? cluster.CreatedAt : since) > _options.StartTimeout)
        {
            var log = await engine.ReadLogAsync(state.Scheduler, 2000, cancellationToken);
            await stopper.StopAsync(cluster, state, $"The scheduler did not report within {_options.StartTimeout.TotalSeconds:0} s. Its output:\n{log}", failed: true);
            return;
        }
        if (cluster.Status != (int)ClusterStatus.Running)
        {
            return;
        }
        routes.Set(cluster.Name, state.SchedulerAddress);
        if (state.LastHeartbeat is { } last && (last > since ? last : since) is var beat && now - beat > _options.HeartbeatTimeout)
        {
            await stopper.StopAsync(cluster, state, $"The scheduler stopped reporting ({(now - beat).TotalSeconds:0} s since its last heartbeat)", failed: true);
            return;
        }
        if (_options.IdleTimeout > TimeSpan.Zero && state.IdleSince is { } idle && now - idle > _options.IdleTimeout)
        {
            await stopper.StopAsync(cluster, state, $"Idle: no task for {_options.IdleTimeout} (Greyhub:Clusters:IdleTimeout)", failed: false);
            return;
        }
        if (_options.ClientTimeout > TimeSpan.Zero && state.NoClientSince is { } gone && now - gone > _options.ClientTimeout)
        {
            await stopper.StopAsync(cluster, state, $"No client connected for {_options.ClientTimeout} (Greyhub:Clusters:ClientTimeout): its notebook or script is gone", failed: false);
            return;
        }
        var changed = await ReplaceDeadWorkersAsync(cluster, state, statuses, engine, now, since, cancellationToken);
        if (cluster.Status != (int)ClusterStatus.Running)
        {
            return;
        }
        var saved = await scaler.ScaleToTargetAsync(cluster, state, now, cancellationToken);
        if (changed && !saved)
        {
            await SaveAsync(cluster, state, CancellationToken.None);
        }
    }

    private async Task<bool> ReplaceDeadWorkersAsync(DaskClusterEntity cluster, ClusterState state, Dictionary<JobHandle, JobStatus> statuses, IComputeEngine engine, DateTime now, DateTime since, CancellationToken cancellationToken)
    {
        var changed = false;
        foreach (var worker in state.Workers.ToList())
        {
            var status = statuses.GetValueOrDefault(worker.Job);
            var ended = status is null || status.Phase == JobPhase.Exited;
            // Timed from this hub's first pass at the earliest, as the scheduler's start is: a worker launched just before
            // a hub died may have connected long ago, but only heartbeats this hub receives can say so.
            var late = !ended && !worker.Connected && now - (worker.LaunchedAt > since ? worker.LaunchedAt : since) > _options.StartTimeout;
            if (!ended && !late)
            {
                continue;
            }
            if (late)
            {
                await engine.StopAsync(worker.Job, TimeSpan.FromSeconds(2), cancellationToken);
            }
            state.Workers.Remove(worker);
            changed = true;
            if (worker.Stopping)
            {
                continue;
            }
            if (worker.Connected)
            {
                // It ran and died (killed, out of memory): replaced below, not a failed start.
                LogWorkerReplaced(logger, cluster.Name, worker.Name);
                continue;
            }
            state.WorkerFailures++;
            var why = late ? $"did not connect within {_options.StartTimeout.TotalSeconds:0} s" : await ExitReasonAsync(engine, worker.Job, status, cancellationToken);
            LogWorkerFailed(logger, cluster.Name, worker.Name, why, state.WorkerFailures);
            if (state.WorkerFailures >= _options.WorkerStartFailureLimit)
            {
                await stopper.StopAsync(cluster, state, $"{state.WorkerFailures} workers in a row failed to start; the last {why}", failed: true);
                return true;
            }
        }
        return changed;
    }

    /// <summary>
    /// Launches a previous hub wrote and did not finish (only a dead hub leaves them: launches happen under the gate this
    /// pass holds): their jobs, when the engine finds them by key, become the cluster's scheduler or workers again.
    /// </summary>
    private async Task AdoptLaunchesAsync(DaskClusterEntity cluster, ClusterState state, Dictionary<JobHandle, JobStatus> statuses, CancellationToken cancellationToken)
    {
        var found = await jobs.ResolveLaunchesAsync(state, cancellationToken);
        foreach (var (intent, job) in found)
        {
            if (intent.Scheduler)
            {
                state.Scheduler ??= job;
            }
            else
            {
                state.Workers.Add(new WorkerState { Name = intent.Name, Job = job, LaunchedAt = intent.At });
            }
            LogLaunchAdopted(logger, cluster.Name, intent.Name, job.Id);
        }
        if (found.Count > 0)
        {
            var handles = found.Select(f => f.Job).ToList();
            var foundStatuses = await jobs.Engine(state.Engine).GetStatusAsync(handles, cancellationToken);
            for (var i = 0; i < handles.Count; i++)
            {
                statuses[handles[i]] = foundStatuses[i];
            }
        }
        await SaveAsync(cluster, state, CancellationToken.None);
    }

    private static async Task<string> ExitReasonAsync(IComputeEngine engine, JobHandle job, JobStatus? status, CancellationToken cancellationToken)
    {
        var log = await engine.ReadLogAsync(job, 1500, cancellationToken);
        var code = status?.ExitCode is { } c ? $"exit code {c}" : status?.Reason ?? "not found";
        return log.Length == 0 ? code : $"{code}. Its output:\n{log}";
    }

    private Task SaveAsync(DaskClusterEntity cluster, ClusterState state, CancellationToken cancellationToken) =>
        scoped.SaveStateAsync(gate, cluster, state, cancellationToken);

    [LoggerMessage(EventId = ClusterEvents.LaunchAdopted, Level = LogLevel.Warning, Message = "Cluster {Cluster}: job {Job} ({JobId}), launched just before a previous hub stopped, found by its key and adopted")]
    private static partial void LogLaunchAdopted(ILogger logger, string cluster, string job, string jobId);


    [LoggerMessage(EventId = ClusterEvents.WorkerFailed, Level = LogLevel.Warning, Message = "Cluster {Cluster}: worker {Worker} failed to start ({Failures} in a row): {Reason}")]
    private static partial void LogWorkerFailed(ILogger logger, string cluster, string worker, string reason, int failures);

    [LoggerMessage(EventId = ClusterEvents.WorkerReplaced, Level = LogLevel.Warning, Message = "Cluster {Cluster}: worker {Worker} ended; replacing it")]
    private static partial void LogWorkerReplaced(ILogger logger, string cluster, string worker);


    [LoggerMessage(EventId = ClusterEvents.ReconcileFailed, Level = LogLevel.Error, Message = "Cluster {Cluster}: reconciling failed; retrying next period")]
    private static partial void LogReconcileFailed(ILogger logger, Exception exception, string cluster);
}
