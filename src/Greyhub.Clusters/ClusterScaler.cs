using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Greyhub.Abstractions.Compute;
using Greyhub.Data.Entities;
using Greyhub.Hub.Background;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Greyhub.Clusters;

/// <summary>
/// Launches or retires a cluster's workers to its target, each launch written down before it is made. Used by the
/// reconciler's pass and by the scheduler's first report (the workers asked for while the cluster was pending launch in
/// that request, the moment their scheduler's address is known). Callers hold the <see cref="ClusterGate"/>.
/// </summary>
internal sealed partial class ClusterScaler(
    ScopedRunner scoped,
    ClusterGate gate,
    ClusterJobs jobs,
    IOptions<ClustersOptions> options,
    TimeProvider time,
    ILogger<ClusterScaler> logger)
{
    private readonly ClustersOptions _options = options.Value;

    // Bounded, so that scaling to hundreds does not start hundreds of sbatch or podman calls at once.
    private const int MaxParallelLaunches = 8;

    /// <summary>Launches or retires workers to the target; true when it wrote the state (the whole of it, as it is now).</summary>
    public async Task<bool> ScaleToTargetAsync(DaskClusterEntity cluster, ClusterState state, DateTime now, CancellationToken cancellationToken)
    {
        var engine = jobs.Engine(state.Engine);
        var profile = ClusterOptionsSpec.Named(_options, state.ProfileGroup);
        var desired = state.Desired(profile.MaxWorkers);
        var live = state.Live.ToList();
        if (live.Count > desired)
        {
            // Retire the ones doing least first: not yet connected, then the newest. All are marked in one write before
            // any is signalled, then stopped together (each job's stop waits for its process to end).
            var retiring = live.OrderBy(w => w.Connected).ThenByDescending(w => w.LaunchedAt).Take(live.Count - desired).ToList();
            foreach (var worker in retiring)
            {
                worker.Stopping = true;
            }
            await SaveAsync(cluster, state);
            await Task.WhenAll(retiring.Select(async worker =>
            {
                await engine.StopAsync(worker.Job, TimeSpan.FromSeconds(5), cancellationToken);
                LogWorkerRetired(logger, cluster.Name, worker.Name);
            }));
            return true;
        }
        if (live.Count == desired || state.SchedulerAddress is not { } address)
        {
            return false;
        }
        var start = time.GetTimestamp();
        // Every launch's intent first, in one write (with whatever else changed, such as the running status): a hub that
        // dies during the launches finds each job it made by its key (an intent with no job is dropped then), so no job
        // is unknown to the database at any moment.
        var intents = Enumerable.Range(0, desired - live.Count)
            .Select(_ => ClusterJobs.Intent($"dask-worker-{cluster.Name}-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4))}", scheduler: false, now))
            .ToList();
        state.Launching.AddRange(intents);
        await SaveAsync(cluster, state);
        var written = time.GetTimestamp();
        var clusterOptions = JsonNode.Parse(cluster.Options)?.AsObject() ?? [];
        // The launches run side by side (engines take concurrent launches, as in a spawn storm): a container or a batch
        // job takes seconds to start, and eight in a row made a cluster of eight wait for the sum.
        var launched = new ConcurrentQueue<(LaunchIntent Intent, JobHandle Handle)>();
        long launchesDone;
        try
        {
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = MaxParallelLaunches, CancellationToken = cancellationToken };
            await Parallel.ForEachAsync(intents, parallel, async (intent, ct) =>
            {
                var handle = await engine.LaunchAsync(jobs.Worker(cluster.Name, cluster.UserName, intent.Name, address, state.Directory, profile, clusterOptions), ct);
                CrashPoints.Reach(CrashPoints.WorkerLaunched);
                launched.Enqueue((intent, handle));
                LogWorkerLaunched(logger, cluster.Name, intent.Name);
            });
        }
        finally
        {
            launchesDone = time.GetTimestamp();
            // The handles of the launches made, in one write (also when one failed: the next pass looks up the rest by key).
            foreach (var (intent, handle) in launched)
            {
                state.Launching.Remove(intent);
                state.Workers.Add(new WorkerState { Name = intent.Name, Job = handle, LaunchedAt = now });
            }
            await SaveAsync(cluster, state);
        }
        if (logger.IsEnabled(LogLevel.Debug))
        {
            var end = time.GetTimestamp();
            double total = Ms(start, end), intentsMs = Ms(start, written), launchMs = Ms(written, launchesDone), handlesMs = Ms(launchesDone, end);
            LogLaunchTimes(logger, cluster.Name, launched.Count, total, intentsMs, launchMs, handlesMs);
        }
        return true;
    }

    private double Ms(long from, long to) => Math.Round(time.GetElapsedTime(from, to).TotalMilliseconds, 2);

    // Once launching, the writes finish even when the caller gives up: the state must say which jobs exist.
    private Task SaveAsync(DaskClusterEntity cluster, ClusterState state) =>
        scoped.SaveStateAsync(gate, cluster, state, CancellationToken.None);

    [LoggerMessage(EventId = ClusterEvents.WorkerLaunched, Level = LogLevel.Information, Message = "Cluster {Cluster}: worker {Worker} launched")]
    private static partial void LogWorkerLaunched(ILogger logger, string cluster, string worker);

    [LoggerMessage(EventId = ClusterEvents.WorkerRetired, Level = LogLevel.Information, Message = "Cluster {Cluster}: worker {Worker} retired")]
    private static partial void LogWorkerRetired(ILogger logger, string cluster, string worker);

    // Where a scale-up's time goes in the hub (benchmarks/clusters reads it at Debug).
    [LoggerMessage(EventId = ClusterEvents.LaunchTimes, Level = LogLevel.Debug, Message = "Cluster {Cluster}: {Count} workers launched in {TotalMs} ms: intents written {IntentsMs} ms, jobs started {LaunchMs} ms, handles written {HandlesMs} ms")]
    private static partial void LogLaunchTimes(ILogger logger, string cluster, int count, double totalMs, double intentsMs, double launchMs, double handlesMs);
}
