using System.Text.Json;
using Greyhub.Abstractions.Proxy;
using Greyhub.Data.Entities;
using Greyhub.Hub.Servers;
using Greyhub.Proxy;
using Microsoft.Extensions.DependencyInjection;

namespace Greyhub.Hub.Tests;

/// <summary>
/// <c>/hub/api/proxy</c> as JupyterHub 5: the routing table (paged), a re-sync on POST, and PATCH pointing the hub at a
/// new proxy; all behind the <c>proxy</c> scope.
/// </summary>
public sealed class ProxyApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Get_lists_the_hubs_routes_by_route_spec_paged_and_post_puts_a_lost_route_back()
    {
        await using var hub = await HubInstance.StartAsync();
        using var admin = hub.Client(hub.AdminToken);
        var proxy = hub.Services.GetRequiredService<IProxyRoutes>();
        var url = new Uri("http://127.0.0.1:41021/user/alice/");
        await hub.ServerInDatabaseAsync("alice", ServerPhases.Running, url);
        await hub.Services.GetRequiredService<ServerRoutes>().AddAsync("alice", "", url, Ct);
        await proxy.AddRouteAsync("/foreign", new Uri("http://127.0.0.1:41022/"), new Dictionary<string, JsonElement>(), Ct);

        // As JupyterHub 4+: only the hub's routes, without the jupyterhub mark CHP keeps for it.
        var table = (await admin.GetApiAsync("hub/api/proxy")).Is(200).Root;
        Assert.Equal(["/user/alice/"], table.EnumerateObject().Select(p => p.Name));
        var alice = table.GetProperty("/user/alice/");
        Assert.Equal("/user/alice/", alice.GetProperty("routespec").GetString());
        Assert.Equal("http://127.0.0.1:41021", alice.GetProperty("target").GetString());
        Assert.False(alice.GetProperty("data").TryGetProperty("jupyterhub", out _));
        Assert.Equal("alice", alice.GetProperty("data").GetProperty("user").GetString());

        var page = (await admin.GetApiAsync("hub/api/proxy?limit=1&offset=0", Http.Paging.MediaType)).Is(200).Root;
        Assert.Equal(["/user/alice/"], page.GetProperty("items").EnumerateObject().Select(p => p.Name));
        Assert.Equal(1, page.GetProperty("_pagination").GetProperty("total").GetInt32());
        Assert.Equal(JsonValueKind.Null, page.GetProperty("_pagination").GetProperty("next").ValueKind);
        Assert.Empty((await admin.GetApiAsync("hub/api/proxy?limit=1&offset=1", Http.Paging.MediaType)).Is(200).Root.GetProperty("items").EnumerateObject());

        Assert.True(await proxy.DeleteRouteAsync("/user/alice", Ct));
        (await admin.PostApiAsync("hub/api/proxy")).Is(200);
        Assert.Equal("http://127.0.0.1:41021/", (await proxy.GetRouteAsync("/user/alice", Ct))?.Target.AbsoluteUri);
        Assert.NotNull(await proxy.GetRouteAsync("/foreign", Ct));
    }

    [Fact]
    public async Task Only_the_proxy_scope_opens_it_and_an_in_process_proxy_cannot_be_patched()
    {
        await using var hub = await HubInstance.StartAsync();
        using var user = hub.Client(await hub.TokenForAsync(Api.Unique("user")));
        foreach (var method in new[] { "GET", "POST", "PATCH" })
        {
            Api.AssertErrorShape((await Api.SendAsync(user, method, "hub/api/proxy", method == "PATCH" ? new { auth_token = "x" } : null)).Is(403));
        }
        using var proxyOnly = hub.Client(await hub.ScopedTokenAsync("admin", "proxy"));
        (await proxyOnly.GetApiAsync("hub/api/proxy")).Is(200);
        (await proxyOnly.PostApiAsync("hub/api/proxy")).Is(200);
        using var readHub = hub.Client(await hub.ScopedTokenAsync("admin", "read:hub", "admin:servers"));
        (await readHub.GetApiAsync("hub/api/proxy")).Is(403);

        using var admin = hub.Client(hub.AdminToken);
        // The hub's API is no door to the proxy brick's own REST API.
        Assert.Equal(404, (await admin.GetApiAsync("hub/api/api/routes")).Code);
        Assert.Equal("need JSON body", (await admin.PatchApiAsync("hub/api/proxy", null)).Is(400).Message());
        Assert.Equal("Request body must be JSON dict", (await admin.PatchApiAsync("hub/api/proxy", "[1]")).Is(400).Message());
        Api.AssertErrorShape((await admin.PatchApiAsync("hub/api/proxy", new { api_url = "ftp://127.0.0.1:1/" })).Is(400));
        Api.AssertErrorShape((await admin.PatchApiAsync("hub/api/proxy", new { auth_token = 5 })).Is(400));
        Assert.Contains("inside the hub", (await admin.PatchApiAsync("hub/api/proxy", new { auth_token = "x" })).Is(400).Message(), StringComparison.Ordinal);
        // A body that changes nothing is a route sync, in-process too (JupyterHub answers 200).
        (await admin.PatchApiAsync("hub/api/proxy", new { })).Is(200);
    }

    [Fact]
    public async Task Patch_points_the_hub_at_a_new_external_proxy_and_syncs_it()
    {
        await using var first = await StartProxyAsync("first-proxy-token");
        await using var second = await StartProxyAsync("second-proxy-token");
        await using var hub = await HubInstance.StartAsync("Greyhub:Proxy:External:ApiUrl=" + first.ApiAddress, "Greyhub:Proxy:External:AuthToken=first-proxy-token");
        using var admin = hub.Client(hub.AdminToken);
        var url = new Uri("http://127.0.0.1:41031/user/bob/");
        await hub.ServerInDatabaseAsync("bob", ServerPhases.Running, url);
        (await admin.PostApiAsync("hub/api/proxy")).Is(200);
        Assert.NotNull(await first.Routes.GetRouteAsync("/user/bob", Ct));
        Assert.Null(await second.Routes.GetRouteAsync("/user/bob", Ct));

        (await admin.PatchApiAsync("hub/api/proxy", new { api_url = second.ApiAddress.ToString(), auth_token = "second-proxy-token" })).Is(200);

        // The new proxy has the hub's route and the server's, synced by the PATCH itself; the hub reads its table now.
        Assert.Equal("http://127.0.0.1:41031/", (await second.Routes.GetRouteAsync("/user/bob", Ct))?.Target.AbsoluteUri);
        Assert.Equal(hub.Address.AbsoluteUri, (await second.Routes.GetRouteAsync("/", Ct))?.Target.AbsoluteUri);
        // A route only the new proxy has, marked as the hub's: GET lists it, so the hub reads the new proxy's table.
        await second.Routes.AddRouteAsync("/only-on-second", new Uri("http://127.0.0.1:41032/"),
            new Dictionary<string, JsonElement> { ["jupyterhub"] = JsonSerializer.SerializeToElement(true) }, Ct);
        Assert.True((await admin.GetApiAsync("hub/api/proxy")).Is(200).Root.TryGetProperty("/only-on-second/", out _));
        // A wrong token is the new proxy's to refuse: the sync fails, and says so.
        Assert.Equal(502, (await admin.PatchApiAsync("hub/api/proxy", new { auth_token = "wrong" })).Code);
        (await admin.PatchApiAsync("hub/api/proxy", new { auth_token = "second-proxy-token" })).Is(200);

        using var patience = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        patience.CancelAfter(TimeSpan.FromSeconds(30));
        while ((await admin.GetApiAsync("hub/api/audit?action=proxy.update")).Is(200).Root.GetArrayLength() < 3)
        {
            await Task.Delay(20, patience.Token);
        }
        var entry = (await admin.GetApiAsync("hub/api/audit?action=proxy.update")).Root[2];
        Assert.Equal(("admin", "admin"), (entry.GetProperty("actor_kind").GetString(), entry.GetProperty("actor").GetString()));
        Assert.DoesNotContain("second-proxy-token", entry.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private static async Task<ProxyHost> StartProxyAsync(string token)
    {
        var settings = new ProxyHostSettings { Ip = "127.0.0.1", Port = 0, ApiPort = 0 };
        settings.Configuration.Add(new("Greyhub:Proxy:ApiToken", token));
        settings.Configuration.Add(new("Logging:LogLevel:Default", "Warning"));
        return await ProxyHost.StartAsync(settings, Ct);
    }
}
