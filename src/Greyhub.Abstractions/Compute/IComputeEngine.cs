namespace Greyhub.Abstractions.Compute;

/// <summary>
/// Runs jobs somewhere: a local process, a Slurm job, a container. Jupyter servers, Dask workers and experiment
/// trials are all jobs, so an engine is written once and serves them all. Engines persist nothing themselves: the
/// opaque <see cref="JobHandle.State"/> they return is stored by the caller before anything else happens, so a
/// restarted hub can re-attach to every job it launched — and never touches one it did not.
/// </summary>
public interface IComputeEngine
{
    /// <summary>Name that configuration uses to pick this engine (e.g. <c>local</c>, <c>slurm</c>).</summary>
    string Name { get; }

    /// <summary>
    /// True when jobs run as processes of this machine, seeing its programs, files and <c>PATH</c> (the local engine):
    /// a caller may then check a job's program here before it launches one. False (the default) for engines whose jobs
    /// run elsewhere (a Slurm node, a container image), where only the job itself can tell.
    /// </summary>
    bool RunsLocally => false;

    /// <summary>Launches a job; returns once the engine has accepted it (it may still be pending).</summary>
    Task<JobHandle> LaunchAsync(JobSpec spec, CancellationToken cancellationToken);

    /// <summary>The status of many jobs in one query (engines must not call their backend once per job).</summary>
    Task<IReadOnlyList<JobStatus>> GetStatusAsync(IReadOnlyList<JobHandle> jobs, CancellationToken cancellationToken);

    /// <summary>Stops a job: asks it to end, then forces it after <paramref name="grace"/>. Stopping an ended job is not an error.</summary>
    Task StopAsync(JobHandle job, TimeSpan grace, CancellationToken cancellationToken);

    /// <summary>The last <paramref name="maxBytes"/> of the job's combined output.</summary>
    Task<string> ReadLogAsync(JobHandle job, int maxBytes, CancellationToken cancellationToken);

    /// <summary>
    /// The job this engine launched from <paramref name="spec"/> (matched by its <see cref="JobSpec.Key"/>), running or
    /// ended but still known; null when there is none. A caller stores the key before it launches, so a job launched
    /// just before a crash, whose handle was never stored, is found again instead of orphaned. Engines that cannot look
    /// jobs up by key keep this default (null): for them that window stays open.
    /// </summary>
    Task<JobHandle?> FindAsync(JobSpec spec, CancellationToken cancellationToken) => Task.FromResult<JobHandle?>(null);
}

/// <summary>What to run.</summary>
public sealed record JobSpec
{
    /// <summary>A name for people and logs (e.g. <c>jupyter-alice</c>).</summary>
    public required string Name { get; init; }

    /// <summary>The program and its arguments.</summary>
    public required IReadOnlyList<string> Command { get; init; }

    /// <summary>The job's whole environment (nothing of the engine's own leaks in unless listed here).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Container image to run the command in, for engines that run images (<c>containers</c>); null means the engine's
    /// default image. Such engines refuse an image that their configuration does not allow; engines that run no
    /// images (local processes, plain Slurm jobs) ignore it.
    /// </summary>
    public string? Image { get; init; }

    /// <summary>Working folder, created if missing; the engine's default when null.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Resources to ask for or enforce.</summary>
    public JobResources Resources { get; init; } = new();

    /// <summary>Labels that mark the job (owner, kind); engines that can store them do.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// An idempotency key the caller chose and stored before launching (letters, digits, <c>-</c>, <c>_</c>, at most 64):
    /// engines record it with the job (a label, its Slurm comment, its environment) so that
    /// <see cref="IComputeEngine.FindAsync"/> finds the job by it. One key names one launch.
    /// </summary>
    public string? Key { get; init; }

    /// <summary>Whether <paramref name="key"/> is a valid <see cref="Key"/>; engines refuse to launch a job with an invalid one.</summary>
    public static bool IsValidKey(string key) =>
        key is { Length: > 0 and <= 64 } && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    /// <summary>When set, the engine picks a free port for the job and passes it in this environment variable.</summary>
    public string? PortVariable { get; init; }

    /// <summary>
    /// When set, the engine passes the address the job must bind to in this environment variable (loopback for a local
    /// process, all interfaces inside a container or on a compute node); <see cref="JobStatus.Host"/> says where to connect.
    /// </summary>
    public string? HostVariable { get; init; }
}

/// <summary>Resources of a job; null means the engine's default.</summary>
public sealed record JobResources
{
    /// <summary>CPU cores.</summary>
    public double? Cpus { get; init; }

    /// <summary>Memory in bytes.</summary>
    public long? MemoryBytes { get; init; }

    /// <summary>GPUs.</summary>
    public int? Gpus { get; init; }

    /// <summary>Wall-clock limit.</summary>
    public TimeSpan? TimeLimit { get; init; }
}

/// <summary>A launched job: the engine's name and its opaque, serialisable state.</summary>
/// <param name="Engine">The engine that launched it.</param>
/// <param name="Id">The engine's id for the job (process id, Slurm job id, container id), for people and logs.</param>
/// <param name="State">Opaque JSON the engine needs to find the job again after a restart.</param>
public sealed record JobHandle(string Engine, string Id, string State);

/// <summary>Where a job is in its life.</summary>
public enum JobPhase
{
    /// <summary>Accepted, not running yet (queued, pulling an image).</summary>
    Pending,

    /// <summary>Running.</summary>
    Running,

    /// <summary>Ended (or never found).</summary>
    Exited,
}

/// <summary>A job's status.</summary>
/// <param name="Phase">Pending, running or exited.</param>
/// <param name="Host">Where it listens, when known.</param>
/// <param name="Port">Its port, when known.</param>
/// <param name="ExitCode">Exit code when exited and known.</param>
/// <param name="Reason">Why it is pending or ended, in words for people (e.g. "Pending in queue: Resources").</param>
public sealed record JobStatus(JobPhase Phase, string? Host = null, int? Port = null, int? ExitCode = null, string? Reason = null);
