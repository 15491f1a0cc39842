using Greyhub.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Greyhub.Compute.Slurm.Tests;

/// <summary>
/// The Slurm cluster the tests drive, found through <c>SLURM_CONF</c> (and, for slurmrestd, <c>SLURM_LOCAL_RESTD_URL</c>
/// and <c>SLURM_LOCAL_JWT_KEY</c>) as <c>scripts/slurm-local.sh env</c> prints them. Missing: the test fails with the
/// commands to run.
/// </summary>
internal static class SlurmCluster
{
    private const string Install = "apt-get install -y --no-install-recommends slurmctld slurmd slurm-client munge slurmrestd slurm-wlm-jwt-plugin";
    private const string Start = "SLURM_LOCAL_CPUS=32 SLURM_LOCAL_RESTD_PORT=auto scripts/slurm-local.sh start && eval \"$(scripts/slurm-local.sh env)\"";

    public static string JobsDirectory { get; } = Directory.CreateTempSubdirectory("greyhub-slurm-tests-").FullName;

    public static void RequireCli()
    {
        Requires.Program("sbatch", Install);
        if (Environment.GetEnvironmentVariable("SLURM_CONF") is not { Length: > 0 } conf || !File.Exists(conf))
        {
            Requires.Missing($"No Slurm cluster: SLURM_CONF is not set (or missing); start one with: {Start}");
        }
    }

    public static (Uri Url, string JwtKey) RequireRest()
    {
        RequireCli();
        var url = Environment.GetEnvironmentVariable("SLURM_LOCAL_RESTD_URL");
        var key = Environment.GetEnvironmentVariable("SLURM_LOCAL_JWT_KEY");
        if (string.IsNullOrEmpty(url) || string.IsNullOrEmpty(key))
        {
            Requires.Missing($"No slurmrestd: SLURM_LOCAL_RESTD_URL/SLURM_LOCAL_JWT_KEY are not set; start it with: {Start}");
        }
        return (new Uri(url!), key!);
    }

    public static SlurmEngineOptions Options(SlurmTransport transport)
    {
        var options = new SlurmEngineOptions { Transport = transport, JobsDirectory = JobsDirectory, StopPollInterval = TimeSpan.FromMilliseconds(100) };
        if (transport == SlurmTransport.Rest)
        {
            var (url, key) = RequireRest();
            options.Rest = new SlurmRestOptions { Url = url, JwtKeyFile = key, UserName = "root" };
        }
        else
        {
            RequireCli();
        }
        return options;
    }

    /// <summary>An engine built the way the host builds it: configuration bound, options validated, DI.</summary>
    public static SlurmEngine Engine(SlurmTransport transport)
    {
        var options = Options(transport);
        var settings = new Dictionary<string, string?>
        {
            ["Greyhub:Compute:Slurm:Transport"] = transport == SlurmTransport.Rest ? "rest" : "cli",
            ["Greyhub:Compute:Slurm:JobsDirectory"] = options.JobsDirectory,
            ["Greyhub:Compute:Slurm:StopPollInterval"] = "00:00:00.100",
            ["Greyhub:Compute:Slurm:Rest:Url"] = options.Rest.Url?.AbsoluteUri,
            ["Greyhub:Compute:Slurm:Rest:JwtKeyFile"] = options.Rest.JwtKeyFile,
            ["Greyhub:Compute:Slurm:Rest:UserName"] = "root",
        };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration).AddSlurmComputeEngine();
        return services.BuildServiceProvider().GetRequiredService<SlurmEngine>();
    }

    /// <summary>An engine over a given transport (the test seam).</summary>
    internal static SlurmEngine Engine(SlurmEngineOptions options, ISlurmTransport transport) =>
        new(options, transport, TimeProvider.System, NullLogger.Instance);

    /// <summary>Runs a Slurm command (outside the engine) and returns its output.</summary>
    public static async Task<string> RunAsync(string program, params string[] args)
    {
        var (code, output, error) = await SlurmCommand.RunAsync(program, args, TestContext.Current.CancellationToken);
        Assert.True(code == 0, $"{program} {string.Join(' ', args)} failed: {error}");
        return output;
    }

    /// <summary>The repository's <c>scripts/slurm-local.sh</c>.</summary>
    public static string Script()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "scripts", "slurm-local.sh");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new FileNotFoundException("scripts/slurm-local.sh not found above " + AppContext.BaseDirectory);
    }
}
