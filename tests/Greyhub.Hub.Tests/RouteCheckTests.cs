using System.Net;
using System.Text.Json;
using Greyhub.Abstractions.Proxy;
using Greyhub.Data.Entities;
using Greyhub.Hub.Observability;
using Greyhub.Hub.Servers;
using Greyhub.Proxy;
using Greyhub.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Greyhub.Hub.Tests;

/// <summary>
/// The route check with a fake clock, against the in-process proxy and against a proxy in its own host driven through
/// CHP's REST API: the proxy's routes come to match the database whatever changed them behind the hub's back.
/// </summary>
public sealed class RouteCheckTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_check_restores_deleted_routes_removes_stale_ones_and_leaves_foreign_and_starting_ones()
    {
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var hub = await HubInstance.StartWithAsync(b => b.Services.AddSingleton<TimeProvider>(time), null);
        var proxy = hub.Services.GetRequiredService<IProxyRoutes>();
        var routes = hub.Services.GetRequiredService<ServerRoutes>();
        var metrics = hub.Services.GetRequiredService<HubMetrics>();
        // The check at start-up ran (on an empty hub) before the scene is set, so it cannot race with it.
        await WaitForChecksAsync(metrics, 1);

        var alice = await hub.ServerInDatabaseAsync("alice", ServerPhases.Running, new Uri("http://127.0.0.1:41001/user/alice/"));
        await routes.AddAsync("alice", "", alice, Ct);
        Assert.True(await proxy.DeleteRouteAsync("/user/alice", Ct));
        // A server moved to a new address while the proxy kept the old one (another replica restarted it, say).
        var carol = await hub.ServerInDatabaseAsync("carol", ServerPhases.Running, new Uri("http://127.0.0.1:41003/user/carol/"));
        await routes.AddAsync("carol", "", new Uri("http://127.0.0.1:49999/"), Ct);
        // A start adds its route before the database says running: the check must not take it for stale.
        await hub.ServerInDatabaseAsync("bob", ServerPhases.Pending, null);
        await routes.AddAsync("bob", "", new Uri("http://127.0.0.1:41002/"), Ct);
        await routes.AddAsync("ghost", "", new Uri("http://127.0.0.1:41009/"), Ct);
        await proxy.AddRouteAsync("/foreign", new Uri("http://127.0.0.1:41010/"), new Dictionary<string, JsonElement>(), Ct);

        var before = metrics.CheckRoutesDuration.Count;
        time.Advance(hub.Services.GetRequiredService<IOptions<HubOptions>>().Value.Servers.CheckRoutesInterval);
        await WaitForChecksAsync(metrics, before + 1);

        var after = await proxy.GetRoutesAsync(null, Ct);
        Assert.True(after.TryGetValue("/user/alice", out var aliceRoute), "alice's deleted route is back: " + string.Join(", ", after.Keys));
        Assert.Equal("http://127.0.0.1:41001/", aliceRoute.Target.AbsoluteUri);
        Assert.Equal("http://127.0.0.1:41003/", after["/user/carol"].Target.AbsoluteUri);
        Assert.True(after.ContainsKey("/user/bob"), "a starting server's route is left to its start");
        Assert.False(after.ContainsKey("/user/ghost"), "a stale route of the hub's is removed");
        Assert.True(after.ContainsKey("/foreign"), "a route without the hub's mark is never touched");
        // In-process, the hub needs no route of its own: it serves whatever no route takes.
        Assert.False(after.ContainsKey("/"));
        Assert.True(metrics.RoutesAdded.Value >= 2 && metrics.RoutesRemoved.Value >= 1, $"added {metrics.RoutesAdded.Value}, removed {metrics.RoutesRemoved.Value}");

        // The next check finds nothing to do.
        var added = metrics.RoutesAdded.Value;
        var removed = metrics.RoutesRemoved.Value;
        before = metrics.CheckRoutesDuration.Count;
        time.Advance(hub.Services.GetRequiredService<IOptions<HubOptions>>().Value.Servers.CheckRoutesInterval);
        await WaitForChecksAsync(metrics, before + 1);
        Assert.Equal((added, removed), (metrics.RoutesAdded.Value, metrics.RoutesRemoved.Value));
    }

    [Fact]
    public async Task An_external_proxy_gets_the_hub_route_and_server_routes_and_the_hub_forwards_nothing_itself()
    {
        const string token = "route-check-test-token";
        var settings = new ProxyHostSettings { Ip = "127.0.0.1", Port = 0, ApiPort = 0 };
        settings.Configuration.Add(new("Greyhub:Proxy:ApiToken", token));
        settings.Configuration.Add(new("Logging:LogLevel:Default", "Warning"));
        await using var external = await ProxyHost.StartAsync(settings, Ct);
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var hub = await HubInstance.StartWithAsync(b => b.Services.AddSingleton<TimeProvider>(time), null,
            "Greyhub:Proxy:External:ApiUrl=" + external.ApiAddress, "Greyhub:Proxy:External:AuthToken=" + token);
        var metrics = hub.Services.GetRequiredService<HubMetrics>();
        await WaitForChecksAsync(metrics, 1);

        // The hub's own route, as JupyterHub's add_hub_route: '/' to the hub, marked.
        var hubRoute = await external.Routes.GetRouteAsync("/", Ct);
        Assert.NotNull(hubRoute);
        Assert.Equal(hub.Address.AbsoluteUri, hubRoute.Target.AbsoluteUri);
        Assert.True(hubRoute.Data["hub"].GetBoolean() && hubRoute.Data["jupyterhub"].GetBoolean());
        using var client = new HttpClient { BaseAddress = external.PublicAddress };
        using (var api = await client.GetAsync("hub/api/", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, api.StatusCode);
            Assert.True(api.Headers.Contains("X-JupyterHub-Version"), "the hub answered through the external proxy");
        }

        // A running server's route goes to the external proxy; the hub's own listener does not forward it.
        await using var upstream = ScriptedUpstream.Answering("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nserved");
        var url = new Uri($"http://127.0.0.1:{upstream.Port}/user/alice/");
        await hub.ServerInDatabaseAsync("alice", ServerPhases.Running, url);
        var before = metrics.CheckRoutesDuration.Count;
        time.Advance(hub.Services.GetRequiredService<IOptions<HubOptions>>().Value.Servers.CheckRoutesInterval);
        await WaitForChecksAsync(metrics, before + 1);
        Assert.NotNull(await external.Routes.GetRouteAsync("/user/alice", Ct));
        using (var proxied = await client.GetAsync("user/alice/api/status", Ct))
        {
            Assert.Equal("served", await proxied.Content.ReadAsStringAsync(Ct));
        }
        using var direct = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = hub.Address };
        using (var notForwarded = await direct.GetAsync("user/alice/api/status", Ct))
        {
            Assert.Equal(HttpStatusCode.Redirect, notForwarded.StatusCode);
        }
        Assert.Single(upstream.Requests);
    }

    [Fact]
    public async Task An_external_proxy_that_restarted_empty_gets_every_route_back_and_a_failed_check_is_survived()
    {
        const string token = "route-check-restart-token";
        var (publicPort, apiPort) = (FreePort.Next(), FreePort.Next());
        ProxyHost? external = await StartExternalAsync(publicPort, apiPort, token);
        try
        {
            var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
            await using var hub = await HubInstance.StartWithAsync(b => b.Services.AddSingleton<TimeProvider>(time), null,
                "Greyhub:Proxy:External:ApiUrl=" + external.ApiAddress, "Greyhub:Proxy:External:AuthToken=" + token);
            var metrics = hub.Services.GetRequiredService<HubMetrics>();
            var interval = hub.Services.GetRequiredService<IOptions<HubOptions>>().Value.Servers.CheckRoutesInterval;
            await WaitForChecksAsync(metrics, 1);
            await hub.ServerInDatabaseAsync("alice", ServerPhases.Running, new Uri("http://127.0.0.1:41001/user/alice/"));

            // The proxy goes away: the check fails, is counted and logged, and the loop goes on.
            await external.DisposeAsync();
            external = null;
            var failed = metrics.RouteCheckFailures.Value;
            time.Advance(interval);
            using (var patience = CancellationTokenSource.CreateLinkedTokenSource(Ct))
            {
                patience.CancelAfter(TimeSpan.FromSeconds(30));
                while (metrics.RouteCheckFailures.Value <= failed)
                {
                    await Task.Delay(10, patience.Token);
                }
            }

            // It comes back empty on the same ports (a restart nobody told the hub about): the next check fills it.
            external = await StartExternalAsync(publicPort, apiPort, token);
            Assert.Empty(await external.Routes.GetRoutesAsync(null, Ct));
            var before = metrics.CheckRoutesDuration.Count;
            time.Advance(interval);
            await WaitForChecksAsync(metrics, before + 1);
            var routes = await external.Routes.GetRoutesAsync(null, Ct);
            Assert.Equal(["/", "/user/alice"], routes.Keys.Order(StringComparer.Ordinal));
            Assert.Equal("http://127.0.0.1:41001/", routes["/user/alice"].Target.AbsoluteUri);
        }
        finally
        {
            if (external is not null)
            {
                await external.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_stop_completes_while_the_external_proxy_is_away_and_the_check_removes_the_route_later()
    {
        const string token = "route-check-stop-token";
        var (publicPort, apiPort) = (FreePort.Next(), FreePort.Next());
        ProxyHost? external = await StartExternalAsync(publicPort, apiPort, token);
        try
        {
            var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
            await using var hub = await HubInstance.StartWithAsync(b => b.Services.AddSingleton<TimeProvider>(time), null,
                "Greyhub:Proxy:External:ApiUrl=" + external.ApiAddress, "Greyhub:Proxy:External:AuthToken=" + token);
            var metrics = hub.Services.GetRequiredService<HubMetrics>();
            var interval = hub.Services.GetRequiredService<IOptions<HubOptions>>().Value.Servers.CheckRoutesInterval;
            await WaitForChecksAsync(metrics, 1);
            await hub.ServerInDatabaseAsync("alice", ServerPhases.Running, new Uri("http://127.0.0.1:41001/user/alice/"));
            var before = metrics.CheckRoutesDuration.Count;
            time.Advance(interval);
            await WaitForChecksAsync(metrics, before + 1);
            Assert.NotNull(await external.Routes.GetRouteAsync("/user/alice", Ct));

            // The proxy is away (kept for later: its routes survive, as a real proxy's do across a network cut).
            var routes = await external.Routes.GetRoutesAsync(null, Ct);
            await external.DisposeAsync();
            external = null;
            var admin = hub.Client(hub.AdminToken);
            (await admin.DeleteApiAsync("hub/api/users/alice/server")).Is(204);
            var model = (await admin.GetApiAsync("hub/api/users/alice")).Is(200).Root;
            Assert.Equal(JsonValueKind.Null, model.GetProperty("server").ValueKind);

            // Back with alice's route still in it: the next check removes it.
            external = await StartExternalAsync(publicPort, apiPort, token);
            foreach (var (path, route) in routes)
            {
                await external.Routes.AddRouteAsync(path, route.Target, route.Data, Ct);
            }
            before = metrics.CheckRoutesDuration.Count;
            time.Advance(interval);
            await WaitForChecksAsync(metrics, before + 1);
            Assert.Null(await external.Routes.GetRouteAsync("/user/alice", Ct));
            Assert.NotNull(await external.Routes.GetRouteAsync("/", Ct));
        }
        finally
        {
            if (external is not null)
            {
                await external.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task External_proxy_options_are_validated_at_start()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => HubInstance.StartAsync(
            "Greyhub:Proxy:External:ApiUrl=ftp://127.0.0.1:1",
            "Greyhub:Proxy:External:Command:0=configurable-http-proxy",
            "Greyhub:Proxy:External:CheckRunningInterval=00:00:00"));
        var all = string.Join("\n", error.Failures);
        Assert.Contains("Greyhub:Proxy:External:ApiUrl must be an absolute http or https URL", all, StringComparison.Ordinal);
        Assert.Contains("Greyhub:Proxy:External:Command needs Greyhub:Proxy:External:PublicUrl", all, StringComparison.Ordinal);
        Assert.Contains("Greyhub:Proxy:External:CheckRunningInterval must be longer than zero", all, StringComparison.Ordinal);

        var interval = await Assert.ThrowsAsync<OptionsValidationException>(() => HubInstance.StartAsync("Greyhub:Servers:CheckRoutesInterval=00:00:00"));
        Assert.Contains("Greyhub:Servers:CheckRoutesInterval must be longer than zero", string.Join("\n", interval.Failures), StringComparison.Ordinal);

        var noToken = await Assert.ThrowsAsync<OptionsValidationException>(() => HubInstance.StartAsync("Greyhub:Proxy:External:ApiUrl=http://127.0.0.1:1"));
        Assert.Contains("AuthToken (or CONFIGPROXY_AUTH_TOKEN) is required", string.Join("\n", noToken.Failures), StringComparison.Ordinal);
    }

    private static Task<ProxyHost> StartExternalAsync(int port, int apiPort, string token)
    {
        var settings = new ProxyHostSettings { Ip = "127.0.0.1", Port = port, ApiPort = apiPort };
        settings.Configuration.Add(new("Greyhub:Proxy:ApiToken", token));
        settings.Configuration.Add(new("Logging:LogLevel:Default", "Warning"));
        return ProxyHost.StartAsync(settings, Ct);
    }

    /// <summary>Writes a server row as a start or an earlier hub would have left it.</summary>
    /// <summary>Waits until <paramref name="count"/> route checks have completed (each observes its duration last).</summary>
    private static async Task WaitForChecksAsync(HubMetrics metrics, long count)
    {
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        patience.CancelAfter(TimeSpan.FromSeconds(30));
        while (metrics.CheckRoutesDuration.Count < count)
        {
            await Task.Delay(10, patience.Token);
        }
    }
}
