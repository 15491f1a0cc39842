using System.Diagnostics;
using Greyhub.Testing;

namespace Greyhub.Host.Tests;

/// <summary>
/// The hub's container image (Containerfile, built by <c>scripts/build-hub-image.sh</c> from the published tarball, under
/// rootful Podman): run as docs/install.md says, with its embedded defaults (SQLite in a volume), it serves a real
/// <c>jupyterhub-singleuser</c> that it started inside its own container, reached on a loopback-published port.
/// </summary>
public sealed class ContainerImageTests
{
    private const string InstallPodman = "apt-get install -y --no-install-recommends podman runc catatonit netavark aardvark-dns iptables (or: sudo bash .ci/install-deps)";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_image_runs_a_hub_that_serves_a_real_single_user_server_from_inside_its_container()
    {
        var podman = Requires.Program("podman", InstallPodman);
        var environment = PodmanEnvironment();
        var artifacts = await Published.GetAsync();
        var id = Guid.NewGuid().ToString("N")[..8];
        var image = $"localhost/greyhub-test-{id}:dev";
        var name = "greyhub-test-" + id;
        var volume = "greyhub-test-data-" + id;
        var port = FreePort.Next();
        try
        {
            var built = await Published.RunAsync(Published.RepositoryRoot, "bash",
                [Path.Combine(Published.RepositoryRoot, "scripts", "build-hub-image.sh"), "--tarball", artifacts.Tarball, "--tag", image],
                environment, TimeSpan.FromMinutes(20));
            Assert.Equal(image, built.Trim().Split('\n')[^1]);

            // docs/install.md's command: a tiny init reaps the servers' orphans; the data folder is a named volume.
            await Published.RunAsync(Path.GetTempPath(), podman,
                ["run", "--detach", "--init", "--name", name, "--publish", $"127.0.0.1:{port}:8000", "--volume", $"{volume}:/var/lib/greyhub", image],
                environment);
            var address = new Uri($"http://127.0.0.1:{port}/");
            await WaitUntilAnsweringAsync(address, podman, name, environment);

            var token = await Published.RunAsync(Path.GetTempPath(), podman, ["exec", name, "greyhub", "token", "--admin", "admin"], environment);
            using var admin = new JupyterClient(address, token.Trim());
            await InstallTests.ServesARealServerAsync(admin);

            // The embedded defaults: SQLite in the volume, and the server ran inside the hub's container.
            await Published.RunAsync(Path.GetTempPath(), podman, ["exec", name, "test", "-s", "/var/lib/greyhub/greyhub.sqlite"], environment);
            Assert.Contains("data in /var/lib/greyhub", await LogsAsync(podman, name, environment), StringComparison.Ordinal);
            var jobs = await Published.RunAsync(Path.GetTempPath(), podman, ["exec", name, "ls", "/var/lib/greyhub/jobs"], environment);
            Assert.False(string.IsNullOrWhiteSpace(jobs), "no job log of the server in the container's data folder");
        }
        finally
        {
            foreach (var cleanup in new[] { new[] { "rm", "--force", "--time", "5", name }, ["volume", "rm", "--force", volume], ["rmi", "--force", image] })
            {
                await TryAsync(podman, cleanup, environment);
            }
        }
    }

    /// <summary>The podman CLI configured as scripts/podman-local.sh configures it (runc and explicit ulimits on this host).</summary>
    private static Dictionary<string, string> PodmanEnvironment()
    {
        var conf = Environment.GetEnvironmentVariable("CONTAINERS_CONF") is { Length: > 0 } set
            ? set
            : Path.Combine(Environment.GetEnvironmentVariable("PODMAN_LOCAL_DIR") is { Length: > 0 } dir ? dir : "/tmp/greyhub-podman", "containers.conf");
        if (!File.Exists(conf))
        {
            Requires.Missing($"No Podman configuration at {conf}; write it with: sudo bash scripts/podman-local.sh start");
        }
        return new Dictionary<string, string> { ["CONTAINERS_CONF"] = conf };
    }

    private static async Task WaitUntilAnsweringAsync(Uri address, string podman, string name, IReadOnlyDictionary<string, string> environment)
    {
        using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(5) };
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(90))
        {
            if (await GreyhubProcess.AnswersAsync(client, Ct))
            {
                return;
            }
            await Task.Delay(250, Ct);
        }
        Assert.Fail($"the hub in container {name} did not answer on {address} within 90 s:\n{await LogsAsync(podman, name, environment)}");
    }

    /// <summary>The container's output: the hub logs to stderr, which <c>podman logs</c> passes on as its own stderr.</summary>
    private static Task<string> LogsAsync(string podman, string name, IReadOnlyDictionary<string, string> environment) =>
        Published.RunAsync(Path.GetTempPath(), "bash", ["-c", "\"$0\" logs \"$1\" 2>&1", podman, name], environment);

    private static async Task TryAsync(string podman, string[] args, IReadOnlyDictionary<string, string> environment)
    {
        var psi = new ProcessStartInfo(podman) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var (key, value) in environment)
        {
            psi.Environment[key] = value;
        }
        using var process = Process.Start(psi)!;
        await process.WaitForExitAsync(CancellationToken.None);
    }
}
