using System.Net;
using System.Text.RegularExpressions;
using Greyhub.Testing;

namespace Greyhub.Host.Tests;

/// <summary>
/// A real <c>jupyterhub-singleuser</c> in a container (rootful Podman's Docker API, the image of
/// <c>scripts/build-test-image.sh jupyter</c>): started by the hub, reached through its proxy, runs a cell; a container
/// removed behind the hub's back is shown stopped with the reason; a hub killed hard re-adopts its containers.
/// </summary>
public sealed class ContainerServerTests
{
    private const string Image = "localhost/greyhub-jupyter:bookworm";
    private const string Password = "container password";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_jupyter_server_in_a_container_runs_a_cell_and_survives_a_hub_crash_while_a_removed_one_is_reported()
    {
        await RequireAsync();
        var instance = "test-" + Guid.NewGuid().ToString("N")[..8];
        var logs = Directory.CreateTempSubdirectory("greyhub-container-logs-").FullName;
        var dataDir = Directory.CreateTempSubdirectory("greyhub-container-hub-").FullName;
        var port = FreePort.Next();
        // The servers call the hub's API on 127.0.0.1: they share the host's network (docs/containers.md).
        var args = PodmanTestHost.HubArgs(instance, Image, logs, "--Greyhub:Servers:SlowSpawnTimeout=00:00:00", "--Greyhub:Servers:PollInterval=00:00:01");
        using var docker = PodmanTestHost.DockerApi();
        try
        {
            await using var first = await GreyhubProcess.StartAsync(dataDir, args, port, Ct);
            using var admin = await JupyterClient.AdminAsync(first);
            using var ada = await admin.CreateUserAsync("ada");
            await HubPages.AddUserAsync(first, "bob", Password);
            using var bob = await admin.ForUserAsync("bob");
            await Task.WhenAll(ada.StartAndWaitAsync("ada"), bob.StartAndWaitAsync("bob"));
            var adaContainer = await ContainerIdAsync(admin, "ada");
            var bobContainer = await ContainerIdAsync(admin, "bob");
            Assert.Equal(2, (await ContainersAsync(docker, instance)).Count);

            using (var status = await ada.Http.GetAsync("user/ada/api/status", Ct))
            {
                Assert.Equal(HttpStatusCode.OK, status.StatusCode);
            }
            Assert.Equal("2", await ada.ExecuteAsync("ada", "1+1"));
            // The code ran inside the container, not on the host.
            Assert.Equal("True", await ada.ExecuteAsync("ada", "import os; os.path.exists('/run/.containerenv') or os.path.exists('/.dockerenv')"));

            // Someone removes bob's container with the container tools: the hub shows the server stopped and why.
            using (var removed = await docker.DeleteAsync($"containers/{bobContainer}?force=true", Ct))
            {
                Assert.True(removed.IsSuccessStatusCode, await removed.Content.ReadAsStringAsync(Ct));
            }
            await admin.WaitStoppedAsync("bob", TimeSpan.FromSeconds(60));
            var home = await HubPages.ReadAsync(first.Address, "bob", Password, "hub/home");
            // A poll after the removal sees the container gone; one between the kill and the removal sees it ended, with the
            // exit the container host recorded (SIGKILL's 137, or the server's own exit if it got to handle a signal).
            var notice = Regex.Match(home, "<p class=\"notice\" id=\"reason-default\">[^<]*</p>").Value;
            Assert.Matches(@"Your default server stopped: (Container removed outside Greyhub|Ended by signal \d+ \(exit code \d+\)|Exited with code \d+)</p>", notice);

            // The hub crashes and comes back: ada's container answers through the new proxy, untouched.
            await first.KillHardAsync();
            await using var second = await GreyhubProcess.StartAsync(dataDir, args, port, Ct);
            using (var status = await ada.Http.GetAsync("user/ada/api/status", Ct))
            {
                Assert.Equal(HttpStatusCode.OK, status.StatusCode);
            }
            await second.LogWithAsync("Re-attached 1 running servers; 0 found stopped", Ct);
            Assert.Equal(adaContainer, await ContainerIdAsync(admin, "ada"));

            // Stopped on request: the container is gone, and nothing of this hub is left on the container host.
            using (var stop = await ada.Http.DeleteAsync("hub/api/users/ada/server", Ct))
            {
                Assert.True(stop.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.Accepted, stop.StatusCode.ToString());
            }
            await admin.WaitStoppedAsync("ada", TimeSpan.FromSeconds(60));
            Assert.Empty(await ContainersAsync(docker, instance));
        }
        finally
        {
            await PodmanTestHost.RemoveAllAsync(docker, instance);
            Directory.Delete(logs, recursive: true);
        }
    }

    private static async Task RequireAsync()
    {
        Requires.Program("/usr/bin/jupyterhub-singleuser", "apt-get install -y jupyterhub python3-ipykernel");
        await PodmanTestHost.RequireAsync(Image, "sudo bash scripts/podman-local.sh start && sudo bash scripts/build-test-image.sh jupyter");
    }

    private static async Task<List<string>> ContainersAsync(HttpClient docker, string instance) =>
        [.. (await PodmanTestHost.ContainersAsync(docker, $"greyhub.instance={instance}")).Select(c => c.GetProperty("Id").GetString()!)];

    private static async Task<string> ContainerIdAsync(JupyterClient admin, string user) =>
        (await admin.UserAsync(user)).GetProperty("servers").GetProperty("").GetProperty("state").GetProperty("spawner").GetProperty("id").GetString()!;
}
