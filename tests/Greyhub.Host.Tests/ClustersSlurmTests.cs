namespace Greyhub.Host.Tests;

/// <summary>
/// Dask clusters whose scheduler and workers are Slurm jobs (the Slurm of scripts/slurm-local.sh), reached by a real
/// <c>distributed.Client</c> through the hub's SNI port; no job is left in <c>squeue</c> after the stop.
/// </summary>
[Collection(nameof(SlurmTestCluster))]
public sealed class ClustersSlurmTests
{
    [Fact]
    public async Task A_cluster_of_slurm_jobs_computes_through_the_sni_port_scales_to_two_and_leaves_no_job()
    {
        SlurmTestCluster.RequireJupyterAndSlurm();
        var jobs = Directory.CreateTempSubdirectory("greyhub-slurm-clusters-").FullName;
        try
        {
            await ClusterEngineScenario.RunAsync(SlurmTestCluster.HubArgs(jobs), SlurmJobsAsync);
        }
        finally
        {
            Directory.Delete(jobs, recursive: true);
        }
    }

    /// <summary>The cluster's jobs Slurm still holds (any state), as "id name state".</summary>
    internal static async Task<List<string>> SlurmJobsAsync(string cluster) =>
        [.. (await SlurmTestCluster.RunAsync("squeue", "-h", "-o", "%i %j %T"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => line.Contains(cluster, StringComparison.Ordinal))];
}
