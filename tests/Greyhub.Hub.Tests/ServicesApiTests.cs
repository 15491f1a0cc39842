using Greyhub.Abstractions.Proxy;
using Greyhub.Hub.OAuth;
using Microsoft.Extensions.DependencyInjection;

namespace Greyhub.Hub.Tests;

/// <summary>
/// Services added and removed at run time, as JupyterHub 5's <c>POST/DELETE /hub/api/services/{name}</c>
/// (<c>admin:services</c>): stored in the database, with their token, OAuth client and route.
/// </summary>
public sealed class ServicesApiTests
{
    private const string ConfiguredToken = "configured-service-token-1234";

    private static Task<HubInstance> StartAsync(string? dataDir = null)
    {
        string[] config = ["Greyhub:Services:0:Name=configured", "Greyhub:Services:0:ApiToken=" + ConfiguredToken, "Greyhub:Services:0:Url=http://127.0.0.1:10199"];
        return dataDir is null ? HubInstance.StartAsync(config) : HubInstance.StartInAsync(dataDir, config);
    }

    [Fact]
    public async Task An_added_service_is_listed_routed_has_its_token_and_oauth_client_and_survives_a_restart_until_removed()
    {
        var hub = await StartAsync();
        var dataDir = hub.DataDir;
        try
        {
            var admin = hub.Client(hub.AdminToken);
            var token = "runtime-service-token-" + Guid.NewGuid().ToString("N");
            var created = (await admin.PostApiAsync("hub/api/services/added", new
            {
                url = "http://127.0.0.1:10200",
                api_token = token,
                info = new { owner = "ops", level = 3 },
                display = false,
                oauth_client_allowed_scopes = new[] { "read:users:name!user" },
            })).Is(201).Root;
            Assert.Equal("added", created.GetProperty("name").GetString());
            Assert.Equal("http://127.0.0.1:10200", created.GetProperty("url").GetString());
            Assert.Equal("/services/added/", created.GetProperty("prefix").GetString());
            Assert.Equal(3, created.GetProperty("info").GetProperty("level").GetInt32());
            Assert.False(created.GetProperty("display").GetBoolean());
            Assert.Equal(0, created.GetProperty("pid").GetInt32());
            (await admin.PostApiAsync("hub/api/services/added", new { url = "http://127.0.0.1:10201" })).Is(409);
            (await admin.PostApiAsync("hub/api/services/configured", new { url = "http://127.0.0.1:10201" })).Is(409);

            await AssertPresentAsync(hub, token);

            await hub.StopAsync(keepData: true);
            hub = await StartAsync(dataDir);
            admin = hub.Client(hub.AdminToken);
            await AssertPresentAsync(hub, token);
            Assert.Equal(3, (await admin.GetApiAsync("hub/api/services/added")).Is(200).Root.GetProperty("info").GetProperty("level").GetInt32());

            (await admin.DeleteApiAsync("hub/api/services/added")).Is(200);
            (await admin.GetApiAsync("hub/api/services/added")).Is(404);
            (await admin.DeleteApiAsync("hub/api/services/added")).Is(404);
            (await hub.Client(token).GetApiAsync("hub/api/user")).Is(403);
            Assert.False((await hub.Services.GetRequiredService<IProxyRoutes>().GetRoutesAsync(null, Api.Ct)).ContainsKey("/services/added"));
            await using (var scope = hub.Services.CreateAsyncScope())
            {
                Assert.Null(await scope.ServiceProvider.GetRequiredService<OAuthClients>().FindAsync("service-added", Api.Ct));
            }

            // Removed means removed: gone after a restart too.
            await hub.StopAsync(keepData: true);
            hub = await StartAsync(dataDir);
            (await hub.Client(hub.AdminToken).GetApiAsync("hub/api/services/added")).Is(404);
        }
        finally
        {
            await hub.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_home_page_lists_displayed_services_with_a_url_that_the_user_may_access()
    {
        await using var hub = await StartAsync();
        (await hub.Client(hub.AdminToken).PostApiAsync("hub/api/services/hidden", new { url = "http://127.0.0.1:10203", display = false })).Is(201);
        (await hub.Client(hub.AdminToken).PostApiAsync("hub/api/services/urlless", new { api_token = "urlless-token-12345" })).Is(201);
        var catalog = hub.Services.GetRequiredService<Auth.ServiceCatalog>();
        var roles = hub.Services.GetRequiredService<Auth.HubRoles>();
        var shown = Assert.Single(catalog.ShownTo(roles.ScopesOfUser("admin", admin: true, [])));
        Assert.Equal(("configured", "/services/configured/"), (shown.Name, shown.Href));
        // A plain user holds no access:services: nothing to list.
        Assert.Empty(catalog.ShownTo(roles.ScopesOfUser(Api.Unique("plain"), admin: false, [])));
    }

    private static async Task AssertPresentAsync(HubInstance hub, string token)
    {
        var list = (await hub.Client(hub.AdminToken).GetApiAsync("hub/api/services")).Is(200).Root;
        Assert.Equal(["added", "configured"], list.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        // Its token is the service's own.
        var me = (await hub.Client(token).GetApiAsync("hub/api/user")).Is(200).Root;
        Assert.Equal("service", me.GetProperty("kind").GetString());
        Assert.Equal("added", me.GetProperty("name").GetString());
        var routes = await hub.Services.GetRequiredService<IProxyRoutes>().GetRoutesAsync(null, Api.Ct);
        Assert.True(routes.TryGetValue("/services/added", out var route), "routes: " + string.Join(", ", routes.Keys));
        Assert.Equal("http://127.0.0.1:10200/", route.Target.AbsoluteUri);
        await using var scope = hub.Services.CreateAsyncScope();
        var clients = scope.ServiceProvider.GetRequiredService<OAuthClients>();
        var client = await clients.FindAsync("service-added", Api.Ct);
        Assert.NotNull(client);
        Assert.Equal("/services/added/oauth_callback", client.RedirectUri);
        Assert.Equal(["access:services!service=added", "read:users:name!user"], client.AllowedScopes);
        Assert.True(clients.SecretMatches(client, token));
    }

    [Fact]
    public async Task Adding_and_removing_follow_jupyterhubs_rules()
    {
        await using var hub = await StartAsync();
        var admin = hub.Client(hub.AdminToken);
        (await admin.PostApiAsync("hub/api/services/managed", new { command = new[] { "/bin/true" } })).Is(400);
        (await admin.PostApiAsync("hub/api/services/keys", new { colour = "red" })).Is(400);
        (await admin.PostApiAsync("hub/api/services/types", new { url = 5 })).Is(400);
        (await admin.PostApiAsync("hub/api/services/types", new { display = "yes" })).Is(400);
        (await admin.PostApiAsync("hub/api/services/types", new { info = "text" })).Is(400);
        (await admin.PostApiAsync("hub/api/services/badurl", new { url = "ftp://example.org" })).Is(400);
        (await admin.PostApiAsync("hub/api/services/short", new { api_token = "short" })).Is(400);
        (await admin.PostApiAsync("hub/api/services/client", new { oauth_client_id = "jupyterhub-user-alice" })).Is(400);
        (await admin.PostApiAsync("hub/api/services/scope", new { oauth_client_allowed_scopes = new[] { "no-such-scope" } })).Is(400);
        (await admin.PostApiAsync("hub/api/services/empty", new { })).Is(400);
        (await admin.PostApiAsync("hub/api/services/empty")).Is(400);
        Assert.Equal(["configured"], (await admin.GetApiAsync("hub/api/services")).Is(200).Root.EnumerateObject().Select(p => p.Name));

        // A service from configuration cannot be removed at run time (405); one that does not exist is a 404.
        (await admin.DeleteApiAsync("hub/api/services/configured")).Is(405);
        (await admin.DeleteApiAsync("hub/api/services/nothing")).Is(404);
        (await hub.Client(ConfiguredToken).GetApiAsync("hub/api/user")).Is(200);

        // admin:services is needed; and nobody hands a service more than they hold themselves.
        var user = Api.Unique("plain");
        var plain = await hub.TokenForAsync(user);
        (await hub.Client(plain).PostApiAsync("hub/api/services/mine", new { url = "http://127.0.0.1:10202" })).Is(403);
        var serviceAdmin = await hub.ScopedTokenAsync("admin", "admin:services", "read:users:name");
        var adminish = hub.Client(serviceAdmin);
        (await adminish.PostApiAsync("hub/api/services/grabby", new { oauth_client_allowed_scopes = new[] { "admin:users" } })).Is(400);
        (await adminish.PostApiAsync("hub/api/services/crowned", new { admin = true })).Is(400);
        (await adminish.PostApiAsync("hub/api/services/modest", new { oauth_client_allowed_scopes = new[] { "read:users:name" } })).Is(201);
        (await adminish.DeleteApiAsync("hub/api/services/modest")).Is(200);
    }
}
