using System.Diagnostics;
using System.Text.Json;
using Greyhub.Abstractions.Proxy;
using Greyhub.Hub.OAuth;
using Greyhub.Processes;
using Greyhub.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Greyhub.Hub.Tests;

/// <summary>
/// A service the hub runs, with JupyterHub's own service library on the other side: the environment JupyterHub gives
/// it, its route and OAuth client, a login through the hub's OAuth (<c>HubOAuth</c>), tokens checked by <c>HubAuth</c>.
/// </summary>
public sealed class ManagedServiceTests(WhoamiHub fixture) : IClassFixture<WhoamiHub>
{
    private HubInstance Hub => fixture.Hub;

    [Fact]
    public async Task The_service_gets_jupyterhubs_environment_and_a_token_that_is_its_own()
    {
        var me = await WhoamiHub.WaitUpAsync(Hub, WhoamiHub.Name);
        var env = me.GetProperty("env");
        string Var(string name) => env.TryGetProperty(name, out var v) ? v.GetString()! : throw new Xunit.Sdk.XunitException($"{name} missing: {env}");
        Assert.Equal("whoami", Var("JUPYTERHUB_SERVICE_NAME"));
        Assert.Equal(fixture.ServiceUrl.ToString().TrimEnd('/'), Var("JUPYTERHUB_SERVICE_URL"));
        Assert.Equal("/services/whoami/", Var("JUPYTERHUB_SERVICE_PREFIX"));
        Assert.Equal("service-whoami", Var("JUPYTERHUB_CLIENT_ID"));
        Assert.Equal("/services/whoami/oauth_callback", Var("JUPYTERHUB_OAUTH_CALLBACK_URL"));
        Assert.Equal(["access:services", "access:services!service=whoami"], JsonSerializer.Deserialize<string[]>(Var("JUPYTERHUB_OAUTH_ACCESS_SCOPES"))!);
        Assert.Equal(Var("JUPYTERHUB_OAUTH_ACCESS_SCOPES"), Var("JUPYTERHUB_OAUTH_SCOPES"));
        Assert.Equal(["read:users:activity!user", "read:groups"], JsonSerializer.Deserialize<string[]>(Var("JUPYTERHUB_OAUTH_CLIENT_ALLOWED_SCOPES"))!);
        Assert.Equal(new Uri(Hub.Address, "hub/api").ToString(), Var("JUPYTERHUB_API_URL"));
        Assert.Equal("/", Var("JUPYTERHUB_BASE_URL"));
        Assert.StartsWith("sha256:", Var("JUPYTERHUB_API_TOKEN"), StringComparison.Ordinal);
        Assert.Equal("from configuration", Var("GREYHUB_TEST_MARK"));
        Assert.False(env.TryGetProperty("JUPYTERHUB_ACTIVITY_URL", out _), "services get no activity URL");
        // The generated token is the service's own: the hub says so when the service asks who it is.
        var identity = me.GetProperty("token_identity");
        Assert.Equal("service", identity.GetProperty("kind").GetString());
        Assert.Equal("whoami", identity.GetProperty("name").GetString());
        // The API shows the process the hub runs, and the command.
        var model = (await Hub.Client(Hub.AdminToken).GetApiAsync("hub/api/services/whoami")).Is(200).Root;
        Assert.Equal(me.GetProperty("pid").GetInt32(), model.GetProperty("pid").GetInt32());
        Assert.Equal([DebianPython.Path, "-u", WhoamiService.Script], model.GetProperty("command").Strings());
        Assert.Equal("/services/whoami/", model.GetProperty("prefix").GetString());
    }

    [Fact]
    public async Task The_service_has_its_route_and_its_oauth_client()
    {
        var routes = await Hub.Services.GetRequiredService<IProxyRoutes>().GetRoutesAsync(null, Api.Ct);
        Assert.True(routes.TryGetValue("/services/whoami", out var route), "routes: " + string.Join(", ", routes.Keys));
        Assert.Equal(fixture.ServiceUrl.AbsoluteUri, route.Target.AbsoluteUri);
        Assert.Equal("whoami", route.Data["service"].GetString());
        Assert.True(route.Data["jupyterhub"].GetBoolean());
        await using var scope = Hub.Services.CreateAsyncScope();
        var client = await scope.ServiceProvider.GetRequiredService<OAuthClients>().FindAsync("service-whoami", Api.Ct);
        Assert.NotNull(client);
        Assert.Equal("/services/whoami/oauth_callback", client.RedirectUri);
        Assert.Equal(["access:services!service=whoami", "read:groups", "read:users:activity!user"], client.AllowedScopes);
    }

    [Fact]
    public async Task A_browser_logs_in_through_the_hubs_oauth_and_the_service_sees_its_identity_with_only_the_allowed_scopes()
    {
        var ada = await fixture.UserAsync("ada");
        var scopes = await LoginThroughOAuthAsync(ada);
        Assert.Contains("access:services!service=whoami", scopes);
        Assert.Contains($"read:users:activity!user={ada}", scopes);
        Assert.Contains($"read:users:name!user={ada}", scopes);
        // Allowed to the client but not held by ada: cut off. Held by ada but not allowed to the client: never granted.
        Assert.DoesNotContain(scopes, s => s.StartsWith("read:groups", StringComparison.Ordinal));
        Assert.DoesNotContain($"servers!user={ada}", scopes);
        Assert.DoesNotContain($"tokens!user={ada}", scopes);

        // An admin holds read:groups, so the service gets it; of the admin's power nothing else.
        var root = await fixture.UserAsync("root", admin: true);
        var rootScopes = await LoginThroughOAuthAsync(root);
        Assert.Contains("read:groups", rootScopes);
        Assert.DoesNotContain("admin:users", rootScopes);
        Assert.DoesNotContain("admin:servers", rootScopes);
    }

    [Fact]
    public async Task HubAuth_refuses_tokens_with_too_narrow_scopes_and_admits_tokens_that_may_access_the_service()
    {
        var bob = await fixture.UserAsync("bob");
        var narrow = await Hub.ScopedTokenAsync(bob, "read:users:name!user");
        var fitting = await Hub.ScopedTokenAsync(bob, "access:services!service=whoami");

        // The service's answers are tornado's pages, not the hub's JSON errors.
        Assert.Equal(403, (await Hub.Client(narrow).GetApiAsync("services/whoami/token")).Code);
        Assert.Equal(403, (await Hub.Client().GetApiAsync("services/whoami/token")).Code);
        var admitted = (await Hub.Client(fitting).GetApiAsync("services/whoami/token")).Is(200).Root;
        Assert.Equal(bob, admitted.GetProperty("name").GetString());
        Assert.Contains("access:services!service=whoami", admitted.GetProperty("scopes").Strings());
        // A token for another service's access only does not open this one, not even an admin's.
        var other = await Hub.ScopedTokenAsync("admin", "access:services!service=other");
        Assert.Equal(403, (await Hub.Client(other).GetApiAsync("services/whoami/token")).Code);
    }

    /// <summary>The whoami service's OAuth login for <paramref name="user"/>, confirming on the hub's page; returns the scopes the service received.</summary>
    private async Task<IReadOnlyList<string>> LoginThroughOAuthAsync(string user)
    {
        using var browser = new Browser(Hub);
        await browser.LoginAsync(user, WhoamiHub.Password);
        var toHub = await browser.GetAsync("services/whoami/");
        Assert.True(toHub.Status == 302, $"service: {toHub.Status} {toHub.Body}");
        Assert.StartsWith("/hub/api/oauth2/authorize?", toHub.Location);
        Assert.Contains("client_id=service-whoami", toHub.Location);
        // Not the user's own server, no oauth_no_confirm: the hub asks.
        var consent = await browser.GetAsync(toHub.Location!);
        Assert.Equal(200, consent.Status);
        Assert.Contains("service-whoami", consent.Body);
        var decided = await browser.PostFormAsync(toHub.Location!, ("_xsrf", Browser.XsrfOf(consent.Body)), ("decision", "authorize"));
        Assert.True(decided.Status == 302, $"authorize: {decided.Status} {decided.Body}");
        Assert.StartsWith("/services/whoami/oauth_callback?", decided.Location);
        var callback = await browser.GetAsync(decided.Location!);
        Assert.True(callback.Status == 302, $"callback: {callback.Status} {callback.Body}");
        var page = await browser.GetAsync(callback.Location!);
        Assert.True(page.Status == 200, $"service after login: {page.Status} {page.Body}");
        var model = JsonDocument.Parse(page.Body).RootElement;
        Assert.Equal(user, model.GetProperty("name").GetString());
        Assert.Equal("user", model.GetProperty("kind").GetString());
        return model.GetProperty("scopes").Strings();
    }
}

/// <summary>The hub keeps its services running: restarts one that dies, runs one as another user, stops them when it stops.</summary>
public sealed class ManagedServiceLifeTests
{
    [Fact]
    public async Task A_killed_service_is_restarted_and_the_hub_stops_its_services_when_it_stops()
    {
        WhoamiService.Require();
        var url = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        var asNobody = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        await using var hub = await HubInstance.StartAsync(
        [
            .. WhoamiService.Config(0, "lively", url),
            .. WhoamiService.Config(1, "nobodys", asNobody, "User=nobody", "Cwd=/tmp"),
            "Greyhub:ServiceRestart:Delay=00:00:00.200",
        ]);
        var admin = hub.Client(hub.AdminToken);
        var first = (await WhoamiHub.WaitUpAsync(hub, "lively")).GetProperty("pid").GetInt32();
        Assert.Equal(first, (await admin.GetApiAsync("hub/api/services/lively")).Is(200).Root.GetProperty("pid").GetInt32());
        var pidFile = Path.Combine(hub.DataDir, "services", "lively.pid");
        Assert.StartsWith(first + " ", await File.ReadAllTextAsync(pidFile, Api.Ct), StringComparison.Ordinal);

        using (var victim = Process.GetProcessById(first))
        {
            victim.Kill();
        }
        var second = (await WhoamiHub.WaitUpAsync(hub, "lively", notPid: first)).GetProperty("pid").GetInt32();
        Assert.NotEqual(first, second);
        Assert.Equal(second, (await admin.GetApiAsync("hub/api/services/lively")).Is(200).Root.GetProperty("pid").GetInt32());

        var nobody = (await admin.GetApiAsync("hub/api/services/nobodys")).Is(200).Root.GetProperty("pid").GetInt32();
        if (LinuxProcess.IsRoot)
        {
            var seen = await WhoamiHub.WaitUpAsync(hub, "nobodys");
            Assert.Equal(65534, seen.GetProperty("uid").GetInt32());
            Assert.Equal("/tmp", seen.GetProperty("cwd").GetString());
            Assert.Equal("nobody", seen.GetProperty("env").GetProperty("USER").GetString());
        }
        else
        {
            // Switching users needs root: the service is not started at all.
            Assert.Equal(0, nobody);
        }

        var stat = LinuxProcess.Stat(second)!.Value;
        await hub.StopAsync(keepData: true);
        Assert.False(LinuxProcess.IsAlive(second, stat.StartTicks), "the hub's clean stop stops its services");
        Assert.False(File.Exists(pidFile));
        Directory.Delete(hub.DataDir, recursive: true);
        await TestDatabase.DropAsync(hub.DataDir);
    }
}
