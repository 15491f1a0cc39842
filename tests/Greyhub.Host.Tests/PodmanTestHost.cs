using System.Net.Sockets;
using System.Text.Json;
using Greyhub.Testing;

namespace Greyhub.Host.Tests;

/// <summary>
/// The container host the containers tests use: rootful Podman's Docker API of scripts/podman-local.sh (or
/// <c>GREYHUB_CONTAINERS_ENDPOINT</c>), spoken to over its Unix socket as an operator's container tools do, and the
/// hub arguments that put a hub's jobs there.
/// </summary>
internal static class PodmanTestHost
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The Docker API's Unix socket.</summary>
    public static string Socket => Environment.GetEnvironmentVariable("GREYHUB_CONTAINERS_ENDPOINT") is { Length: > 0 } endpoint
        ? new Uri(endpoint).AbsolutePath
        : "/tmp/greyhub-podman/podman.sock";

    /// <summary>Fails, saying how to set them up (<paramref name="install"/>), unless the container host runs and holds <paramref name="image"/>.</summary>
    public static async Task RequireAsync(string image, string install)
    {
        if (!File.Exists(Socket))
        {
            Requires.Missing($"No container API at {Socket} (or set GREYHUB_CONTAINERS_ENDPOINT); start it with: {install}");
        }
        using var docker = DockerApi();
        using var found = await docker.GetAsync($"images/{Uri.EscapeDataString(image)}/json", Ct);
        if (!found.IsSuccessStatusCode)
        {
            Requires.Missing($"The image {image} is not on the container host; build it with: {install}");
        }
    }

    /// <summary>The Docker Engine API over its Unix socket.</summary>
    public static HttpClient DockerApi() => new(new SocketsHttpHandler
    {
        ConnectCallback = async (_, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(Socket), cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        },
    })
    { BaseAddress = new Uri("http://podman/v1.41/") };

    /// <summary>
    /// Hub arguments for jobs as containers of <paramref name="image"/>, labelled with <paramref name="instance"/>, their
    /// logs in <paramref name="logs"/>, on the host's network (jobs call the hub's API on 127.0.0.1; docs/containers.md).
    /// </summary>
    public static string[] HubArgs(string instance, string image, string logs, params string[] more) =>
    [
        "--Greyhub:Spawner:Engine=containers",
        "--Greyhub:Compute:Containers:Endpoint=unix://" + Socket,
        "--Greyhub:Compute:Containers:InstanceId=" + instance,
        "--Greyhub:Compute:Containers:DefaultImage=" + image,
        "--Greyhub:Compute:Containers:LogsDirectory=" + logs,
        "--Greyhub:Compute:Containers:NetworkMode=Host",
        .. more,
    ];

    /// <summary>The containers (any state) carrying every one of <paramref name="labels"/> (<c>key=value</c>).</summary>
    public static async Task<List<JsonElement>> ContainersAsync(HttpClient docker, params string[] labels)
    {
        var filters = Uri.EscapeDataString(JsonSerializer.Serialize(new Dictionary<string, string[]> { ["label"] = labels }));
        using var response = await docker.GetAsync($"containers/json?all=true&filters={filters}", Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, body);
        using var list = JsonDocument.Parse(body);
        return [.. list.RootElement.EnumerateArray().Select(c => c.Clone())];
    }

    /// <summary>Removes (forced) every container of the hub <paramref name="instance"/>: no container outlives its test.</summary>
    public static async Task RemoveAllAsync(HttpClient docker, string instance)
    {
        foreach (var left in await ContainersAsync(docker, $"greyhub.instance={instance}"))
        {
            using var _ = await docker.DeleteAsync($"containers/{left.GetProperty("Id").GetString()}?force=true", CancellationToken.None);
        }
    }
}
