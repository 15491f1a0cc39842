using System.Diagnostics;
using Greyhub.Abstractions.Compute;
using Greyhub.Testing;

namespace Greyhub.Compute.Slurm.Tests;

/// <summary>Runs alone: restarting slurmctld would fail the squeue calls of tests running beside it.</summary>
[CollectionDefinition(nameof(SlurmctldRestart), DisableParallelization = true)]
public sealed class SlurmctldRestart;

/// <summary>Jobs survive a slurmctld restart, and a new engine (a restarted hub) finds them running.</summary>
[Collection(nameof(SlurmctldRestart))]
public sealed class SlurmctldRestartTests
{
    [Fact]
    public async Task Jobs_are_still_found_running_after_slurmctld_restarts()
    {
        var ct = TestContext.Current.CancellationToken;
        SlurmCluster.RequireCli();
        if (Environment.GetEnvironmentVariable("SLURM_LOCAL_DIR") is not { Length: > 0 })
        {
            Requires.Missing("SLURM_LOCAL_DIR is not set: this test restarts the cluster of scripts/slurm-local.sh (eval \"$(scripts/slurm-local.sh env)\")");
        }
        var cli = SlurmCluster.Engine(SlurmTransport.Cli);
        var spec = new JobSpec
        {
            Name = "survivor",
            Command = ["/bin/sh", "-c", $"exec {DebianPython.Path} -m http.server --bind \"$H\" \"$P\""],
            PortVariable = "P",
            HostVariable = "H",
        };
        var jobs = new[] { await cli.LaunchAsync(spec, ct), await cli.LaunchAsync(spec with { Name = "survivor-2" }, ct) };
        try
        {
            var before = await WaitRunningAsync(cli, jobs, ct);

            var psi = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true };
            psi.ArgumentList.Add(SlurmCluster.Script());
            psi.ArgumentList.Add("restart-ctld");
            using (var restart = Process.Start(psi)!)
            {
                var error = await restart.StandardError.ReadToEndAsync(ct);
                await restart.WaitForExitAsync(ct);
                Assert.True(restart.ExitCode == 0, error);
            }

            // New engines, as after a hub restart too: only the saved handles.
            var restored = jobs.Select(j => new JobHandle(j.Engine, j.Id, j.State)).ToArray();
            foreach (var engine in new[] { SlurmCluster.Engine(SlurmTransport.Cli), SlurmCluster.Engine(SlurmTransport.Rest) })
            {
                var after = await WaitRunningAsync(engine, restored, ct);
                Assert.Equal(before.Select(s => (s.Host, s.Port)), after.Select(s => (s.Host, s.Port)));
            }
            using var http = new HttpClient();
            Assert.True((await http.GetAsync($"http://{before[0].Host}:{before[0].Port}/", ct)).IsSuccessStatusCode);
        }
        finally
        {
            await Task.WhenAll(jobs.Select(j => cli.StopAsync(j, TimeSpan.FromSeconds(2), CancellationToken.None)));
        }
    }

    private static async Task<IReadOnlyList<JobStatus>> WaitRunningAsync(IComputeEngine engine, IReadOnlyList<JobHandle> jobs, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                var statuses = await engine.GetStatusAsync(jobs, ct);
                if (statuses.All(s => s.Phase == JobPhase.Running && s.Port is not null))
                {
                    return statuses;
                }
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), string.Join(", ", statuses));
            }
            catch (SlurmException) when (watch.Elapsed < TimeSpan.FromSeconds(60))
            {
                // slurmctld (or slurmrestd's link to it) is still coming back.
            }
            await Task.Delay(200, ct);
        }
    }
}
