using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Greyhub.Testing;

namespace Greyhub.Host.Tests;

/// <summary>
/// A hub and a proxy from different projects, each unchanged: Debian's JupyterHub 3.0 drives a proxy through
/// configurable-http-proxy's command line and REST API, a real single-user server runs a cell over the kernel WebSocket
/// through that proxy, and the activity the proxy records reaches the hub. Against Debian's configurable-http-proxy this
/// proves the harness; against <c>greyhub proxy</c> it proves Greyhub's proxy is a drop-in replacement.
/// </summary>
public sealed class ForeignProxyTests
{
    private static readonly TimeSpan LastActivityInterval = TimeSpan.FromSeconds(5);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public Task JupyterHub30_drives_configurable_http_proxy() => JupyterHubDrivesAsync(proxyCommand: null);

    // Greyhub's proxy as a drop-in replacement: JupyterHub 3.0 starts `greyhub proxy` with CHP's flags and token.
    [Fact]
    public Task JupyterHub30_drives_greyhub_proxy() =>
        JupyterHubDrivesAsync([Requires.Program("dotnet", "the .NET 10 SDK (README)"), GreyhubProcess.Dll, "proxy"]);

    private static async Task JupyterHubDrivesAsync(IReadOnlyList<string>? proxyCommand)
    {
        await using var hub = await JupyterHubProcess.StartAsync(proxyCommand, LastActivityInterval, debug: true, Ct);
        int? proxyPid = null;
        int? serverPid = null;
        try
        {
            // JupyterHub started the proxy itself (should_start) and /hub/api/ answers through it.
            proxyPid = hub.ProxyPid;
            Assert.True(proxyPid is not null, "JupyterHub wrote no proxy pid file");
            var output = TestContext.Current.TestOutputHelper;
            output?.WriteLine("proxy argv: " + JsonSerializer.Serialize(hub.ProxyCommandLine()));
            output?.WriteLine("proxy environ: " + JsonSerializer.Serialize(hub.ProxyEnvironment()));

            using var admin = new JupyterClient(hub.Address, hub.AdminToken);
            using var alice = await admin.CreateUserAsync("alice");
            await admin.StartAndPollAsync("alice", TimeSpan.FromSeconds(120));
            serverPid = (await admin.UserAsync("alice")).GetProperty("servers").GetProperty("").GetProperty("state").GetProperty("pid").GetInt32();

            // CHP keeps milliseconds: compare against the millisecond this started in.
            var before = TimeProvider.System.GetUtcNow();
            before = before.AddTicks(-(before.Ticks % TimeSpan.TicksPerMillisecond));
            Assert.Equal("42\n", await alice.ExecuteAsync("alice", "print(6*7)"));

            // The proxy recorded the traffic on alice's route, and the hub read it back from there.
            using var proxyApi = new HttpClient { BaseAddress = hub.ProxyApi };
            proxyApi.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("token", hub.ProxyAuthToken);
            var routes = await proxyApi.GetFromJsonAsync<JsonElement>("api/routes", Ct);
            TestContext.Current.TestOutputHelper?.WriteLine("proxy routes: " + routes);
            Assert.True(routes.TryGetProperty("/user/alice", out var route), $"no route for alice: {routes}");
            Assert.True(route.GetProperty("last_activity").GetDateTimeOffset() > before, $"the proxy's route shows no activity since {before:O}: {route}");
            await WaitForActivityAsync(admin, "alice", before);

            // Stopping the server takes its route out of the proxy.
            using (var stop = await admin.Http.DeleteAsync("hub/api/users/alice/server", Ct))
            {
                Assert.True(stop.IsSuccessStatusCode, $"stopping alice's server: {stop.StatusCode}");
            }
            await admin.WaitStoppedAsync("alice", TimeSpan.FromSeconds(60));
            routes = await proxyApi.GetFromJsonAsync<JsonElement>("api/routes", Ct);
            Assert.False(routes.TryGetProperty("/user/alice", out _), $"alice's route is still in the proxy: {routes}");
            Assert.True(routes.TryGetProperty("/", out var hubRoute), $"no route for the hub: {routes}");
            Assert.Equal(hub.HubAddress.ToString().TrimEnd('/'), hubRoute.GetProperty("target").GetString());
        }
        finally
        {
            // Stopped first, so the log shows the shutdown too (the routes JupyterHub deletes, the proxy's end).
            await hub.DisposeAsync();
            TestContext.Current.TestOutputHelper?.WriteLine(hub.Log);
        }
        Assert.False(Alive(proxyPid.Value), "the proxy outlived JupyterHub");
        Assert.False(Alive(serverPid.Value), "alice's server outlived JupyterHub");
    }

    /// <summary>Waits until the hub shows activity on the user's server after <paramref name="since"/> (it polls the proxy every interval).</summary>
    private static async Task WaitForActivityAsync(JupyterClient admin, string user, DateTimeOffset since)
    {
        var patience = LastActivityInterval * 2 + TimeSpan.FromSeconds(50);
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

    private static bool Alive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] is not ('Z' or 'X');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
