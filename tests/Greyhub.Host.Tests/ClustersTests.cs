using System.Net;
using System.Text.Json;
using Greyhub.Testing;

namespace Greyhub.Host.Tests;

/// <summary>
/// Dask clusters through the hub's Dask Gateway API on the local engine, with Debian's <c>dask-scheduler</c>,
/// <c>dask-worker</c> and a real <c>distributed.Client</c>: compute, scale, replace a killed worker, keep other users
/// out, refuse bad options, and leave no process behind.
/// </summary>
public sealed class ClustersTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static void RequireDask()
    {
        Requires.Program("/usr/bin/dask-scheduler", "apt-get install -y python3-distributed");
        Requires.Program("/usr/bin/dask-worker", "apt-get install -y python3-distributed");
    }

    [Fact]
    public async Task A_cluster_made_through_the_api_computes_scales_replaces_a_killed_worker_and_stops_clean()
    {
        RequireDask();
        await using var hub = await GreyhubProcess.StartAsync(cancellationToken: Ct);
        using var admin = await JupyterClient.AdminAsync(hub);
        using var aliceHub = await admin.CreateUserAsync("alice");
        using var bobHub = await admin.CreateUserAsync("bob");
        using var alice = new ClusterTestKit(hub.Address, aliceHub.Token);
        using var bob = new ClusterTestKit(hub.Address, bobHub.Token);
        string? name = null;
        try
        {
            var (healthStatus, health) = await alice.SendAsync(HttpMethod.Get, "health");
            Assert.Equal(HttpStatusCode.OK, healthStatus);
            Assert.Equal("pass", health.GetProperty("status").GetString());
            var (_, options) = await alice.SendAsync(HttpMethod.Get, "v1/options");
            Assert.Contains(options.GetProperty("cluster_options").EnumerateArray(), f => f.GetProperty("field").GetString() == "worker_cores");

            // Bad options: Gateway's 422 with the reason.
            var (tooBig, tooBigBody) = await alice.SendAsync(HttpMethod.Post, "v1/clusters/", new { cluster_options = new { worker_cores = 100 } });
            Assert.Equal(HttpStatusCode.UnprocessableEntity, tooBig);
            Assert.Contains("worker_cores", tooBigBody.GetProperty("error").GetString(), StringComparison.Ordinal);
            var (unknown, unknownBody) = await alice.SendAsync(HttpMethod.Post, "v1/clusters/", new { cluster_options = new { gpus = 8 } });
            Assert.Equal(HttpStatusCode.UnprocessableEntity, unknown);
            Assert.Contains("'gpus'", unknownBody.GetProperty("error").GetString(), StringComparison.Ordinal);

            name = await alice.CreateAsync(new { worker_cores = 1, worker_memory = 1 });
            var running = await alice.WaitRunningAsync(name);
            Assert.True(running.GetProperty("status").GetString() == "RUNNING", running.ToString());
            Assert.StartsWith("-----BEGIN CERTIFICATE-----", running.GetProperty("tls_cert").GetString(), StringComparison.Ordinal);
            Assert.StartsWith("tls://", running.GetProperty("scheduler_address").GetString(), StringComparison.Ordinal);

            // Another user's token can neither list, see, scale nor stop it.
            var (_, bobList) = await bob.SendAsync(HttpMethod.Get, "v1/clusters/");
            Assert.False(bobList.TryGetProperty(name, out _), bobList.ToString());
            Assert.Equal(HttpStatusCode.Forbidden, (await bob.SendAsync(HttpMethod.Get, "v1/clusters/" + name)).Status);
            Assert.Equal(HttpStatusCode.Forbidden, (await bob.SendAsync(HttpMethod.Post, $"v1/clusters/{name}/scale", new { count = 3 })).Status);
            Assert.Equal(HttpStatusCode.Forbidden, (await bob.SendAsync(HttpMethod.Delete, "v1/clusters/" + name)).Status);
            var (_, aliceList) = await alice.SendAsync(HttpMethod.Get, "v1/clusters/?status=RUNNING,PENDING");
            Assert.True(aliceList.TryGetProperty(name, out _), aliceList.ToString());
            Assert.Equal(HttpStatusCode.UnprocessableEntity, (await alice.SendAsync(HttpMethod.Get, "v1/clusters/?status=SLEEPING")).Status);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, (await alice.SendAsync(HttpMethod.Post, $"v1/clusters/{name}/scale", new { count = -1 })).Status);

            // Scale 1, compute through a real distributed.Client over TLS with the cluster's credentials.
            Assert.Equal(HttpStatusCode.OK, (await alice.SendAsync(HttpMethod.Post, $"v1/clusters/{name}/scale", new { count = 1 })).Status);
            await alice.WaitWorkersAsync(name, 1);
            var output = await alice.RunPythonAsync($$"""
                import greyhub, dask.array as da
                cluster = greyhub.Gateway().connect("{{name}}")
                print("via", cluster.scheduler_address)
                client = cluster.get_client()
                client.wait_for_workers(1, timeout=60)
                print("gather", sum(client.gather(client.map(lambda x: x * x, range(100)))))
                print("array", int(da.ones((2000, 2000), chunks=(500, 500)).sum().compute()))
                cluster.close()
                """, TimeSpan.FromMinutes(2));
            Assert.Contains("gather 328350", output, StringComparison.Ordinal);
            // Through the hub's one TLS port (routed by SNI), not straight to the scheduler.
            Assert.Contains($"via tls://127.0.0.1:{running.GetProperty("proxy_port").GetInt32()}", output, StringComparison.Ordinal);
            Assert.Equal("daskgateway-" + name, running.GetProperty("server_hostname").GetString());
            Assert.Contains("array 4000000", output, StringComparison.Ordinal);
            // A client that trusts the cluster's CA but shows no client certificate is refused by the scheduler (mutual TLS).
            var refused = await alice.RunPythonAsync($$"""
                import tempfile, greyhub
                from distributed import Client
                from distributed.security import Security
                report = greyhub.Gateway().get_cluster("{{name}}")
                with tempfile.NamedTemporaryFile("w", suffix=".crt") as ca:
                    ca.write(report["tls_cert"]); ca.flush()
                    try:
                        Client(report["scheduler_address"], security=Security(tls_ca_file=ca.name, require_encryption=True), timeout=5)
                        print("connected")
                    except Exception as e:
                        print("refused", type(e).__name__)
                """, TimeSpan.FromMinutes(1));
            Assert.Contains("refused", refused, StringComparison.Ordinal);
            Assert.DoesNotContain("connected", refused, StringComparison.Ordinal);

            // 1 -> 4 -> 1.
            Assert.Equal(HttpStatusCode.OK, (await alice.SendAsync(HttpMethod.Post, $"v1/clusters/{name}/scale", new { count = 4 })).Status);
            await alice.WaitWorkersAsync(name, 4);
            Assert.Equal(HttpStatusCode.OK, (await alice.SendAsync(HttpMethod.Post, $"v1/clusters/{name}/scale", new { count = 1 })).Status);
            await alice.WaitWorkersAsync(name, 1);

            // A worker killed from outside is replaced.
            var victim = Assert.Single(ClusterTestKit.WorkerPids(name));
            using (var kill = System.Diagnostics.Process.Start("kill", ["-9", victim.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync(Ct);
            }
            await alice.WaitAsync(name, m => ClusterTestKit.WorkerPids(name) is [var p] && p != victim && m.GetProperty("workers").GetInt32() == 1,
                TimeSpan.FromSeconds(90), "given a new worker");

            Assert.Equal(HttpStatusCode.NoContent, (await alice.SendAsync(HttpMethod.Delete, "v1/clusters/" + name)).Status);
            var stopped = await alice.WaitEndedAsync(name, TimeSpan.FromSeconds(30));
            Assert.Equal("STOPPED", stopped.GetProperty("status").GetString());
            Assert.Equal(JsonValueKind.Null, stopped.GetProperty("tls_key").ValueKind);
            await ClusterTestKit.AssertGoneAsync(name);
            Assert.Equal(HttpStatusCode.NoContent, (await alice.SendAsync(HttpMethod.Delete, "v1/clusters/" + name)).Status);
        }
        finally
        {
            if (name is not null)
            {
                await alice.SendAsync(HttpMethod.Delete, "v1/clusters/" + name);
                await ClusterTestKit.AssertGoneAsync(name);
            }
        }
    }

    [Fact]
    public async Task A_cluster_whose_client_is_killed_is_stopped()
    {
        RequireDask();
        await using var hub = await GreyhubProcess.StartAsync(extraArgs: ["--Greyhub:Clusters:ClientTimeout=00:00:03"], cancellationToken: Ct);
        using var admin = await JupyterClient.AdminAsync(hub);
        using var aliceHub = await admin.CreateUserAsync("alice");
        using var alice = new ClusterTestKit(hub.Address, aliceHub.Token);
        using var python = alice.StartPython("""
            import os, greyhub
            cluster = greyhub.new_cluster(workers=1)
            client = cluster.get_client()
            client.wait_for_workers(1, timeout=60)
            print(cluster.name, flush=True)
            os.kill(os.getpid(), 9)
            """);
        var name = (await python.StandardOutput.ReadLineAsync(Ct))?.Trim();
        await python.WaitForExitAsync(Ct);
        Assert.True(name is { Length: > 0 }, await python.StandardError.ReadToEndAsync(Ct));
        try
        {
            var ended = await alice.WaitEndedAsync(name, TimeSpan.FromSeconds(60));
            Assert.Equal("STOPPED", ended.GetProperty("status").GetString());
            Assert.Contains("No client", ended.GetProperty("reason").GetString(), StringComparison.Ordinal);
            await ClusterTestKit.AssertGoneAsync(name);
        }
        finally
        {
            await alice.SendAsync(HttpMethod.Delete, "v1/clusters/" + name);
            await ClusterTestKit.AssertGoneAsync(name);
        }
    }

    [Fact]
    public async Task A_notebook_makes_a_cluster_with_its_own_token_and_the_cluster_ends_with_its_server()
    {
        RequireDask();
        Requires.Program("/usr/bin/jupyterhub-singleuser", "apt-get install -y jupyterhub python3-ipykernel");
        await using var hub = await GreyhubProcess.StartAsync(extraArgs: ["--Greyhub:Spawner:Environment:PYTHONPATH=" + ClusterTestKit.PythonPath], cancellationToken: Ct);
        using var admin = await JupyterClient.AdminAsync(hub);
        using var aliceHub = await admin.CreateUserAsync("alice");
        using var alice = new ClusterTestKit(hub.Address, aliceHub.Token);
        await aliceHub.StartAndWaitAsync("alice");
        string? name = null;
        try
        {
            // The kernel has only the server's environment: JUPYTERHUB_API_URL and the server's own token.
            var printed = await aliceHub.ExecuteAsync("alice", """
                import greyhub
                cluster = greyhub.new_cluster(workers=1, shutdown_on_close=False)
                client = cluster.get_client()
                client.wait_for_workers(1, timeout=40)
                print(cluster.name, client.submit(lambda x: x + 1, 41).result())
                """);
            var parts = printed.Trim().Split(' ');
            Assert.True(parts.Length == 2 && parts[1] == "42", printed);
            name = parts[0];
            Assert.Equal("RUNNING", (await alice.GetAsync(name)).GetProperty("status").GetString());

            using (var stop = await admin.Http.DeleteAsync("hub/api/users/alice/server", Ct))
            {
                Assert.True(stop.IsSuccessStatusCode, stop.StatusCode.ToString());
            }
            var ended = await alice.WaitEndedAsync(name, TimeSpan.FromSeconds(60));
            Assert.Equal("STOPPED", ended.GetProperty("status").GetString());
            Assert.Contains("server", ended.GetProperty("reason").GetString(), StringComparison.Ordinal);
            await ClusterTestKit.AssertGoneAsync(name);
        }
        finally
        {
            if (name is not null)
            {
                await alice.SendAsync(HttpMethod.Delete, "v1/clusters/" + name);
                await ClusterTestKit.AssertGoneAsync(name);
            }
        }
    }

    [Fact]
    public async Task A_restarted_hub_re_adopts_a_running_cluster_and_reaps_a_dead_one()
    {
        RequireDask();
        var dataDir = Directory.CreateTempSubdirectory("greyhub-clusters-restart-").FullName;
        var port = FreePort.Next();
        var first = await GreyhubProcess.StartAsync(dataDir, port: port, cancellationToken: Ct);
        GreyhubProcess? second = null;
        string? kept = null, dead = null;
        ClusterTestKit? alice = null;
        try
        {
            using var admin = await JupyterClient.AdminAsync(first);
            using var aliceHub = await admin.CreateUserAsync("alice");
            alice = new ClusterTestKit(first.Address, aliceHub.Token);
            kept = await alice.CreateAsync();
            dead = await alice.CreateAsync();
            Assert.Equal("RUNNING", (await alice.WaitRunningAsync(kept)).GetProperty("status").GetString());
            Assert.Equal("RUNNING", (await alice.WaitRunningAsync(dead)).GetProperty("status").GetString());
            await alice.SendAsync(HttpMethod.Post, $"v1/clusters/{kept}/scale", new { count = 1 });
            await alice.WaitWorkersAsync(kept, 1);
            var keptPids = ClusterTestKit.Pids(kept).Order().ToList();

            await first.KillHardAsync();
            // While the hub is down, one cluster's scheduler dies.
            foreach (var pid in ClusterTestKit.Pids(dead))
            {
                using var kill = System.Diagnostics.Process.Start("kill", ["-9", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
                await kill.WaitForExitAsync(Ct);
            }
            second = await GreyhubProcess.StartAsync(dataDir, port: port, cancellationToken: Ct);

            var reaped = await alice.WaitEndedAsync(dead, TimeSpan.FromSeconds(60));
            Assert.Equal("FAILED", reaped.GetProperty("status").GetString());
            await ClusterTestKit.AssertGoneAsync(dead);
            var adopted = await alice.GetAsync(kept);
            Assert.Equal("RUNNING", adopted.GetProperty("status").GetString());
            Assert.Equal(keptPids, ClusterTestKit.Pids(kept).Order().ToList());
            var output = await alice.RunPythonAsync($$"""
                import greyhub
                cluster = greyhub.Gateway().connect("{{kept}}")
                client = cluster.get_client()
                client.wait_for_workers(1, timeout=60)
                print("sum", sum(client.gather(client.map(lambda x: x + 1, range(10)))))
                cluster.close()
                """, TimeSpan.FromMinutes(2));
            Assert.Contains("sum 55", output, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.NoContent, (await alice.SendAsync(HttpMethod.Delete, "v1/clusters/" + kept)).Status);
            await alice.WaitEndedAsync(kept, TimeSpan.FromSeconds(30));
            await ClusterTestKit.AssertGoneAsync(kept);
        }
        finally
        {
            foreach (var name in new[] { kept, dead }.OfType<string>())
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
            if (second is not null)
            {
                await second.DisposeAsync();
            }
            else
            {
                Directory.Delete(dataDir, recursive: true);
            }
        }
    }
}
