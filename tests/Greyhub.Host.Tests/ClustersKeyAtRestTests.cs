using System.Net;
using Greyhub.Hub.Tests;
using Greyhub.Testing;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Greyhub.Host.Tests;

/// <summary>
/// A cluster's private key at rest: the <c>dask_clusters</c> row holds it encrypted under the hub's key ring, never as
/// PEM; the API still hands the owner the PEM, also from a restarted hub that re-adopted the cluster, and a real
/// <c>distributed.Client</c> computes with it.
/// </summary>
public sealed class ClustersKeyAtRestTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_database_holds_no_pem_key_and_a_re_adopted_cluster_still_hands_out_a_working_key()
    {
        Requires.Program("/usr/bin/dask-scheduler", "apt-get install -y python3-distributed");
        var dataDir = Directory.CreateTempSubdirectory("greyhub-clusters-key-").FullName;
        var port = FreePort.Next();
        var first = await GreyhubProcess.StartAsync(dataDir, port: port, cancellationToken: Ct);
        GreyhubProcess? second = null;
        string? name = null;
        ClusterTestKit? alice = null;
        try
        {
            using var admin = await JupyterClient.AdminAsync(first);
            using var aliceHub = await admin.CreateUserAsync("alice");
            alice = new ClusterTestKit(first.Address, aliceHub.Token);
            name = await alice.CreateAsync();
            var running = await alice.WaitRunningAsync(name);
            Assert.Equal("RUNNING", running.GetProperty("status").GetString());
            var key = running.GetProperty("tls_key").GetString();
            Assert.StartsWith("-----BEGIN PRIVATE KEY-----", key, StringComparison.Ordinal);

            var stored = await StoredKeyAsync(dataDir, name);
            Assert.DoesNotContain("PRIVATE KEY", stored, StringComparison.Ordinal);
            Assert.DoesNotContain("-----BEGIN", stored, StringComparison.Ordinal);
            // Not the key's base64 body either (a PEM with its armour stripped is still the key).
            var body = key!.Split('\n')[1];
            Assert.DoesNotContain(body, stored, StringComparison.Ordinal);

            await alice.SendAsync(HttpMethod.Post, $"v1/clusters/{name}/scale", new { count = 1 });
            await alice.WaitWorkersAsync(name, 1);
            await first.KillHardAsync();
            second = await GreyhubProcess.StartAsync(dataDir, port: port, cancellationToken: Ct);

            // The restarted hub decrypts the stored key with the ring in its data folder.
            var adopted = await alice.GetAsync(name);
            Assert.Equal("RUNNING", adopted.GetProperty("status").GetString());
            Assert.Equal(key, adopted.GetProperty("tls_key").GetString());
            var output = await alice.RunPythonAsync($$"""
                import greyhub
                cluster = greyhub.Gateway().connect("{{name}}")
                client = cluster.get_client()
                client.wait_for_workers(1, timeout=60)
                print("sum", sum(client.gather(client.map(lambda x: x * 2, range(10)))))
                cluster.close()
                """, TimeSpan.FromMinutes(2));
            Assert.Contains("sum 90", output, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.NoContent, (await alice.SendAsync(HttpMethod.Delete, "v1/clusters/" + name)).Status);
            await alice.WaitEndedAsync(name, TimeSpan.FromSeconds(30));
            await ClusterTestKit.AssertGoneAsync(name);
        }
        finally
        {
            if (name is not null)
            {
                if (alice is not null && second is not null)
                {
                    await alice.SendAsync(HttpMethod.Delete, "v1/clusters/" + name);
                }
                await ClusterCleanup.KillAllAsync(name);
            }
            alice?.Dispose();
            if (second is not null)
            {
                await second.DisposeAsync();
            }
            else
            {
                await first.DisposeAsync();
                if (Directory.Exists(dataDir))
                {
                    Directory.Delete(dataDir, recursive: true);
                }
                await TestDatabase.DropAsync(dataDir);
            }
        }
    }

    /// <summary>The <c>TlsKey</c> column of the cluster's row, read straight from the hub's database.</summary>
    private static async Task<string> StoredKeyAsync(string dataDir, string name)
    {
        const string Sql = "SELECT \"TlsKey\" FROM dask_clusters WHERE \"Name\" = @name";
        if (TestDatabase.IsPostgres)
        {
            await using var pg = new NpgsqlConnection(TestDatabase.ConnectionStringFor(dataDir));
            await pg.OpenAsync(Ct);
            await using var query = new NpgsqlCommand(Sql, pg);
            query.Parameters.AddWithValue("name", name);
            return (string)(await query.ExecuteScalarAsync(Ct))!;
        }
        await using var lite = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(dataDir, "greyhub.sqlite"), Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        await lite.OpenAsync(Ct);
        await using var command = lite.CreateCommand();
        command.CommandText = Sql;
        command.Parameters.AddWithValue("@name", name);
        return (string)(await command.ExecuteScalarAsync(Ct))!;
    }
}
