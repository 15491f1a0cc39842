using System.Diagnostics;
using Greyhub.Testing;

namespace Greyhub.Host.Tests;

/// <summary>
/// The Slurm of scripts/slurm-local.sh, as the hub tests use it. Its tests run one after another: twenty servers at
/// once and a time-limit wait already fill a 2-core machine.
/// </summary>
[CollectionDefinition(nameof(SlurmTestCluster), DisableParallelization = true)]
public sealed class SlurmTestCluster
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Fails, saying how to set them up, unless Jupyter and a running Slurm are here.</summary>
    public static void RequireJupyterAndSlurm()
    {
        Requires.Program("/usr/bin/jupyterhub-singleuser", "apt-get install -y jupyterhub python3-ipykernel");
        Requires.Program("sbatch", "apt-get install -y slurmctld slurmd slurm-client munge");
        if (Environment.GetEnvironmentVariable("SLURM_CONF") is not { Length: > 0 } conf || !File.Exists(conf))
        {
            Requires.Missing("No Slurm cluster: start one with `SLURM_LOCAL_CPUS=32 bash scripts/slurm-local.sh start && eval \"$(bash scripts/slurm-local.sh env)\"`");
        }
    }

    /// <summary>Slurm's state of a job (RUNNING, PENDING...), or empty once Slurm has forgotten it.</summary>
    public static async Task<string> SqueueAsync(string jobId) => (await RunAsync("squeue", "-h", "-j", jobId, "-o", "%T")).Trim();

    /// <summary>Runs a Slurm command; its output, or the test fails with its error.</summary>
    public static async Task<string> RunAsync(string program, params string[] args)
    {
        var (code, output, error) = await SlurmCommand.RunAsync(program, args, Ct);
        // squeue on a job Slurm has forgotten says so and fails: that is an answer, not an error.
        Assert.True(code == 0 || error.Contains("Invalid job id", StringComparison.Ordinal), $"{program} {string.Join(' ', args)}: {error}");
        return output;
    }

    /// <summary>Hub arguments for servers as Slurm jobs, with job folders in <paramref name="jobs"/>; starts answer 202 at once.</summary>
    public static string[] HubArgs(string jobs, params string[] more) =>
    [
        "--Greyhub:Spawner:Engine=slurm",
        "--Greyhub:Compute:Slurm:JobsDirectory=" + jobs,
        "--Greyhub:Servers:SlowSpawnTimeout=00:00:00",
        .. more,
    ];

    /// <summary>Stops and starts slurmctld of scripts/slurm-local.sh (its jobs run on); fails unless that cluster is the one in use.</summary>
    public static async Task RestartControllerAsync()
    {
        if (Environment.GetEnvironmentVariable("SLURM_LOCAL_DIR") is not { Length: > 0 })
        {
            Requires.Missing("SLURM_LOCAL_DIR is not set: this test restarts the controller of scripts/slurm-local.sh (eval \"$(bash scripts/slurm-local.sh env)\")");
        }
        var script = new DirectoryInfo(AppContext.BaseDirectory);
        while (script is not null && !File.Exists(Path.Combine(script.FullName, "scripts", "slurm-local.sh")))
        {
            script = script.Parent;
        }
        Assert.NotNull(script);
        using var process = Process.Start(new ProcessStartInfo("bash", [Path.Combine(script.FullName, "scripts", "slurm-local.sh"), "restart-ctld"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = process.StandardOutput.ReadToEndAsync(Ct);
        var error = await process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        Assert.True(process.ExitCode == 0, $"restart-ctld: {await output}{error}");
    }
}
