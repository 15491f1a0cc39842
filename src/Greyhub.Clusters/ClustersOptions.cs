namespace Greyhub.Clusters;

/// <summary>Dask clusters (<c>Greyhub:Clusters</c>): where they run, their limits, and when they are stopped.</summary>
public sealed class ClustersOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Greyhub:Clusters";

    /// <summary>
    /// The compute engine that runs schedulers and workers (a registered <c>IComputeEngine</c>'s name); empty means the
    /// engine the hub runs Jupyter servers on (<c>Greyhub:Spawner:Engine</c>), so clusters run where servers do.
    /// </summary>
    public string Engine { get; set; } = "";

    /// <summary>The address of the clusters' TLS port (every scheduler behind one port, routed by SNI).</summary>
    public string TlsIp { get; set; } = "127.0.0.1";

    /// <summary>The clusters' TLS port; 0 picks a free one at each start (clients read it from the API).</summary>
    public int TlsPort { get; set; }

    /// <summary>The scheduler program (Debian's <c>dask-scheduler</c>, unchanged).</summary>
    public string SchedulerCommand { get; set; } = "/usr/bin/dask-scheduler";

    /// <summary>The worker program (Debian's <c>dask-worker</c>, unchanged).</summary>
    public string WorkerCommand { get; set; } = "/usr/bin/dask-worker";

    /// <summary>
    /// Folder holding the <c>greyhub</c> Python package (the scheduler preload), as the jobs see it; when empty, the copy
    /// next to the hub is copied into each cluster's folder (which jobs on any engine see) and used from there.
    /// </summary>
    public string PythonPath { get; set; } = "";

    /// <summary>Folder for each cluster's files (credentials, working folder); <c>{DataDir}/clusters</c> when empty.</summary>
    public string Directory { get; set; } = "";

    /// <summary>
    /// A cluster running no task for this long is stopped. On by default (Dask Gateway's is off, and idle clusters are
    /// its users' first complaint); <see cref="TimeSpan.Zero"/> turns it off.
    /// </summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// A cluster whose clients all went away (their connections closed: kernel ended, killed, network lost) is stopped
    /// after this long without a client. The clients' own heartbeats to the scheduler keep their connections known;
    /// <see cref="TimeSpan.Zero"/> turns it off.
    /// </summary>
    public TimeSpan ClientTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How often the scheduler reports to the hub.</summary>
    public TimeSpan HeartbeatPeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A running cluster whose scheduler has not reported for this long is failed and its jobs stopped.</summary>
    public TimeSpan HeartbeatTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Time from launch for a scheduler to report, or a worker to connect, before it counts as failed.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How often the hub compares each cluster's jobs with what they should be.</summary>
    public TimeSpan ReconcilePeriod { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often the scheduler recomputes its adaptive target.</summary>
    public TimeSpan AdaptivePeriod { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Consecutive worker starts that fail before the cluster fails with the reason.</summary>
    public int WorkerStartFailureLimit { get; set; } = 3;

    /// <summary>Stop a user's clusters when one of their servers stops.</summary>
    public bool StopWithServer { get; set; } = true;

    /// <summary>Fail a cluster whose scheduler's Python, dask or distributed version differs from its client's (else: a warning).</summary>
    public bool RefuseVersionMismatch { get; set; }

    /// <summary>Clusters a user may have pending or running at once.</summary>
    public int MaxClustersPerUser { get; set; } = 5;

    /// <summary>How long a stopped cluster's record stays listed.</summary>
    public TimeSpan StoppedRetention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Options and limits for every user not in one of <see cref="Groups"/>.</summary>
    public ClusterProfile Defaults { get; set; } = new();

    /// <summary>Options and limits by group name; a user in several gets the first by name.</summary>
    public Dictionary<string, ClusterProfile> Groups { get; set; } = [];
}

/// <summary>What users of a group may ask for, and what they get by default.</summary>
public sealed class ClusterProfile
{
    /// <summary>Default cores per worker (threads).</summary>
    public double WorkerCores { get; set; } = 1;

    /// <summary>Most cores per worker a user may ask for.</summary>
    public double MaxWorkerCores { get; set; } = 4;

    /// <summary>Default memory per worker, in GiB.</summary>
    public double WorkerMemoryGiB { get; set; } = 2;

    /// <summary>Most memory per worker a user may ask for, in GiB.</summary>
    public double MaxWorkerMemoryGiB { get; set; } = 8;

    /// <summary>Most workers in one cluster (scale and adapt are clamped to it).</summary>
    public int MaxWorkers { get; set; } = 20;

    /// <summary>Environment variables of the scheduler and workers.</summary>
    public Dictionary<string, string> Environment { get; set; } = [];

    /// <summary>Container image for engines that run images; the engine's default when empty.</summary>
    public string Image { get; set; } = "";
}
