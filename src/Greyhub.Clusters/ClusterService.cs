using System.Text.Json;
using Greyhub.Data.Entities;
using Greyhub.Data.Stores;
using Greyhub.Hub.Background;
using Greyhub.Scopes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Greyhub.Clusters;

/// <summary>
/// The rules of clusters: create, list, read, scale, adapt and stop (a scheduler's reports: <see cref="ClusterHeartbeats"/>). Every change
/// is written before the action it announces (a scheduler's job is in the row before anything waits on it).
/// </summary>
internal sealed partial class ClusterService(
    ScopedRunner scoped,
    ClusterGate gate,
    ClusterJobs jobs,
    ClusterStopper stopper,
    ClusterKeys keys,
    IOptions<ClustersOptions> options,
    TimeProvider time,
    ILogger<ClusterService> logger)
{
    private readonly ClustersOptions _options = options.Value;

    public Task<List<DaskClusterEntity>> ListAsync(string? user, IReadOnlyCollection<int>? statuses, CancellationToken cancellationToken) =>
        scoped.RunAsync((DaskClusterStore store) => store.ListAsync(user, statuses, cancellationToken));

    public Task<DaskClusterEntity?> FindAsync(string name, CancellationToken cancellationToken) =>
        scoped.RunAsync((DaskClusterStore store) => store.FindAsync(name, cancellationToken));

    /// <summary>
    /// The clusters whose owner <paramref name="filter"/> (the caller's <c>read:clusters</c>) covers, as JupyterHub lists
    /// users by scope: everyone's when unfiltered; else those of the users it names and of the groups' current members.
    /// </summary>
    public async Task<List<DaskClusterEntity>> ListVisibleAsync(ScopeFilter filter, IReadOnlyCollection<int>? statuses, CancellationToken cancellationToken)
    {
        var owners = await OwnersCoveredAsync(filter, cancellationToken);
        if (owners is null)
        {
            return await ListAsync(null, statuses, cancellationToken);
        }
        if (owners.Count == 1)
        {
            return await ListAsync(owners.First(), statuses, cancellationToken);
        }
        return owners.Count == 0 ? [] : [.. (await ListAsync(null, statuses, cancellationToken)).Where(c => owners.Contains(c.UserName))];
    }

    /// <summary>
    /// The users whose clusters <paramref name="filter"/> covers (null: everyone's): those it names, and the current
    /// members of the groups it names (one query, none when it names no group).
    /// </summary>
    public async Task<IReadOnlySet<string>?> OwnersCoveredAsync(ScopeFilter filter, CancellationToken cancellationToken)
    {
        if (filter.IsUnfiltered)
        {
            return null;
        }
        var owners = new HashSet<string>(filter.Users, StringComparer.Ordinal);
        if (filter.HasGroupFilters)
        {
            owners.UnionWith(await scoped.RunAsync((GroupStore store) => store.MembersOfAsync([.. filter.Groups], cancellationToken)));
        }
        return owners;
    }

    /// <summary>The groups <paramref name="user"/> belongs to now (for <c>!group=</c> scope filters on their clusters).</summary>
    public Task<IReadOnlyList<string>> GroupsOfAsync(string user, CancellationToken cancellationToken) =>
        scoped.RunAsync((UserStore store) => store.GroupsOfAsync(user, cancellationToken));

    /// <summary>The cluster, after waiting (up to <paramref name="patience"/>) while it is still pending.</summary>
    public async Task<DaskClusterEntity?> WaitAsync(string name, TimeSpan patience, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(patience);
        while (true)
        {
            var next = gate.NextChange;
            var cluster = await FindAsync(name, cancellationToken);
            if (cluster is null || cluster.Status != (int)ClusterStatus.Pending)
            {
                return cluster;
            }
            try
            {
                await next.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return cluster;
            }
        }
    }

    /// <summary>Creates a cluster for <paramref name="user"/> and launches its scheduler; returns its name.</summary>
    public Task<string> CreateAsync(string user, string group, ClusterProfile profile, JsonElement? requested, Dictionary<string, string>? clientVersions, CancellationToken cancellationToken)
    {
        var clusterOptions = ClusterOptionsSpec.Parse(requested, profile);
        var engine = jobs.Engine(_options.Engine);
        var begun = time.GetTimestamp();
        // The cluster's identity before the gate: a fresh key pair and token need no lock, and other changes wait less.
        var name = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var now = time.GetUtcNow();
        var (cert, key) = ClusterCredentials.Create(name, now);
        var (token, hash) = ClusterCredentials.NewToken();
        var protectedKey = keys.Protect(key);
        var credentials = time.GetTimestamp();
        return gate.RunAsync(async () =>
        {
            var entered = time.GetTimestamp();
            var active = await ListAsync(user, [(int)ClusterStatus.Pending, (int)ClusterStatus.Running], cancellationToken);
            if (active.Count >= _options.MaxClustersPerUser)
            {
                throw ClusterException.Unprocessable($"User {user} already has {active.Count} clusters running, the most allowed ({_options.MaxClustersPerUser})");
            }
            var checkedAt = time.GetTimestamp();
            var dir = jobs.WriteFiles(name, cert, key);
            var state = new ClusterState { Engine = engine.Name, ProfileGroup = group, Directory = dir, ClientVersions = clientVersions };
            // Stored with the row, before the launch: a hub that dies before storing the handle finds the job by its key.
            state.Launching.Add(ClusterJobs.Intent(ClusterJobs.SchedulerJobName(name), scheduler: true, now.UtcDateTime));
            var entity = new DaskClusterEntity
            {
                Name = name,
                UserName = user,
                Status = (int)ClusterStatus.Pending,
                Options = clusterOptions.ToJsonString(),
                TokenHash = hash,
                TlsCert = cert,
                TlsKey = protectedKey,
                State = state.Serialize(),
                CreatedAt = now.UtcDateTime,
            };
            var filesWritten = time.GetTimestamp();
            await scoped.RunAsync((DaskClusterStore store) => store.AddAsync(entity, cancellationToken));
            var stored = time.GetTimestamp();
            try
            {
                state.Scheduler = await engine.LaunchAsync(jobs.Scheduler(name, user, token, dir, profile, engine.RunsLocally), cancellationToken);
                CrashPoints.Reach(CrashPoints.SchedulerLaunched);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                state.Launching.Clear();
                entity.Status = (int)ClusterStatus.Failed;
                entity.Reason = "The scheduler did not launch: " + e.Message;
                entity.StoppedAt = now.UtcDateTime;
                await SaveAsync(entity, state, CancellationToken.None);
                throw ClusterException.Unprocessable(entity.Reason);
            }
            var launched = time.GetTimestamp();
            state.Launching.Clear();
            await SaveAsync(entity, state, CancellationToken.None);
            LogCreated(logger, name, user);
            if (logger.IsEnabled(LogLevel.Debug))
            {
                double total = Ms(begun, launched), credentialsMs = Ms(begun, credentials), gateMs = Ms(credentials, entered), checkMs = Ms(entered, checkedAt);
                double filesMs = Ms(checkedAt, filesWritten), rowMs = Ms(filesWritten, stored), launchMs = Ms(stored, launched), handleMs = Ms(launched, time.GetTimestamp());
                LogCreateTimes(logger, name, total, credentialsMs, gateMs, checkMs, filesMs, rowMs, launchMs, handleMs);
            }
            return name;
        }, cancellationToken);
    }

    /// <summary>Sets the worker count (adaptive off), clamped to the profile's limit.</summary>
    public Task ScaleAsync(string name, int count, int maxWorkers, CancellationToken cancellationToken) =>
        ChangeRunningAsync(name, state =>
        {
            state.Adapt = null;
            state.Target = Math.Min(count, maxWorkers);
        }, cancellationToken);

    /// <summary>Turns adaptive scaling on between the bounds (clamped to the limit), or off (keeping the current count).</summary>
    public Task AdaptAsync(string name, int? minimum, int? maximum, bool active, int maxWorkers, CancellationToken cancellationToken) =>
        ChangeRunningAsync(name, state =>
        {
            if (!active)
            {
                state.Target = state.Live.Count();
                state.Adapt = null;
                return;
            }
            var min = Math.Clamp(minimum ?? 0, 0, maxWorkers);
            var max = Math.Clamp(maximum ?? maxWorkers, min, maxWorkers);
            state.Adapt = new AdaptState(min, max);
        }, cancellationToken);

    private Task ChangeRunningAsync(string name, Action<ClusterState> change, CancellationToken cancellationToken) => gate.RunAsync(async () =>
    {
        var cluster = await FindAsync(name, cancellationToken) ?? throw ClusterException.NotFound(name);
        if (cluster.Status is not ((int)ClusterStatus.Pending or (int)ClusterStatus.Running))
        {
            throw ClusterException.Conflict($"Cluster {name} is not running");
        }
        var state = ClusterState.Parse(cluster.State);
        change(state);
        await SaveAsync(cluster, state, cancellationToken);
        // A pending cluster's workers launch on its scheduler's first report (ClusterHeartbeats): a pass now would find
        // nothing to do, and would take CPU from the scheduler's start.
        if (cluster.Status == (int)ClusterStatus.Running)
        {
            gate.RequestReconcile();
        }
    }, cancellationToken);

    /// <summary>Stops a cluster (idempotent).</summary>
    public Task StopAsync(string name, string reason, CancellationToken cancellationToken) =>
        gate.RunAsync(async () =>
        {
            if (await FindAsync(name, cancellationToken) is { } cluster)
            {
                await stopper.StopAsync(cluster, ClusterState.Parse(cluster.State), reason, failed: false);
            }
        }, cancellationToken);

    /// <summary>Stops every pending or running cluster of <paramref name="user"/>.</summary>
    public async Task StopAllAsync(string user, string reason, CancellationToken cancellationToken)
    {
        foreach (var cluster in await ListAsync(user, [(int)ClusterStatus.Pending, (int)ClusterStatus.Running], cancellationToken))
        {
            await StopAsync(cluster.Name, reason, cancellationToken);
        }
    }

    private Task SaveAsync(DaskClusterEntity cluster, ClusterState state, CancellationToken cancellationToken) =>
        scoped.SaveStateAsync(gate, cluster, state, cancellationToken);

    private double Ms(long from, long to) => Math.Round(time.GetElapsedTime(from, to).TotalMilliseconds, 2);

    // Where a create's time goes in the hub, up to the scheduler's launch (benchmarks/clusters reads it at Debug).
    [LoggerMessage(EventId = ClusterEvents.CreateTimes, Level = LogLevel.Debug, Message = "Cluster {Cluster}: scheduler launched {TotalMs} ms into the create: key and certificate {CredentialsMs} ms, gate wait {GateMs} ms, limit check {CheckMs} ms, files {FilesMs} ms, row written {RowMs} ms, job started {LaunchMs} ms; handle written after it {HandleMs} ms")]
    private static partial void LogCreateTimes(ILogger logger, string cluster, double totalMs, double credentialsMs, double gateMs, double checkMs, double filesMs, double rowMs, double launchMs, double handleMs);

    [LoggerMessage(EventId = ClusterEvents.Created, Level = LogLevel.Information, Message = "Cluster {Cluster} created for {User}")]
    private static partial void LogCreated(ILogger logger, string cluster, string user);
}
