namespace Greyhub.Compute.Slurm;

/// <summary>How the engine talks to Slurm.</summary>
public enum SlurmTransport
{
    /// <summary>The <c>sbatch</c>, <c>squeue</c>, <c>scancel</c> and <c>scontrol</c> commands (Slurm's client tools on the hub's machine).</summary>
    Cli,

    /// <summary>slurmrestd's REST API (OpenAPI <c>v0.0.38</c>) with JWT authentication.</summary>
    Rest,
}

/// <summary>Options of the Slurm engine (<c>Greyhub:Compute:Slurm</c>).</summary>
public sealed class SlurmEngineOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Greyhub:Compute:Slurm";

    /// <summary>The default free-port picker, run on the compute node by the batch script.</summary>
    public const string DefaultPortCommand = "/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind((\"\", 0)); print(s.getsockname()[1])'";

    /// <summary><c>cli</c> (default) or <c>rest</c>.</summary>
    public SlurmTransport Transport { get; set; } = SlurmTransport.Cli;

    /// <summary>
    /// A folder shared by the hub and every compute node (same path everywhere): each job gets a sub-folder holding its
    /// batch script, its output log and its endpoint record.
    /// </summary>
    public string JobsDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "greyhub-slurm-jobs");

    /// <summary>Partition (<c>--partition</c>); the cluster's default when null.</summary>
    public string? Partition { get; set; }

    /// <summary>Account to charge (<c>--account</c>).</summary>
    public string? Account { get; set; }

    /// <summary>Quality of service (<c>--qos</c>).</summary>
    public string? Qos { get; set; }

    /// <summary>More <c>#SBATCH</c> directives for every job, each <c>--option[=value]</c> (e.g. <c>--constraint=skylake</c>).</summary>
    public List<string>? ExtraDirectives { get; set; }

    /// <summary>The address jobs bind to on their node (passed in <c>JobSpec.HostVariable</c>).</summary>
    public string BindHost { get; set; } = "0.0.0.0";

    /// <summary>Node name → address the hub connects to; wins over <see cref="ResolveNodeAddresses"/>.</summary>
    public Dictionary<string, string> NodeAddresses { get; set; } = [];

    /// <summary>Connect to a node through its <c>NodeAddr</c> in Slurm (asked once per node) rather than its name.</summary>
    public bool ResolveNodeAddresses { get; set; } = true;

    /// <summary>Shell command, run on the compute node, that prints a free TCP port.</summary>
    public string PortCommand { get; set; } = DefaultPortCommand;

    /// <summary>
    /// Record a job's endpoint only once its port listens on the node (a watcher reads <c>/proc/net/tcp</c>); when
    /// false, as soon as the port is picked. Either way the job counts as running only once the endpoint is recorded.
    /// </summary>
    public bool RecordEndpointWhenListening { get; set; } = true;

    /// <summary>Give the job Slurm's own <c>SLURM_*</c> variables (job id, node list, CPUs) besides its environment.</summary>
    public bool PassSlurmVariables { get; set; } = true;

    /// <summary>
    /// The label whose value is the Unix account a job runs as (e.g. <c>greyhub.user</c>); null: the hub's own account.
    /// Needs the hub to submit as root (cli: <c>sbatch --uid</c>) or a JWT key (rest: a token minted for that user).
    /// </summary>
    public string? RunAsUserLabel { get; set; }

    /// <summary>Ask <c>sacct</c> (cli) about jobs that slurmctld has forgotten (needs slurmdbd); otherwise they are reported as ended, reason unknown.</summary>
    public bool UseSacct { get; set; }

    /// <summary>Longest wait for one Slurm command or REST call.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a call keeps retrying while slurmctld cannot be reached (a restart or fail-over of the controller):
    /// jobs keep running meanwhile, so a spawn or a poll waits instead of failing. Zero: never retry.
    /// </summary>
    public TimeSpan ControllerRetryTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How often a stop checks whether the job has ended.</summary>
    public TimeSpan StopPollInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Settings of the <c>cli</c> transport.</summary>
    public SlurmCliOptions Cli { get; set; } = new();

    /// <summary>Settings of the <c>rest</c> transport.</summary>
    public SlurmRestOptions Rest { get; set; } = new();
}

/// <summary>Settings of the command-line transport.</summary>
public sealed class SlurmCliOptions
{
    /// <summary>Folder of <c>sbatch</c> and friends; empty: found on PATH.</summary>
    public string BinDirectory { get; set; } = "";

    /// <summary>The <c>slurm.conf</c> the commands use (<c>SLURM_CONF</c>); empty: the hub's <c>SLURM_CONF</c> or Slurm's default.</summary>
    public string SlurmConf { get; set; } = "";
}

/// <summary>Settings of the slurmrestd transport.</summary>
public sealed class SlurmRestOptions
{
    /// <summary>slurmrestd's base URL, e.g. <c>http://slurm-head:6820</c>.</summary>
    public Uri? Url { get; set; }

    /// <summary>The API version in paths.</summary>
    public string ApiVersion { get; set; } = "v0.0.38";

    /// <summary>The Slurm user the hub acts as (<c>X-SLURM-USER-NAME</c>).</summary>
    public string UserName { get; set; } = Environment.UserName;

    /// <summary>A fixed JWT (<c>scontrol token username=... lifespan=...</c>).</summary>
    public string? Token { get; set; }

    /// <summary>A file holding the JWT (plain, or <c>SLURM_JWT=...</c>), read again when it changes.</summary>
    public string? TokenFile { get; set; }

    /// <summary>Slurm's <c>jwt_key</c> file: the engine mints its own short-lived HS256 tokens (and can act as other users).</summary>
    public string? JwtKeyFile { get; set; }

    /// <summary>Lifetime of minted tokens.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromMinutes(30);
}
