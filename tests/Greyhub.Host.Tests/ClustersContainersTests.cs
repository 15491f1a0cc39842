namespace Greyhub.Host.Tests;

/// <summary>
/// Dask clusters whose scheduler and workers are containers (rootful Podman's Docker API, the image of
/// <c>scripts/build-test-image.sh python</c>, which carries Debian's Dask), reached by a real <c>distributed.Client</c>
/// through the hub's SNI port; no container is left after the stop.
/// </summary>
public sealed class ClustersContainersTests
{
    private const string Image = "localhost/greyhub-python:bookworm";

    [Fact]
    public async Task A_cluster_of_containers_computes_through_the_sni_port_scales_to_two_and_leaves_no_container()
    {
        ClusterEngineScenario.RequireDask();
        await PodmanTestHost.RequireAsync(Image, "sudo bash scripts/podman-local.sh start && sudo bash scripts/build-test-image.sh python");
        var instance = "clusters-" + Guid.NewGuid().ToString("N")[..8];
        var logs = Directory.CreateTempSubdirectory("greyhub-cluster-container-logs-").FullName;
        using var docker = PodmanTestHost.DockerApi();
        try
        {
            // Workers reach the scheduler's port and the scheduler the hub's API: the host's network (docs/clusters.md).
            await ClusterEngineScenario.RunAsync(PodmanTestHost.HubArgs(instance, Image, logs), async cluster =>
                [.. (await PodmanTestHost.ContainersAsync(docker, $"greyhub.instance={instance}", $"greyhub.cluster={cluster}"))
                    .Select(c => $"{c.GetProperty("Names")[0].GetString()} {c.GetProperty("State").GetString()}")]);
        }
        finally
        {
            await PodmanTestHost.RemoveAllAsync(docker, instance);
            Directory.Delete(logs, recursive: true);
        }
    }
}
