using System.Text.Json;
using Greyhub.Testing;

namespace Greyhub.Host.Tests;

/// <summary>
/// Dask clusters whose scheduler and workers are containers (rootful Podman's Docker API, the image of
/// <c>scripts/build-test-image.sh python</c>, which carries Debian's Dask), reached by a real <c>distributed.Client</c>
/// through the hub's SNI port; no container is left after the stop.
/// </summary>
public sealed class ClustersContainersTests
{
    private const string Image = "localhost/greyhub-python:bookworm";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Socket => Environment.GetEnvironmentVariable("GREYHUB_CONTAINERS_ENDPOINT") is { Length: > 0 } endpoint
        ? new Uri(endpoint).AbsolutePath
        : "/tmp/greyhub-podman/podman.sock";

    [Fact]
    public async Task A_cluster_of_containers_computes_through_the_sni_port_scales_to_two_and_leaves_no_container()
    {
        await RequireAsync();
        var instance = "clusters-" + Guid.NewGuid().ToString("N")[..8];
        var logs = Directory.CreateTempSubdirectory("greyhub-cluster-container-logs-").FullName;
        using var docker = DockerApi();
        try
        {
            string[] args =
            [
                "--Greyhub:Spawner:Engine=containers",
                "--Greyhub:Compute:Containers:Endpoint=unix://" + Socket,
                "--Greyhub:Compute:Containers:InstanceId=" + instance,
                "--Greyhub:Compute:Containers:DefaultImage=" + Image,
                "--Greyhub:Compute:Containers:LogsDirectory=" + logs,
                // Workers reach the scheduler's port and the scheduler the hub's API: the host's network (docs/clusters.md).
                "--Greyhub:Compute:Containers:NetworkMode=Host",
            ];
            await ClusterEngineScenario.RunAsync(args, async cluster => await ContainersAsync(docker, instance, cluster));
        }
        finally
        {
            // Whatever failed, no container of this test outlives it.
            foreach (var left in await ContainersAsync(docker, instance, ""))
            {
                using var _ = await docker.DeleteAsync($"containers/{left.Split(' ')[0].TrimStart('/')}?force=true", CancellationToken.None);
            }
            Directory.Delete(logs, recursive: true);
        }
    }

    private static async Task RequireAsync()
    {
        ClusterEngineScenario.RequireDask();
        if (!File.Exists(Socket))
        {
            Requires.Missing($"No container host at {Socket}: start one with `bash scripts/podman-local.sh start` (or set GREYHUB_CONTAINERS_ENDPOINT)");
        }
        using var docker = DockerApi();
        using var image = await docker.GetAsync($"images/{Uri.EscapeDataString(Image)}/json", Ct);
        if (!image.IsSuccessStatusCode)
        {
            Requires.Missing($"No image {Image}: build it with `bash scripts/build-test-image.sh python`");
        }
    }

    private static HttpClient DockerApi() =>
        new(new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
                await socket.ConnectAsync(new System.Net.Sockets.UnixDomainSocketEndPoint(Socket), cancellationToken);
                return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
            },
        })
        { BaseAddress = new Uri("http://podman/v1.41/") };

    /// <summary>This hub's containers of the cluster (any state; every cluster's when empty), as "name state".</summary>
    private static async Task<List<string>> ContainersAsync(HttpClient docker, string instance, string cluster)
    {
        string[] labels = cluster.Length > 0 ? [$"greyhub.instance={instance}", $"greyhub.cluster={cluster}"] : [$"greyhub.instance={instance}"];
        var filters = Uri.EscapeDataString(JsonSerializer.Serialize(new Dictionary<string, string[]> { ["label"] = labels }));
        using var response = await docker.GetAsync($"containers/json?all=true&filters={filters}", Ct);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Ct));
        using var list = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        return [.. list.RootElement.EnumerateArray().Select(c => $"{c.GetProperty("Names")[0].GetString()} {c.GetProperty("State").GetString()}")];
    }
}
