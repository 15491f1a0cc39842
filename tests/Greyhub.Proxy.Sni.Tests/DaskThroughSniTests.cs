using Greyhub.Testing;

namespace Greyhub.Proxy.Sni.Tests;

/// <summary>
/// Real Dask through the SNI port: Debian's scheduler and worker with per-cluster mutual TLS, and a
/// <c>distributed.Client</c> that names the cluster in its handshake (python/greyhub/security.py).
/// </summary>
public sealed class DaskThroughSniTests : IAsyncLifetime
{
    // Connects through the proxy as the notebook module will; prints the result or how it was refused.
    private const string ClientScript = """
        import sys, ssl
        sys.path.insert(0, sys.argv[1])
        from distributed import Client
        from greyhub.security import ClusterSecurity, server_name
        port, cluster, ca, cert, key, mode = sys.argv[2:8]

        class NoClientCertificate(ClusterSecurity):
            def get_connection_args(self, role):
                ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=self.tls_ca_file)
                ctx.check_hostname = False
                return {"ssl_context": ctx, "require_encryption": True, "server_hostname": self.server_hostname, "extra_conn_args": {}}

        kind = NoClientCertificate if mode == "nocert" else ClusterSecurity
        security = kind(server_name(cluster), tls_ca_file=ca, tls_client_cert=cert, tls_client_key=key)
        try:
            client = Client("tls://127.0.0.1:" + port, security=security, timeout="15s")
        except Exception as e:
            print("REFUSED", type(e).__name__)
            sys.exit(0)
        client.wait_for_workers(1, timeout=60)
        inc = lambda x: x + 1
        print("SUM", sum(client.gather(client.map(inc, range(100)))))
        client.close()
        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("greyhub-sni-dask-").FullName;
    private readonly ClusterCertificates _certsA = ClusterCertificates.Create("daskgateway-a");
    private readonly ClusterCertificates _certsB = ClusterCertificates.Create("daskgateway-b");
    private SniProxyHost _proxy = null!;
    private DaskScheduler _a = null!;
    private DaskScheduler _b = null!;

    public async ValueTask InitializeAsync()
    {
        Requires.PythonModules("apt-get install python3-distributed", "distributed");
        _proxy = await SniProxyHost.StartAsync();
        _a = await DaskScheduler.StartAsync("a", _certsA, _directory, TestContext.Current.CancellationToken);
        _b = await DaskScheduler.StartAsync("b", _certsB, _directory, TestContext.Current.CancellationToken);
        _proxy.Routes.Set("daskgateway-a", "127.0.0.1", _a.Port);
        _proxy.Routes.Set("daskgateway-b", "127.0.0.1", _b.Port);
    }

    private async Task<string> ClientAsync(string cluster, DaskScheduler credentials, string mode = "cert")
    {
        var python = Path.Combine(AppContext.BaseDirectory, "python");
        var result = await DebianPython.TryRunAsync(ClientScript,
            [python, _proxy.Port.ToString(), cluster, credentials.Pem.Ca, credentials.Pem.Cert, credentials.Pem.Key, mode],
            TestContext.Current.CancellationToken, TimeSpan.FromMinutes(3));
        Assert.True(result.ExitCode == 0, $"client exited with {result.ExitCode}:\n{result.StdErr}\n--- cluster ---\n{credentials.Log}");
        return result.StdOut.Trim();
    }

    [Fact]
    public async Task A_distributed_Client_runs_a_map_gather_on_each_cluster_through_one_port()
    {
        Assert.Equal("SUM 5050", await ClientAsync("a", _a));
        Assert.Equal("SUM 5050", await ClientAsync("b", _b));
    }

    [Fact]
    public async Task Another_clusters_certificate_or_none_is_refused_by_the_scheduler()
    {
        // Cluster b's credentials, naming cluster a: the proxy routes to a, whose scheduler refuses b's certificate.
        Assert.StartsWith("REFUSED", await ClientAsync("a", _b));
        // Cluster a's CA but no client certificate: mutual TLS at the scheduler refuses it.
        Assert.StartsWith("REFUSED", await ClientAsync("a", _a, "nocert"));
        // The right credentials still work afterwards.
        Assert.Equal("SUM 5050", await ClientAsync("a", _a));
    }

    [Fact]
    public async Task After_its_route_is_removed_a_cluster_cannot_be_reached()
    {
        Assert.True(_proxy.Routes.Remove("daskgateway-b"));
        Assert.StartsWith("REFUSED", await ClientAsync("b", _b));
    }

    public async ValueTask DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        await _proxy.DisposeAsync();
        _certsA.Dispose();
        _certsB.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
