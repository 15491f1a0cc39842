using System.Globalization;
using System.Text.Json.Nodes;
using Greyhub.Abstractions.Compute;
using Greyhub.Hub;
using Microsoft.Extensions.Options;

namespace Greyhub.Clusters;

/// <summary>
/// What a cluster's jobs run: Debian's <c>dask-scheduler</c> with TLS and Greyhub's preload, and <c>dask-worker</c>s
/// pointed at it with the same credentials; each cluster's files in its own folder, readable by its owner only.
/// </summary>
internal sealed class ClusterJobs(IOptions<ClustersOptions> options, IOptions<HubOptions> hub, HubAddress address, HubUrls urls, IEnumerable<IComputeEngine> engines)
{
    private readonly ClustersOptions _options = options.Value;

    public IComputeEngine Engine(string name) => engines.First(e => e.Name == name);

    /// <summary>A launch intent for a job of this name; the key is the name, unique per cluster and launch.</summary>
    public static LaunchIntent Intent(string jobName, bool scheduler, DateTime at) => new() { Name = jobName, Key = jobName, Scheduler = scheduler, At = at };

    /// <summary>
    /// Looks up the jobs of launches a hub wrote but did not finish (it died between launching and storing the handle);
    /// each found job is returned, every intent is cleared. Engines find a job by its name and key.
    /// </summary>
    public async Task<List<(LaunchIntent Intent, JobHandle Job)>> ResolveLaunchesAsync(ClusterState state, CancellationToken cancellationToken)
    {
        var found = new List<(LaunchIntent, JobHandle)>();
        var engine = Engine(state.Engine);
        foreach (var intent in state.Launching)
        {
            var lookup = new JobSpec { Name = intent.Name, Key = intent.Key, Command = [] };
            if (await engine.FindAsync(lookup, cancellationToken) is { } job)
            {
                found.Add((intent, job));
            }
        }
        state.Launching.Clear();
        return found;
    }

    public string Root => _options.Directory.Length > 0 ? _options.Directory : Path.Combine(Path.GetFullPath(hub.Value.DataDir), "clusters");

    /// <summary>Writes the cluster's folder and credentials; returns the folder.</summary>
    public string WriteFiles(string name, string certPem, string keyPem)
    {
        var dir = Path.Combine(Root, name);
        Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Write(Path.Combine(dir, "dask.crt"), certPem);
        Write(Path.Combine(dir, "dask.pem"), keyPem);
        if (_options.PythonPath.Length == 0)
        {
            // Jobs in a container or on another node see the cluster's folder (shared: it holds the credentials), not
            // the hub's installation: the preload travels with the cluster.
            var package = Directory.CreateDirectory(Path.Combine(dir, "python", "greyhub")).FullName;
            foreach (var file in Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "python", "greyhub"), "*.py"))
            {
                File.Copy(file, Path.Combine(package, Path.GetFileName(file)), overwrite: true);
            }
        }
        return dir;
    }

    private static void Write(string path, string text)
    {
        using var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        using var writer = new StreamWriter(stream);
        writer.Write(text);
    }

    public static void DeleteFiles(string dir)
    {
        try
        {
            if (dir.Length > 0 && Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
        catch (IOException)
        {
            // A log still open by a dying job: the folder goes with the next purge.
        }
    }

    public static string SchedulerJobName(string cluster) => $"dask-scheduler-{cluster}";

    public JobSpec Scheduler(string name, string user, string token, string dir, ClusterProfile profile, bool local)
    {
        var crt = Path.Combine(dir, "dask.crt");
        var pem = Path.Combine(dir, "dask.pem");
        return new JobSpec
        {
            Name = SchedulerJobName(name),
            Key = SchedulerJobName(name),
            Command =
            [
                _options.SchedulerCommand, "--protocol", "tls", "--host", local ? "127.0.0.1" : "0.0.0.0", "--port", "0",
                "--dashboard-address", (local ? "127.0.0.1" : "0.0.0.0") + ":0",
                "--tls-ca-file", crt, "--tls-cert", crt, "--tls-key", pem, "--preload", "greyhub.scheduler_preload",
            ],
            Environment = Environment(name, dir, profile, new Dictionary<string, string>
            {
                ["GREYHUB_CLUSTER_NAME"] = name,
                ["GREYHUB_CLUSTER_API_URL"] = ApiUrl,
                ["GREYHUB_CLUSTER_TOKEN"] = token,
                ["GREYHUB_HEARTBEAT_PERIOD"] = Seconds(_options.HeartbeatPeriod),
                ["GREYHUB_ADAPTIVE_PERIOD"] = Seconds(_options.AdaptivePeriod),
            }),
            Image = profile.Image.Length > 0 ? profile.Image : null,
            WorkingDirectory = dir,
            Resources = new JobResources { Cpus = 1, MemoryBytes = 2L << 30 },
            Labels = new Dictionary<string, string> { ["greyhub.user"] = user, ["greyhub.kind"] = "dask-scheduler", ["greyhub.cluster"] = name },
        };
    }

    public JobSpec Worker(string name, string user, string workerName, string schedulerAddress, string dir, ClusterProfile profile, JsonObject clusterOptions)
    {
        var crt = Path.Combine(dir, "dask.crt");
        var pem = Path.Combine(dir, "dask.pem");
        var cores = (double?)clusterOptions[ClusterOptionsSpec.WorkerCores] ?? profile.WorkerCores;
        var memory = (long)(((double?)clusterOptions[ClusterOptionsSpec.WorkerMemory] ?? profile.WorkerMemoryGiB) * (1L << 30));
        var threads = Math.Max(1, (int)Math.Floor(cores));
        return new JobSpec
        {
            Name = workerName,
            Key = workerName,
            // No nanny: one process per job, so a job's end is the worker's end and the hub replaces it itself.
            Command =
            [
                _options.WorkerCommand, schedulerAddress, "--name", workerName, "--nthreads", threads.ToString(CultureInfo.InvariantCulture),
                "--memory-limit", memory.ToString(CultureInfo.InvariantCulture), "--no-nanny", "--no-dashboard", "--death-timeout", "60",
                "--local-directory", Path.Combine(dir, "work"), "--tls-ca-file", crt, "--tls-cert", crt, "--tls-key", pem,
            ],
            Environment = Environment(name, dir, profile, []),
            Image = profile.Image.Length > 0 ? profile.Image : null,
            WorkingDirectory = dir,
            Resources = new JobResources { Cpus = cores, MemoryBytes = memory },
            Labels = new Dictionary<string, string> { ["greyhub.user"] = user, ["greyhub.kind"] = "dask-worker", ["greyhub.cluster"] = name },
        };
    }

    private string ApiUrl => address.ConnectUrl + urls.Base + "services/dask-gateway/api/v1";

    private Dictionary<string, string> Environment(string name, string dir, ClusterProfile profile, Dictionary<string, string> extra)
    {
        var env = new Dictionary<string, string>(profile.Environment, StringComparer.Ordinal)
        {
            ["PATH"] = "/usr/local/bin:/usr/bin:/bin",
            ["HOME"] = dir,
            ["PYTHONPATH"] = _options.PythonPath.Length > 0 ? _options.PythonPath : Path.Combine(dir, "python"),
            ["DASK_DISTRIBUTED__COMM__REQUIRE_ENCRYPTION"] = "True",
            ["DASK_GATEWAY_CLUSTER_NAME"] = name,
        };
        foreach (var (key, value) in extra)
        {
            env[key] = value;
        }
        return env;
    }

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString(CultureInfo.InvariantCulture);
}
