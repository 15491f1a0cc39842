using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Greyhub.Host.Tests;

/// <summary>
/// <c>clusters!group=</c> and <c>read:clusters!group=</c>, as JupyterHub's <c>!group=</c> works for servers: a role
/// with the filter covers the clusters of the group's members, at the moment of each request, in the list and on the
/// clusters page too; anyone else's stay out.
/// </summary>
public sealed class ClustersGroupScopeTests
{
    private const string Password = "correct horse battery staple";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Group_filtered_scopes_reach_the_clusters_of_the_groups_members_only()
    {
        Greyhub.Testing.Requires.Program("/usr/bin/dask-scheduler", "apt-get install -y python3-distributed");
        var dataDir = Directory.CreateTempSubdirectory("greyhub-clusters-groups-").FullName;
        foreach (var user in new[] { "alice", "bob", "carol", "dave" })
        {
            var (code, _, stderr) = await GreyhubProcess.RunAsync(["users", "add", "--password-stdin", "--data-dir", dataDir, user], Password + "\n", Ct);
            Assert.True(code == 0, stderr);
        }
        await using var hub = await GreyhubProcess.StartAsync(dataDir, extraArgs:
        [
            // bob may act on the science group's clusters, carol only see them; dave holds the default role only.
            "--Greyhub:Roles:0:Name=science-operators", "--Greyhub:Roles:0:Users:0=bob", "--Greyhub:Roles:0:Scopes:0=clusters!group=science",
            "--Greyhub:Roles:1:Name=science-watchers", "--Greyhub:Roles:1:Users:0=carol", "--Greyhub:Roles:1:Scopes:0=read:clusters!group=science",
        ], cancellationToken: Ct);
        using var admin = await JupyterClient.AdminAsync(hub);
        using (var group = await admin.Http.PostAsJsonAsync("hub/api/groups/science", new { users = new[] { "alice" } }, Ct))
        {
            Assert.Equal(HttpStatusCode.Created, group.StatusCode);
        }
        using var aliceHub = await admin.ForUserAsync("alice");
        using var bobHub = await admin.ForUserAsync("bob");
        using var carolHub = await admin.ForUserAsync("carol");
        using var daveHub = await admin.ForUserAsync("dave");
        using var alice = new ClusterTestKit(hub.Address, aliceHub.Token);
        using var bob = new ClusterTestKit(hub.Address, bobHub.Token);
        using var carol = new ClusterTestKit(hub.Address, carolHub.Token);
        using var dave = new ClusterTestKit(hub.Address, daveHub.Token);
        var name = await alice.CreateAsync();
        try
        {
            Assert.Equal("RUNNING", (await alice.WaitRunningAsync(name)).GetProperty("status").GetString());

            // bob (clusters!group=science): sees alice's cluster with its credentials, scales and adapts it.
            var seenByBob = await bob.GetAsync(name);
            Assert.Equal("alice", seenByBob.GetProperty("user").GetString());
            // No dashboard is served here: the model says so rather than naming a route that does not answer.
            Assert.Equal(JsonValueKind.Null, seenByBob.GetProperty("dashboard_link").ValueKind);
            Assert.Equal(JsonValueKind.Null, seenByBob.GetProperty("dashboard_route").ValueKind);
            Assert.StartsWith("-----BEGIN PRIVATE KEY-----", seenByBob.GetProperty("tls_key").GetString(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, (await bob.SendAsync(HttpMethod.Post, $"v1/clusters/{name}/scale", new { count = 1 })).Status);
            await alice.WaitWorkersAsync(name, 1);
            Assert.Equal(HttpStatusCode.OK, (await bob.SendAsync(HttpMethod.Post, $"v1/clusters/{name}/scale", new { count = 0 })).Status);
            await alice.WaitWorkersAsync(name, 0);

            // carol (read:clusters!group=science): sees it, without the key pair, and may not change it.
            var seenByCarol = await carol.GetAsync(name);
            Assert.Equal("RUNNING", seenByCarol.GetProperty("status").GetString());
            Assert.Equal(JsonValueKind.Null, seenByCarol.GetProperty("tls_key").ValueKind);
            Assert.Equal(HttpStatusCode.Forbidden, (await carol.SendAsync(HttpMethod.Post, $"v1/clusters/{name}/scale", new { count = 2 })).Status);
            Assert.Equal(HttpStatusCode.Forbidden, (await carol.SendAsync(HttpMethod.Delete, "v1/clusters/" + name)).Status);

            // dave (no such role): nothing.
            Assert.Equal(HttpStatusCode.Forbidden, (await dave.SendAsync(HttpMethod.Get, "v1/clusters/" + name)).Status);
            Assert.Equal(HttpStatusCode.Forbidden, (await dave.SendAsync(HttpMethod.Post, $"v1/clusters/{name}/scale", new { count = 2 })).Status);

            // The list and the clusters page hold it for bob and carol (a stop button for bob only), not for dave.
            Assert.True(await ListsAsync(bob, name));
            Assert.True(await ListsAsync(carol, name));
            Assert.False(await ListsAsync(dave, name));
            var bobPage = await HubPages.ReadAsync(hub.Address, "bob", Password, "hub/clusters");
            Assert.Contains($"data-cluster=\"{name}\"", bobPage, StringComparison.Ordinal);
            Assert.Contains($"Stop cluster {name}", bobPage, StringComparison.Ordinal);
            Assert.Contains(">alice</td>", bobPage, StringComparison.Ordinal);
            var carolPage = await HubPages.ReadAsync(hub.Address, "carol", Password, "hub/clusters");
            Assert.Contains($"data-cluster=\"{name}\"", carolPage, StringComparison.Ordinal);
            Assert.DoesNotContain($"Stop cluster {name}", carolPage, StringComparison.Ordinal);
            Assert.DoesNotContain(name, await HubPages.ReadAsync(hub.Address, "dave", Password, "hub/clusters"), StringComparison.Ordinal);

            // alice leaves the group: at once, neither bob nor carol reach her cluster.
            using (var leave = new HttpRequestMessage(HttpMethod.Delete, "hub/api/groups/science/users") { Content = JsonContent.Create(new { users = new[] { "alice" } }) })
            using (var left = await admin.Http.SendAsync(leave, Ct))
            {
                Assert.True(left.IsSuccessStatusCode, left.StatusCode.ToString());
            }
            Assert.Equal(HttpStatusCode.Forbidden, (await bob.SendAsync(HttpMethod.Get, "v1/clusters/" + name)).Status);
            Assert.Equal(HttpStatusCode.Forbidden, (await bob.SendAsync(HttpMethod.Delete, "v1/clusters/" + name)).Status);
            Assert.Equal(HttpStatusCode.Forbidden, (await carol.SendAsync(HttpMethod.Get, "v1/clusters/" + name)).Status);
            Assert.False(await ListsAsync(bob, name));
            Assert.False(await ListsAsync(carol, name));
            Assert.Equal("RUNNING", (await alice.GetAsync(name)).GetProperty("status").GetString());

            // Back in the group, bob may stop it.
            using (var rejoin = await admin.Http.PostAsJsonAsync("hub/api/groups/science/users", new { users = new[] { "alice" } }, Ct))
            {
                Assert.True(rejoin.IsSuccessStatusCode, rejoin.StatusCode.ToString());
            }
            Assert.Equal(HttpStatusCode.NoContent, (await bob.SendAsync(HttpMethod.Delete, "v1/clusters/" + name)).Status);
            var stopped = await alice.WaitEndedAsync(name, TimeSpan.FromSeconds(30));
            Assert.Contains("bob", stopped.GetProperty("reason").GetString(), StringComparison.Ordinal);
            await ClusterTestKit.AssertGoneAsync(name);
        }
        finally
        {
            await alice.SendAsync(HttpMethod.Delete, "v1/clusters/" + name);
            await ClusterCleanup.KillAllAsync(name);
        }
    }

    private static async Task<bool> ListsAsync(ClusterTestKit user, string name)
    {
        var (status, list) = await user.SendAsync(HttpMethod.Get, "v1/clusters/");
        Assert.Equal(HttpStatusCode.OK, status);
        return list.TryGetProperty(name, out _);
    }
}
