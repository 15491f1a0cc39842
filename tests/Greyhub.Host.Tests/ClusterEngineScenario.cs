using System.Diagnostics;
using System.Net;
using Greyhub.Testing;

namespace Greyhub.Host.Tests;

/// <summary>
/// One cluster's whole life on a compute engine, as the Slurm and containers tests run it: made through the API, a real
/// <c>distributed.Client</c> through the hub's SNI port runs a map/gather and a <c>dask.array</c> sum, scale 1 → 2, stop;
/// then neither a process nor a job of the engine (asked by <c>leftJobs</c>) is left.
/// </summary>
internal static class ClusterEngineScenario
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static void RequireDask()
    {
        Requires.Program("/usr/bin/dask-scheduler", "apt-get install -y python3-distributed");
        Requires.Program("/usr/bin/dask-worker", "apt-get install -y python3-distributed");
    }

    /// <summary>The Python a client runs: connect through SNI, compute, print the results and the workers it saw.</summary>
    public static string ComputeScript(string name, int workers) => $$"""
        import greyhub, dask.array as da
        cluster = greyhub.Gateway().connect("{{name}}")
        print("via", cluster.scheduler_address)
        client = cluster.get_client()
        client.wait_for_workers({{workers}}, timeout=120)
        print("gather", sum(client.gather(client.map(lambda x: x * x, range(100)))))
        print("array", int(da.ones((2000, 2000), chunks=(500, 500)).sum().compute()))
        print("workers", len(client.scheduler_info()["workers"]))
        cluster.close()
        """;

    public static async Task RunAsync(string[] hubArgs, Func<string, Task<List<string>>> leftJobs)
    {
        RequireDask();
        await using var hub = await GreyhubProcess.StartAsync(extraArgs: hubArgs, cancellationToken: Ct);
        using var admin = await JupyterClient.AdminAsync(hub);
        using var aliceHub = await admin.CreateUserAsync("alice");
        using var alice = new ClusterTestKit(hub.Address, aliceHub.Token);
        string? name = null;
        try
        {
            name = await alice.CreateAsync(new { worker_cores = 1, worker_memory = 1 });
            var running = await alice.WaitAsync(name, m => m.GetProperty("status").GetString() is "RUNNING" or "FAILED" or "STOPPED",
                TimeSpan.FromSeconds(120), "running");
            Assert.True(running.GetProperty("status").GetString() == "RUNNING", running.ToString() + "\n" + hub.Log);
            Assert.Single(await leftJobs(name));

            Assert.Equal(HttpStatusCode.OK, (await alice.SendAsync(HttpMethod.Post, $"v1/clusters/{name}/scale", new { count = 1 })).Status);
            await alice.WaitWorkersAsync(name, 1);
            var output = await alice.RunPythonAsync(ComputeScript(name, 1), TimeSpan.FromMinutes(3));
            // Through the hub's one TLS port (routed by SNI), not straight to the scheduler.
            Assert.Contains($"via tls://127.0.0.1:{running.GetProperty("proxy_port").GetInt32()}", output, StringComparison.Ordinal);
            Assert.Contains("gather 328350", output, StringComparison.Ordinal);
            Assert.Contains("array 4000000", output, StringComparison.Ordinal);

            Assert.Equal(HttpStatusCode.OK, (await alice.SendAsync(HttpMethod.Post, $"v1/clusters/{name}/scale", new { count = 2 })).Status);
            await alice.WaitWorkersAsync(name, 2);
            Assert.Equal(3, (await leftJobs(name)).Count);
            var two = await alice.RunPythonAsync(ComputeScript(name, 2), TimeSpan.FromMinutes(3));
            Assert.Contains("workers 2", two, StringComparison.Ordinal);
            Assert.Contains("gather 328350", two, StringComparison.Ordinal);

            Assert.Equal(HttpStatusCode.NoContent, (await alice.SendAsync(HttpMethod.Delete, "v1/clusters/" + name)).Status);
            var stopped = await alice.WaitEndedAsync(name, TimeSpan.FromSeconds(60));
            Assert.Equal("STOPPED", stopped.GetProperty("status").GetString());
            await ClusterTestKit.AssertGoneAsync(name);
            await AssertNoJobsAsync(name, leftJobs);
        }
        finally
        {
            if (name is not null)
            {
                await alice.SendAsync(HttpMethod.Delete, "v1/clusters/" + name);
                await ClusterTestKit.AssertGoneAsync(name);
                await AssertNoJobsAsync(name, leftJobs);
            }
        }
    }

    /// <summary>Waits until the engine has no job of the cluster left.</summary>
    public static async Task AssertNoJobsAsync(string name, Func<string, Task<List<string>>> leftJobs)
    {
        var watch = Stopwatch.StartNew();
        while (await leftJobs(name) is { Count: > 0 } left)
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), $"jobs of cluster {name} still there: {string.Join(", ", left)}");
            await Task.Delay(250, Ct);
        }
    }
}
