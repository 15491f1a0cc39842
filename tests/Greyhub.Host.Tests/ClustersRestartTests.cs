using System.Net;

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
        await using var hubs = await CrashingClusterHub.StartAsync("cluster-worker-launched");
        var alice = hubs.Alice;
        var name = await alice.CreateAsync();
        hubs.Clusters.Add(name);
        Assert.Equal("RUNNING", (await alice.WaitRunningAsync(name)).GetProperty("status").GetString());
        await alice.SendAsync(HttpMethod.Post, $"v1/clusters/{name}/scale", new { count = 1 });
        // The hub launches the worker and dies before writing down its job.
        await hubs.WaitForCrashAsync();
        var orphan = Assert.Single(ClusterTestKit.WorkerPids(name));

        var second = await hubs.RestartAsync();
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

    [Fact]
    public async Task A_scheduler_launched_just_before_a_hub_crash_is_adopted_and_its_cluster_runs()
    {
        await using var hubs = await CrashingClusterHub.StartAsync("cluster-scheduler-launched");
        var alice = hubs.Alice;
        // The hub dies inside the create request, after launching the scheduler: the client gets no answer.
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => alice.Http.PostAsync("v1/clusters/", System.Net.Http.Json.JsonContent.Create(new { cluster_options = new { } }), Ct));
        await hubs.WaitForCrashAsync();

        await hubs.RestartAsync();
        var (_, list) = await alice.SendAsync(HttpMethod.Get, "v1/clusters/");
        var name = Assert.Single(list.EnumerateObject()).Name;
        hubs.Clusters.Add(name);
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
}
