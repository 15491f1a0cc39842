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

    public string Root => _options.Directory.Length > 0 ? _options.Directory : Path.Combine(Path.GetFullPath(hub.Value.DataDir), "clusters");

    /// <summary>Writes the cluster's folder and credentials; returns the folder.</summary>
    public string WriteFiles(string name, string certPem, string keyPem)
    {
        var dir = Path.Combine(Root, name);
        Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Write(Path.Combine(dir, "dask.crt"), certPem);
        Write(Path.Combine(dir, "dask.pem"), keyPem);
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

    public JobSpec Scheduler(string name, string user, string token, string dir, ClusterProfile profile, bool local)
    {
        var crt = Path.Combine(dir, "dask.crt");
        var pem = Path.Combine(dir, "dask.pem");
        return new JobSpec
        {
            Name = $"dask-scheduler-{name}",
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
            ["PYTHONPATH"] = PythonPath,
            ["DASK_DISTRIBUTED__COMM__REQUIRE_ENCRYPTION"] = "True",
            ["DASK_GATEWAY_CLUSTER_NAME"] = name,
        };
        foreach (var (key, value) in extra)
        {
            env[key] = value;
        }
        return env;
    }

    private string PythonPath => _options.PythonPath.Length > 0 ? _options.PythonPath : Path.Combine(AppContext.BaseDirectory, "python");

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString(CultureInfo.InvariantCulture);
}
