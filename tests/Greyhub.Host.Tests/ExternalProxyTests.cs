using System.Text.Json;
using Greyhub.Testing;

namespace Greyhub.Host.Tests;

/// <summary>
/// Greyhub's hub drives a proxy in its own process, started by the hub with CHP's flags: Debian's
/// configurable-http-proxy unchanged, and <c>greyhub proxy</c>. A real single-user server is reached through the proxy's public port (the hub's API too, through the
/// hub's own route), its activity comes back into the hub, a killed proxy is restarted with its routes, a stopped
/// server's route leaves the proxy, and a clean hub shutdown stops the proxy.
/// </summary>
public sealed class ExternalProxyTests
{
    private static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(2);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public Task Greyhubs_hub_drives_debian_configurable_http_proxy_unchanged() => HubDrivesAsync(ExternalProxy.Chp());

    [Fact]
    public Task Greyhubs_hub_drives_greyhub_proxy() => HubDrivesAsync(ExternalProxy.GreyhubVerb());

    [Fact]
    public async Task Serve_stops_with_the_proxys_own_words_when_its_command_fails()
    {
        var dataDir = Directory.CreateTempSubdirectory("greyhub-proxy-fails-").FullName;
        try
        {
            // CHP's flags follow the script as its $0, $1, ...: it ignores them.
            var proxy = ExternalProxy.Of("/bin/sh", "-c", "echo 'no proxy here' >&2; exit 3");
            var (code, _, stderr) = await GreyhubProcess.RunAsync(
                ["serve", "--urls", $"http://127.0.0.1:{FreePort.Next()}", "--data-dir", dataDir, .. proxy.HubArgs()], cancellationToken: Ct);
            Assert.Equal(2, code);
            Assert.Contains("greyhub: the proxy did not start: The proxy exited with code 3", stderr, StringComparison.Ordinal);
            Assert.Contains("no proxy here", stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
            await Greyhub.Hub.Tests.TestDatabase.DropAsync(dataDir);
        }
    }

    private static async Task HubDrivesAsync(ExternalProxy proxy)
    {
        Requires.Program("/usr/bin/jupyterhub-singleuser", "apt-get install -y jupyterhub python3-ipykernel");
        var output = TestContext.Current.TestOutputHelper;
        await using var hub = await proxy.StartHubAsync(null, null, "--Greyhub:Servers:ActivityFlushInterval=" + FlushInterval);
        int? firstProxy = null, secondProxy = null, serverPid = null;
        try
        {
            firstProxy = ExternalProxy.Pid(hub);
            Assert.True(firstProxy is { } p && ExternalProxy.Alive(p), "the hub wrote no pid file of a running proxy:\n" + hub.Log);
            // Everything without a user's route reaches the hub through the proxy (the hub's own route '/').
            await proxy.WaitForOkAsync("hub/api/", null, TimeSpan.FromSeconds(30));
            using var direct = await JupyterClient.AdminAsync(hub);
            using var admin = new JupyterClient(proxy.PublicUrl, direct.Token);
            using var alice = await admin.CreateUserAsync("alice");

            await alice.StartAndWaitAsync("alice");
            // Measured, not asserted: from the ready event to the first answer through the proxy.
            var routeLatency = await proxy.WaitForOkAsync("user/alice/api/status", alice.Token, TimeSpan.FromSeconds(30));
            output?.WriteLine($"route latency (ready -> first proxied 200): {routeLatency.TotalMilliseconds:F1} ms");
            serverPid = await admin.ServerPidAsync("alice");

            // A cell runs over the kernel WebSocket through CHP, and CHP's activity reaches the hub.
            var before = TimeProvider.System.GetUtcNow();
            before = before.AddTicks(-(before.Ticks % TimeSpan.TicksPerMillisecond));
            Assert.Equal("42", await alice.ExecuteAsync("alice", "6*7"));
            var routes = await proxy.RoutesAsync();
            Assert.True(routes.TryGetProperty("/user/alice", out var route), $"no route for alice: {routes}");
            Assert.True(route.GetProperty("jupyterhub").GetBoolean());
            Assert.True(route.GetProperty("last_activity").GetDateTimeOffset() > before, $"CHP shows no activity since {before:O}: {route}");
            await WaitForActivityAsync(admin, "alice", before);

            // CHP killed behind the hub's back: the hub starts a new one and puts the routes back.
            using (var chp = System.Diagnostics.Process.GetProcessById(firstProxy!.Value))
            {
                chp.Kill();
            }
            Assert.True(await ExternalProxy.EndedAsync(firstProxy.Value, TimeSpan.FromSeconds(10)), "the killed proxy did not end");
            await proxy.WaitForOkAsync("user/alice/api/status", alice.Token, TimeSpan.FromSeconds(60));
            secondProxy = ExternalProxy.Pid(hub);
            Assert.True(secondProxy is { } q && q != firstProxy && ExternalProxy.Alive(q), $"no new proxy after {firstProxy} was killed:\n{hub.Log}");
            Assert.True((await proxy.RoutesAsync()).TryGetProperty("/", out _), "the hub's route is back too");

            // Stopping the server takes its route out of the proxy.
            using (var stop = await admin.Http.DeleteAsync("hub/api/users/alice/server", Ct))
            {
                Assert.True(stop.IsSuccessStatusCode, $"stopping alice's server: {stop.StatusCode}");
            }
            await admin.WaitStoppedAsync("alice", TimeSpan.FromSeconds(60));
            routes = await proxy.RoutesAsync();
            Assert.False(routes.TryGetProperty("/user/alice", out _), $"alice's route is still in the proxy: {routes}");
            Assert.Equal(hub.Address.ToString().TrimEnd('/'), routes.GetProperty("/").GetProperty("target").GetString());

            // A clean shutdown of the hub stops the proxy it started.
            Assert.Equal(0, await hub.StopAsync(TimeSpan.FromSeconds(60)));
            Assert.True(await ExternalProxy.EndedAsync(secondProxy!.Value, TimeSpan.FromSeconds(15)), "the proxy outlived the hub's clean shutdown");
        }
        finally
        {
            output?.WriteLine(hub.Log);
            ExternalProxy.EndLeftover(firstProxy);
            ExternalProxy.EndLeftover(secondProxy);
            ExternalProxy.EndLeftover(serverPid);
        }
    }

    /// <summary>Waits until the hub shows activity on the user's server after <paramref name="since"/>.</summary>
    private static async Task WaitForActivityAsync(JupyterClient admin, string user, DateTimeOffset since)
    {
        var patience = FlushInterval * 2 + TimeSpan.FromSeconds(30);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var server = (await admin.UserAsync(user)).GetProperty("servers").GetProperty("");
            if (server.GetProperty("last_activity") is { ValueKind: JsonValueKind.String } last && last.GetDateTimeOffset() > since)
            {
                return;
            }
            Assert.True(watch.Elapsed < patience, $"{user}'s server shows no activity since {since:O} after {patience}: {server}");
            await Task.Delay(250, Ct);
        }
    }
}
