using System.Text.Json;
using System.Text.Json.Serialization;
using Greyhub.Abstractions.Compute;

namespace Greyhub.Clusters;

/// <summary>Dask Gateway's cluster statuses, with its numbers (its JSON carries the names).</summary>
internal enum ClusterStatus
{
    Pending = 1,
    Running = 2,
    Stopping = 3,
    Stopped = 4,
    Failed = 5,
}

/// <summary>The jobs, target and last report of a cluster: the <c>State</c> column, written before every action.</summary>
internal sealed class ClusterState
{
    /// <summary>The scheduler's job, once launched.</summary>
    public JobHandle? Scheduler { get; set; }

    /// <summary>The engine that runs the cluster's jobs.</summary>
    public string Engine { get; set; } = "";

    /// <summary>The group whose profile the cluster runs with; empty for the defaults.</summary>
    public string ProfileGroup { get; set; } = "";

    /// <summary>The cluster's folder (credentials, working folder).</summary>
    public string Directory { get; set; } = "";

    /// <summary>The worker jobs.</summary>
    public List<WorkerState> Workers { get; set; } = [];

    /// <summary>
    /// Launches written before they are made and removed once their job is stored: one left over means the hub died in
    /// between, and its job is looked up by key (<see cref="IComputeEngine.FindAsync"/>) rather than orphaned.
    /// </summary>
    public List<LaunchIntent> Launching { get; set; } = [];

    /// <summary>Workers asked for by scale (used while adaptive is off).</summary>
    public int Target { get; set; }

    /// <summary>Adaptive bounds, when adaptive is on.</summary>
    public AdaptState? Adapt { get; set; }

    /// <summary>The scheduler's latest adaptive target.</summary>
    public int? AdaptiveTarget { get; set; }

    /// <summary>The scheduler's TLS address, once it reported.</summary>
    public string? SchedulerAddress { get; set; }

    /// <summary>The scheduler's dashboard address, when it serves one.</summary>
    public string? DashboardAddress { get; set; }

    /// <summary>When the scheduler last reported.</summary>
    public DateTime? LastHeartbeat { get; set; }

    /// <summary>When the cluster became running.</summary>
    public DateTime? StartedAt { get; set; }

    /// <summary>Python, dask and distributed versions the scheduler reported.</summary>
    public Dictionary<string, string>? Versions { get; set; }

    /// <summary>Versions the client that created the cluster sent.</summary>
    public Dictionary<string, string>? ClientVersions { get; set; }

    /// <summary>Warnings for the owner (a version mismatch).</summary>
    public List<string> Warnings { get; set; } = [];

    /// <summary>Consecutive worker starts that failed.</summary>
    public int WorkerFailures { get; set; }

    /// <summary>Whether a client has ever connected.</summary>
    public bool HadClient { get; set; }

    /// <summary>Since when no client is connected (after one was).</summary>
    public DateTime? NoClientSince { get; set; }

    /// <summary>Since when the scheduler runs no task.</summary>
    public DateTime? IdleSince { get; set; }

    /// <summary>Whether the stop in progress ends as failed.</summary>
    public bool Failing { get; set; }

    /// <summary>Workers running and not being retired.</summary>
    [JsonIgnore]
    public IEnumerable<WorkerState> Live => Workers.Where(w => !w.Stopping);

    /// <summary>How many workers the cluster should have now.</summary>
    public int Desired(int maxWorkers) => Adapt is { } a
        ? Math.Clamp(AdaptiveTarget ?? a.Minimum, a.Minimum, Math.Min(a.Maximum, maxWorkers))
        : Math.Min(Target, maxWorkers);

    public static ClusterState Parse(string json) => JsonSerializer.Deserialize(json, ClusterJson.Default.ClusterState) ?? new ClusterState();

    public string Serialize() => JsonSerializer.Serialize(this, ClusterJson.Default.ClusterState);
}

/// <summary>A worker job.</summary>
internal sealed class WorkerState
{
    public required string Name { get; set; }

    public required JobHandle Job { get; set; }

    public DateTime LaunchedAt { get; set; }

    /// <summary>Seen by the scheduler.</summary>
    public bool Connected { get; set; }

    /// <summary>Being retired by the hub (scale down, stop).</summary>
    public bool Stopping { get; set; }

    /// <summary>
    /// Connected once, but absent from the scheduler's latest report: it ended or lost the scheduler. Not counted as a
    /// connected worker, though its job stays the hub's until the reconciler sees it end.
    /// </summary>
    public bool Missing { get; set; }

    /// <summary>Connected, and in the scheduler's latest report: what the API and the page count as a worker.</summary>
    [JsonIgnore]
    public bool Reported => Connected && !Missing;
}

/// <summary>A job about to be launched: its name and idempotency key (<see cref="JobSpec.Key"/>), and when.</summary>
internal sealed class LaunchIntent
{
    /// <summary>The job's name; for a worker, also the worker's name in Dask.</summary>
    public required string Name { get; set; }

    public required string Key { get; set; }

    /// <summary>True for the scheduler, false for a worker.</summary>
    public bool Scheduler { get; set; }

    public DateTime At { get; set; }
}

/// <summary>Adaptive bounds.</summary>
internal sealed record AdaptState(int Minimum, int Maximum);

/// <summary>What the scheduler preload reports (Dask Gateway's heartbeat fields plus Greyhub's).</summary>
internal sealed class SchedulerHeartbeat
{
    [JsonPropertyName("scheduler_address")]
    public string? SchedulerAddress { get; set; }

    [JsonPropertyName("dashboard_address")]
    public string? DashboardAddress { get; set; }

    [JsonPropertyName("count")]
    public int? Count { get; set; }

    [JsonPropertyName("active_workers")]
    public List<string> ActiveWorkers { get; set; } = [];

    [JsonPropertyName("closed_workers")]
    public List<string> ClosedWorkers { get; set; } = [];

    [JsonPropertyName("n_clients")]
    public int Clients { get; set; }

    [JsonPropertyName("had_client")]
    public bool HadClient { get; set; }

    [JsonPropertyName("idle_seconds")]
    public double? IdleSeconds { get; set; }

    [JsonPropertyName("versions")]
    public Dictionary<string, string>? Versions { get; set; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ClusterState))]
[JsonSerializable(typeof(SchedulerHeartbeat))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class ClusterJson : JsonSerializerContext;
