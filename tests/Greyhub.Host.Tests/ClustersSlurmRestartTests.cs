using System.Net;

namespace Greyhub.Host.Tests;

/// <summary>
/// <c>kill -9</c> of the hub with clusters on Slurm (the Slurm of scripts/slurm-local.sh): the hub dies right after
/// <c>sbatch</c> of a worker, before storing its job id, and while it is down another cluster's scheduler job is
/// cancelled. The next hub adopts the worker's job by its key (the job's comment) and the cluster computes; the other
/// cluster is reaped. Afterwards <c>squeue</c> holds no job of either and no process of theirs runs.
/// </summary>
[Collection(nameof(SlurmTestCluster))]
public sealed class ClustersSlurmRestartTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task After_a_hub_crash_a_slurm_cluster_is_re_adopted_and_computes_a_dead_one_is_reaped_and_no_job_is_left()
    {
        SlurmTestCluster.RequireJupyterAndSlurm();
        var jobs = Directory.CreateTempSubdirectory("greyhub-slurm-clusters-crash-").FullName;
        try
        {
            await using var hubs = await CrashingClusterHub.StartAsync("cluster-worker-launched", SlurmTestCluster.HubArgs(jobs));
            var alice = hubs.Alice;
            var kept = await alice.CreateAsync(new { worker_cores = 1, worker_memory = 1 });
            hubs.Clusters.Add(kept);
            var dead = await alice.CreateAsync(new { worker_cores = 1, worker_memory = 1 });
            hubs.Clusters.Add(dead);
            foreach (var name in new[] { kept, dead })
            {
                var running = await alice.WaitAsync(name, m => m.GetProperty("status").GetString() is "RUNNING" or "FAILED" or "STOPPED",
                    TimeSpan.FromSeconds(120), "running");
                Assert.True(running.GetProperty("status").GetString() == "RUNNING", running.ToString() + "\n" + hubs.First.Log);
            }

            // The hub submits the worker's job and dies before writing down its id.
            await alice.SendAsync(HttpMethod.Post, $"v1/clusters/{kept}/scale", new { count = 1 });
            await hubs.WaitForCrashAsync();
            var keptJobs = await SlurmJobIdsAsync(kept);
            Assert.Equal(2, keptJobs.Count);
            // While no hub runs, the other cluster's scheduler job goes away.
            foreach (var id in await SlurmJobIdsAsync(dead))
            {
                await SlurmTestCluster.RunAsync("scancel", id);
            }

            var second = await hubs.RestartAsync();
            var reaped = await alice.WaitEndedAsync(dead, TimeSpan.FromSeconds(90));
            Assert.Equal("FAILED", reaped.GetProperty("status").GetString());
            await ClusterTestKit.AssertGoneAsync(dead);
            await ClusterEngineScenario.AssertNoJobsAsync(dead, ClustersSlurmTests.SlurmJobsAsync);

            await second.LogWithAsync("found by its key and adopted", Ct);
            await alice.WaitWorkersAsync(kept, 1);
            // The same jobs: the worker adopted, not submitted again beside the first.
            Assert.Equal(keptJobs, await SlurmJobIdsAsync(kept));
            var output = await alice.RunPythonAsync(ClusterEngineScenario.ComputeScript(kept, 1), TimeSpan.FromMinutes(3));
            Assert.Contains("gather 328350", output, StringComparison.Ordinal);
            Assert.Contains("workers 1", output, StringComparison.Ordinal);

            Assert.Equal(HttpStatusCode.NoContent, (await alice.SendAsync(HttpMethod.Delete, "v1/clusters/" + kept)).Status);
            Assert.Equal("STOPPED", (await alice.WaitEndedAsync(kept, TimeSpan.FromSeconds(60))).GetProperty("status").GetString());
            await ClusterTestKit.AssertGoneAsync(kept);
            await ClusterEngineScenario.AssertNoJobsAsync(kept, ClustersSlurmTests.SlurmJobsAsync);
        }
        finally
        {
            Directory.Delete(jobs, recursive: true);
        }
    }

    /// <summary>The ids of the cluster's jobs Slurm holds, in order.</summary>
    private static async Task<List<string>> SlurmJobIdsAsync(string cluster) =>
        [.. (await ClustersSlurmTests.SlurmJobsAsync(cluster)).Select(line => line.Split(' ')[0]).Order(StringComparer.Ordinal)];
}
