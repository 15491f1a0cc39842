using System.Net;
using System.Net.Sockets;
using Docker.DotNet;
using Docker.DotNet.Models;
using Greyhub.Testing;

namespace Greyhub.Compute.Containers.Tests;

/// <summary>
/// The container host the tests drive: the Podman service that <c>scripts/podman-local.sh</c> starts (or any Docker
/// API endpoint in <c>GREYHUB_CONTAINERS_ENDPOINT</c>) and the image <c>scripts/build-test-image.sh python</c> builds.
/// </summary>
internal static class ContainerHost
{
    public const string Install = "sudo bash scripts/podman-local.sh start && sudo bash scripts/build-test-image.sh python "
        + "(then export GREYHUB_CONTAINERS_ENDPOINT as `scripts/podman-local.sh env` prints, if not the default)";

    private static readonly Lazy<string?> ProblemOnce = new(FindProblem);

    /// <summary>The Docker Engine API endpoint.</summary>
    public static string Endpoint => Environment.GetEnvironmentVariable("GREYHUB_CONTAINERS_ENDPOINT") is { Length: > 0 } endpoint
        ? endpoint
        : "unix:///tmp/greyhub-podman/podman.sock";

    /// <summary>The image jobs run: Debian with python3.</summary>
    public static string Image => Environment.GetEnvironmentVariable("GREYHUB_TEST_IMAGE") is { Length: > 0 } image
        ? image
        : "localhost/greyhub-python:bookworm";

    /// <summary>Fails, saying how to start them, when the container host or the image is missing.</summary>
    public static void Require()
    {
        if (ProblemOnce.Value is { } problem)
        {
            Requires.Missing($"{problem}; start it with: {Install}");
        }
    }

    /// <summary>Options for a test engine: its own instance id, so tests never see other runs' containers.</summary>
    public static ContainerEngineOptions Options(string instance, string logs) => new()
    {
        Endpoint = Endpoint,
        InstanceId = instance,
        DefaultImage = Image,
        LogsDirectory = logs,
    };

    /// <summary>A plain client, for what the tests do behind the engine's back.</summary>
    public static DockerClient Client() => new DockerClientConfiguration(new Uri(Endpoint)).CreateClient();

    /// <summary>Removes every container left with this instance label (a failed test must not leave any).</summary>
    public static async Task RemoveAllAsync(string instance)
    {
        if (ProblemOnce.Value is not null)
        {
            return;
        }
        using var client = Client();
        var left = await client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"greyhub.instance={instance}"] = true } },
        }, CancellationToken.None);
        foreach (var container in left)
        {
            await client.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true }, CancellationToken.None);
        }
    }

    private static string? FindProblem()
    {
        var uri = new Uri(Endpoint);
        if (uri.Scheme == "unix" && !File.Exists(uri.LocalPath))
        {
            return $"no container API socket at {uri.LocalPath}";
        }
        try
        {
            using var http = uri.Scheme == "unix" ? new HttpClient(UnixHandler(uri.LocalPath)) : new HttpClient();
            http.Timeout = TimeSpan.FromSeconds(10);
            var baseUri = uri.Scheme == "unix" ? "http://localhost" : uri.GetLeftPart(UriPartial.Authority).Replace("tcp://", "http://", StringComparison.Ordinal);
            using var ping = http.Send(new HttpRequestMessage(HttpMethod.Get, $"{baseUri}/_ping"));
            if (!ping.IsSuccessStatusCode)
            {
                return $"the container API at {Endpoint} answers {(int)ping.StatusCode} to /_ping";
            }
            using var image = http.Send(new HttpRequestMessage(HttpMethod.Get, $"{baseUri}/images/{Uri.EscapeDataString(Image)}/json"));
            return image.StatusCode == HttpStatusCode.OK ? null : $"the image {Image} is not on the container host at {Endpoint}";
        }
        catch (HttpRequestException e)
        {
            return $"the container API at {Endpoint} does not answer ({e.Message})";
        }
    }

    private static SocketsHttpHandler UnixHandler(string path) => new()
    {
        ConnectCallback = async (_, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        },
    };
}
