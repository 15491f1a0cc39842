using System.Net;
using Greyhub.Testing;

namespace Greyhub.Host.Tests;

/// <summary>
/// The orphan window: a real hub killed (SIGKILL, by its own <c>GREYHUB_CRASH_AT</c> test seam) right after launching a
/// cluster's job and before storing its handle. The restarted hub finds the job by the key it stored first and adopts
/// it: no second worker or scheduler, no orphaned process.
/// </summary>
public sealed class ClustersRestartTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_worker_launched_just_before_a_hub_crash_is_adopted_by_the_next_hub_not_orphaned()
    {
        ClusterEngineScenario.RequireDask();
        var dataDir = Directory.CreateTempSubdirectory("greyhub-clusters-orphan-").FullName;
        var port = FreePort.Next();
        var crashing = new Dictionary<string, string> { ["GREYHUB_CRASH_AT"] = "cluster-worker-launched" };
        var first = await GreyhubProcess.StartAsync(crashing, dataDir, null, port, Ct);
        GreyhubProcess? second = null;
        ClusterTestKit? alice = null;
        string? name = null;
        try
        {
            using var admin = await JupyterClient.AdminAsync(first);
            using var aliceHub = await admin.CreateUserAsync("alice");
            alice = new ClusterTestKit(first.Address, aliceHub.Token);
            name = await alice.CreateAsync();
            Assert.Equal("RUNNING", (await alice.WaitRunningAsync(name)).GetProperty("status").GetString());
            await alice.SendAsync(HttpMethod.Post, $"v1/clusters/{name}/scale", new { count = 1 });
            // The hub launches the worker and dies before writing down its job.
            await first.WaitForExitAsync(TimeSpan.FromSeconds(60));
            var orphan = Assert.Single(ClusterTestKit.WorkerPids(name));

            second = await GreyhubProcess.StartAsync(dataDir, port: port, cancellationToken: Ct);
            await second.LogWithAsync("found by its key and adopted", Ct);
            await alice.WaitWorkersAsync(name, 1);
            // The same process: adopted, not replaced (a replacement would leave the first one running beside it).
            Assert.Equal([orphan], ClusterTestKit.WorkerPids(name));
            var output = await alice.RunPythonAsync(ClusterEngineScenario.ComputeScript(name, 1), TimeSpan.FromMinutes(2));
            Assert.Contains("gather 328350", output, StringComparison.Ordinal);
            Assert.Contains("workers 1", output, StringComparison.Ordinal);

            Assert.Equal(HttpStatusCode.NoContent, (await alice.SendAsync(HttpMethod.Delete, "v1/clusters/" + name)).Status);
            Assert.Equal("STOPPED", (await alice.WaitEndedAsync(name, TimeSpan.FromSeconds(30))).GetProperty("status").GetString());
            await ClusterTestKit.AssertGoneAsync(name);
        }
        finally
        {
            await CleanUpAsync(name, alice, first, second);
        }
    }

    [Fact]
    public async Task A_scheduler_launched_just_before_a_hub_crash_is_adopted_and_its_cluster_runs()
    {
        ClusterEngineScenario.RequireDask();
        var dataDir = Directory.CreateTempSubdirectory("greyhub-clusters-orphan-").FullName;
        var port = FreePort.Next();
        var crashing = new Dictionary<string, string> { ["GREYHUB_CRASH_AT"] = "cluster-scheduler-launched" };
        var first = await GreyhubProcess.StartAsync(crashing, dataDir, null, port, Ct);
        GreyhubProcess? second = null;
        ClusterTestKit? alice = null;
        string? name = null;
        try
        {
            using var admin = await JupyterClient.AdminAsync(first);
            using var aliceHub = await admin.CreateUserAsync("alice");
            alice = new ClusterTestKit(first.Address, aliceHub.Token);
            // The hub dies inside the create request, after launching the scheduler: the client gets no answer.
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => alice.Http.PostAsync("v1/clusters/", System.Net.Http.Json.JsonContent.Create(new { cluster_options = new { } }), Ct));
            await first.WaitForExitAsync(TimeSpan.FromSeconds(60));

            second = await GreyhubProcess.StartAsync(dataDir, port: port, cancellationToken: Ct);
            var (_, list) = await alice.SendAsync(HttpMethod.Get, "v1/clusters/");
            name = Assert.Single(list.EnumerateObject()).Name;
            var scheduler = Assert.Single(ClusterTestKit.Pids(name));
            var running = await alice.WaitRunningAsync(name);
            Assert.True(running.GetProperty("status").GetString() == "RUNNING", running.ToString());
            Assert.Equal([scheduler], ClusterTestKit.Pids(name));
            await alice.SendAsync(HttpMethod.Post, $"v1/clusters/{name}/scale", new { count = 1 });
            await alice.WaitWorkersAsync(name, 1);
            var output = await alice.RunPythonAsync(ClusterEngineScenario.ComputeScript(name, 1), TimeSpan.FromMinutes(2));
            Assert.Contains("gather 328350", output, StringComparison.Ordinal);

            Assert.Equal(HttpStatusCode.NoContent, (await alice.SendAsync(HttpMethod.Delete, "v1/clusters/" + name)).Status);
            await alice.WaitEndedAsync(name, TimeSpan.FromSeconds(30));
            await ClusterTestKit.AssertGoneAsync(name);
        }
        finally
        {
            await CleanUpAsync(name, alice, first, second);
        }
    }

    private static async Task CleanUpAsync(string? name, ClusterTestKit? alice, GreyhubProcess first, GreyhubProcess? second)
    {
        if (name is not null)
        {
            if (alice is not null && second is not null)
            {
                await alice.SendAsync(HttpMethod.Delete, "v1/clusters/" + name);
            }
            foreach (var pid in ClusterTestKit.Pids(name))
            {
                using var kill = System.Diagnostics.Process.Start("kill", ["-9", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
                await kill.WaitForExitAsync(CancellationToken.None);
            }
        }
        alice?.Dispose();
        // The second hub owns the shared data folder once it runs; before, the first (alive or not) does.
        await (second ?? first).DisposeAsync();
    }
}
