using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Greyhub.Testing;

namespace Greyhub.Host.Tests;

/// <summary>
/// <c>POST /hub/api/shutdown</c> against the real <c>greyhub serve</c> with real jupyterhub-singleuser servers and a
/// configurable-http-proxy the hub started: the process exits after answering 202; <c>servers: false, proxy: false</c>
/// leaves both running and a hub started afterwards re-adopts the server; <c>servers: true, proxy: true</c> stops both.
/// </summary>
public sealed class ShutdownApiTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Each_flag_decides_whether_servers_and_the_proxy_outlive_the_hub()
    {
        Requires.Program("/usr/bin/jupyterhub-singleuser", "apt-get install -y jupyterhub python3-ipykernel");
        var output = TestContext.Current.TestOutputHelper;
        var proxy = ExternalProxy.Chp();
        var dataDir = Directory.CreateTempSubdirectory("greyhub-shutdown-test-").FullName;
        var port = FreePort.Next();
        var first = await proxy.StartHubAsync(dataDir, port);
        GreyhubProcess? second = null;
        int? proxyPid = null, serverPid = null;
        try
        {
            proxyPid = ExternalProxy.Pid(first);
            Assert.True(proxyPid is { } p && ExternalProxy.Alive(p), "the hub wrote no pid file of a running proxy:\n" + first.Log);
            using var admin = await JupyterClient.AdminAsync(first);
            using var alice = await admin.CreateUserAsync("alice");
            await alice.StartAndWaitAsync("alice");
            serverPid = await admin.ServerPidAsync("alice");
            await proxy.WaitForOkAsync("user/alice/api/status", alice.Token, TimeSpan.FromSeconds(30));

            // Bad flags are refused, and the hub keeps running.
            using (var bad = await admin.Http.PostAsJsonAsync("hub/api/shutdown", new { servers = "yes" }, Ct))
            {
                Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            }
            using (var notAdmin = await alice.Http.PostAsync("hub/api/shutdown", null, Ct))
            {
                Assert.Equal(HttpStatusCode.Forbidden, notAdmin.StatusCode);
            }

            // Keep both: the hub exits, alice's server and the proxy stay, and still serve her.
            await ShutdownAsync(admin, new { servers = false, proxy = false });
            Assert.Equal(0, await first.WaitForExitAsync(Patience));
            Assert.True(ExternalProxy.Alive(serverPid.Value), "servers: false stopped alice's server");
            Assert.True(ExternalProxy.Alive(proxyPid.Value), "proxy: false stopped the proxy");
            await proxy.WaitForOkAsync("user/alice/api/status", alice.Token, TimeSpan.FromSeconds(30));

            // A new hub re-adopts the running server: same process, ready, routed.
            second = await proxy.StartHubAsync(dataDir, port);
            using var admin2 = await JupyterClient.AdminAsync(second);
            // Re-adopted in the background once the new hub listens: ready once checked.
            var model = await admin2.CheckedUserAsync("alice");
            Assert.True(model.GetProperty("servers").GetProperty("").GetProperty("ready").GetBoolean(), model.ToString());
            Assert.Equal(serverPid, await admin2.ServerPidAsync("alice"));
            Assert.Equal(proxyPid, ExternalProxy.Pid(second));

            // Stop both: the hub stops alice's server and the proxy it reused, then exits.
            await ShutdownAsync(admin2, new { servers = true, proxy = true });
            Assert.Equal(0, await second.WaitForExitAsync(Patience));
            Assert.True(await ExternalProxy.EndedAsync(serverPid.Value, TimeSpan.FromSeconds(30)), "servers: true left alice's server running");
            Assert.True(await ExternalProxy.EndedAsync(proxyPid.Value, TimeSpan.FromSeconds(30)), "proxy: true left the proxy running");
            Assert.Contains("Stopping 1 running servers", second.Log, StringComparison.Ordinal);
        }
        finally
        {
            output?.WriteLine(first.Log);
            output?.WriteLine(second?.Log ?? "");
            ExternalProxy.EndLeftover(proxyPid);
            ExternalProxy.EndLeftover(serverPid);
            await first.DisposeAsync();
            if (second is not null)
            {
                await second.DisposeAsync();
            }
        }
    }

    /// <summary>Asks for the shutdown: 202 with JupyterHub's message.</summary>
    private static async Task ShutdownAsync(JupyterClient admin, object flags)
    {
        using var response = await admin.Http.PostAsJsonAsync("hub/api/shutdown", flags, Ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("Shutting down Hub", (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("message").GetString());
    }
}
