using System.Text.Json;
using Greyhub.Data.Entities;
using Greyhub.Data.Stores;
using Greyhub.Hub.Background;
using Greyhub.Scopes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Greyhub.Clusters;

/// <summary>
/// The rules of clusters: create, list, read, scale, adapt, stop, and what a scheduler's heartbeat changes. Every change
/// is written before the action it announces (a scheduler's job is in the row before anything waits on it).
/// </summary>
internal sealed partial class ClusterService(
    ScopedRunner scoped,
    ClusterGate gate,
    ClusterJobs jobs,
    ClusterStopper stopper,
    ClusterRoutes routes,
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
        return gate.RunAsync(async () =>
        {
            var active = await ListAsync(user, [(int)ClusterStatus.Pending, (int)ClusterStatus.Running], cancellationToken);
            if (active.Count >= _options.MaxClustersPerUser)
            {
                throw ClusterException.Unprocessable($"User {user} already has {active.Count} clusters running, the most allowed ({_options.MaxClustersPerUser})");
            }
            var name = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
            var now = time.GetUtcNow();
            var (cert, key) = ClusterCredentials.Create(name, now);
            var (token, hash) = ClusterCredentials.NewToken();
            var dir = jobs.WriteFiles(name, cert, key);
            var engine = jobs.Engine(_options.Engine);
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
                TlsKey = keys.Protect(key),
                State = state.Serialize(),
                CreatedAt = now.UtcDateTime,
            };
            await scoped.RunAsync((DaskClusterStore store) => store.AddAsync(entity, cancellationToken));
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
            state.Launching.Clear();
            await SaveAsync(entity, state, CancellationToken.None);
            LogCreated(logger, name, user);
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
        gate.RequestReconcile();
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

    /// <summary>A scheduler's report: addresses, workers, adaptive target, clients, idleness, versions.</summary>
    public Task<bool> HeartbeatAsync(string name, string token, SchedulerHeartbeat beat, CancellationToken cancellationToken) =>
        gate.RunAsync(async () =>
        {
            var cluster = await FindAsync(name, cancellationToken);
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
                // Workers asked for while pending can launch now that the scheduler has an address.
                gate.RequestReconcile();
                if (VersionCheck.Compare(state.ClientVersions, state.Versions) is { } mismatch)
                {
                    if (_options.RefuseVersionMismatch)
                    {
                        await stopper.StopAsync(cluster, state, mismatch + " (refused by configuration)", failed: true);
                        return true;
                    }
                    state.Warnings.Add(mismatch);
                }
            }
            await SaveAsync(cluster, state, cancellationToken);
            return true;
        }, cancellationToken);

    private Task SaveAsync(DaskClusterEntity cluster, ClusterState state, CancellationToken cancellationToken) =>
        scoped.SaveStateAsync(gate, cluster, state, cancellationToken);

    [LoggerMessage(EventId = ClusterEvents.Created, Level = LogLevel.Information, Message = "Cluster {Cluster} created for {User}")]
    private static partial void LogCreated(ILogger logger, string cluster, string user);

    [LoggerMessage(EventId = ClusterEvents.Running, Level = LogLevel.Information, Message = "Cluster {Cluster} running at {Address}")]
    private static partial void LogRunning(ILogger logger, string cluster, string address);
}
