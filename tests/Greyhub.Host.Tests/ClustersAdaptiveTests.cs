using System.Net;
using System.Text.Json;

namespace Greyhub.Host.Tests;

/// <summary>
/// Adaptive scaling between bounds, driven by the scheduler's own <c>adaptive_target</c> as the preload reports it: a
/// queue of slow tasks grows the cluster to its maximum (never past it), and an idle cluster shrinks to its minimum.
/// </summary>
public sealed class ClustersAdaptiveTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Adapt_grows_the_workers_under_queued_work_and_shrinks_them_when_idle()
    {
        Greyhub.Testing.Requires.Program("/usr/bin/dask-scheduler", "apt-get install -y python3-distributed");
        await using var hub = await GreyhubProcess.StartAsync(extraArgs: ["--Greyhub:Clusters:AdaptivePeriod=00:00:01"], cancellationToken: Ct);
        using var admin = await JupyterClient.AdminAsync(hub);
        using var aliceHub = await admin.CreateUserAsync("alice");
        using var alice = new ClusterTestKit(hub.Address, aliceHub.Token);
        var name = await alice.CreateAsync();
        System.Diagnostics.Process? python = null;
        try
        {
            Assert.Equal("RUNNING", (await alice.WaitRunningAsync(name)).GetProperty("status").GetString());
            Assert.Equal(HttpStatusCode.OK, (await alice.SendAsync(HttpMethod.Post, $"v1/clusters/{name}/adapt", new { minimum = 1, maximum = 3 })).Status);
            var idle = await alice.WaitWorkersAsync(name, 1);
            Assert.Equal(1, idle.GetProperty("adaptive").GetProperty("minimum").GetInt32());
            Assert.Equal(3, idle.GetProperty("adaptive").GetProperty("maximum").GetInt32());

            // 40 tasks of 2 s queued on one single-threaded worker: the scheduler wants more workers.
            python = alice.StartPython($$"""
                import time, greyhub
                cluster = greyhub.Gateway().connect("{{name}}")
                client = cluster.get_client()
                client.wait_for_workers(1, timeout=60)
                futures = client.map(lambda i: time.sleep(2) or i, range(40), pure=False)
                print("submitted", flush=True)
                print("sum", sum(client.gather(futures)), flush=True)
                cluster.close()
                """);
            var stdout = python.StandardOutput.ReadToEndAsync(Ct);
            var stderr = python.StandardError.ReadToEndAsync(Ct);
            var most = 0;
            // The assertion judges the reading that ended the wait, not a second look at the processes: the grown cluster may
            // rightly shrink a moment later (the work's tail lowers the scheduler's target and the hub retires workers), and
            // an API count from before a retirement next to a process count from after it is "3 workers, 1 process".
            var seen = (Workers: 0, Processes: 0);
            var grown = await alice.WaitAsync(name, m =>
            {
                most = Math.Max(most, m.GetProperty("workers_requested").GetInt32());
                seen = (m.GetProperty("workers").GetInt32(), ClusterTestKit.WorkerPids(name).Count);
                return seen == (3, 3) || python.HasExited;
            }, TimeSpan.FromSeconds(150), "grown to 3 workers");
            Assert.True(seen == (3, 3), $"the work ended before the cluster grew: {grown}\nworker processes: {seen.Processes}\n{(python.HasExited ? await stderr : "")}");

            await python.WaitForExitAsync(Ct);
            Assert.True(python.ExitCode == 0, await stderr);
            Assert.Contains("sum 780", await stdout, StringComparison.Ordinal);

            // Idle: back to the minimum, the extra workers' processes gone; never past the maximum on the way.
            var shrunk = await alice.WaitAsync(name, m =>
            {
                most = Math.Max(most, m.GetProperty("workers_requested").GetInt32());
                return m.GetProperty("workers").GetInt32() == 1 && m.GetProperty("workers_requested").GetInt32() == 1 && ClusterTestKit.WorkerPids(name).Count == 1;
            }, TimeSpan.FromSeconds(90), "shrunk to 1 worker");
            Assert.Equal(3, most);
            Assert.Equal("RUNNING", shrunk.GetProperty("status").GetString());
            Assert.Equal(JsonValueKind.Object, shrunk.GetProperty("adaptive").ValueKind);

            Assert.Equal(HttpStatusCode.NoContent, (await alice.SendAsync(HttpMethod.Delete, "v1/clusters/" + name)).Status);
            await alice.WaitEndedAsync(name, TimeSpan.FromSeconds(30));
            await ClusterTestKit.AssertGoneAsync(name);
        }
        finally
        {
            if (python is { HasExited: false })
            {
                python.Kill(entireProcessTree: true);
            }
            python?.Dispose();
            await alice.SendAsync(HttpMethod.Delete, "v1/clusters/" + name);
            await ClusterCleanup.KillAllAsync(name);
        }
    }
}
