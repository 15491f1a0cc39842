using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Greyhub.Host;
using Greyhub.Hub.Hosting;
using Greyhub.Processes;
using Greyhub.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Greyhub.Plugins.Remote.Tests;

/// <summary>
/// A real hub whose authenticator is a JupyterHub Authenticator subclass served by the bridge, which the hub starts
/// itself: its groups and auth_state reach the hub, its admin_users and blocked_users apply, its pre_spawn_start
/// environment reaches a real jupyterhub-singleuser, and a bridge that stops answering gives "the login service is
/// unavailable" while the hub carries on.
/// </summary>
public sealed partial class BridgeAuthenticatorHubTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_JupyterHub_authenticator_through_the_bridge_logs_users_in_with_groups_auth_state_and_environment()
    {
        Requires.Program("jupyterhub-singleuser", "apt-get install -y jupyterhub");
        var data = Directory.CreateTempSubdirectory("greyhub-bridge-auth-").FullName;
        string[] args =
        [
            "--urls", "http://127.0.0.1:0", "--Greyhub:DataDir=" + data, "--Logging:LogLevel:Default=Warning",
            "--Greyhub:Culler:Enabled=false", "--Greyhub:Authenticator:AllowAll=true",
            .. JupyterHubBridge.AuthenticatorArgs("bridge", Path.Combine(JupyterHubBridge.TestData, "groups_config.py"), Path.Combine(data, "bridge.log"), "00:00:03"),
            "--Greyhub:Authenticator:Remote:bridge:Environment:BRIDGE_STOP_LOG=" + Path.Combine(data, "stops.log"),
        ];
        var app = await HubHost.BuildAsync(args, cancellationToken: Ct);
        try
        {
            await app.StartAsync(Ct);
            var address = Address(app);
            using var admin = await AdminAsync(app, address);

            // A right password: alice is created, with the authenticator's groups and auth_state.
            var (status, _) = await LoginAsync(address, "alice", "alice-pass-1");
            Assert.Equal(HttpStatusCode.Redirect, status);
            using (var alice = JsonDocument.Parse(await admin.GetStringAsync("hub/api/users/alice", Ct)))
            {
                Assert.Equal(["bridge-users", "team-alice"], alice.RootElement.GetProperty("groups").EnumerateArray().Select(g => g.GetString()).Order());
                Assert.False(alice.RootElement.GetProperty("admin").GetBoolean());
                var state = alice.RootElement.GetProperty("auth_state");
                Assert.Equal("token-of-alice", state.GetProperty("token").GetString());
                Assert.Equal("alice@example.org", state.GetProperty("claims").GetProperty("email").GetString());
            }

            // The Authenticator's admin_users makes an admin; its blocked_users and a wrong password fail as any failed login.
            Assert.Equal(HttpStatusCode.Redirect, (await LoginAsync(address, "carol", "carol-pass-1")).Status);
            using (var carol = JsonDocument.Parse(await admin.GetStringAsync("hub/api/users/carol", Ct)))
            {
                Assert.True(carol.RootElement.GetProperty("admin").GetBoolean());
            }
            var (wrong, wrongPage) = await LoginAsync(address, "alice", "not-her-password");
            Assert.Equal(HttpStatusCode.Forbidden, wrong);
            Assert.Contains("Invalid username or password.", wrongPage, StringComparison.Ordinal);
            var (blocked, _) = await LoginAsync(address, "mallory", "mallory-pass-1");
            Assert.Equal(HttpStatusCode.Forbidden, blocked);
            using (var mallory = await admin.GetAsync("hub/api/users/mallory", Ct))
            {
                Assert.Equal(HttpStatusCode.NotFound, mallory.StatusCode);
            }
            await UntilAsync(async () =>
            {
                using var audit = JsonDocument.Parse(await admin.GetStringAsync("hub/api/audit?user=alice&action=login.failure", Ct));
                return audit.RootElement.GetArrayLength() > 0;
            }, "the wrong password left no audit entry");

            // pre_spawn_start's environment reaches alice's real server.
            (await admin.PostAsync("hub/api/users/alice/server", null, Ct)).EnsureSuccessStatusCode();
            Assert.Contains("\"ready\": true", await admin.GetStringAsync("hub/api/users/alice/server/progress", Ct), StringComparison.Ordinal);
            var environment = ServerEnvironment("alice", address);
            Assert.Equal("token-of-alice", environment["BRIDGE_TOKEN"]);
            Assert.Equal("bridge-users,team-alice", environment["BRIDGE_GROUPS"]);
            (await admin.DeleteAsync("hub/api/users/alice/server", Ct)).EnsureSuccessStatusCode();
            // post_spawn_stop: the Authenticator hears of the stop, with the user's auth_state.
            await UntilAsync(() => Task.FromResult(File.Exists(Path.Combine(data, "stops.log"))), "post_spawn_stop was not called");
            Assert.Equal("alice default token-of-alice\n", await File.ReadAllTextAsync(Path.Combine(data, "stops.log"), Ct));

            // A bridge that hangs: the login page says the service is unavailable (no trace), the hub answers.
            var pid = app.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<ManagedPlugin>().Single().ProcessId!.Value;
            LinuxProcess.Signal(pid, 19);
            try
            {
                var (down, downPage) = await LoginAsync(address, "alice", "alice-pass-1");
                Assert.Equal(HttpStatusCode.ServiceUnavailable, down);
                Assert.Contains("The login service is unavailable", downPage, StringComparison.Ordinal);
                Assert.DoesNotContain("Exception", downPage, StringComparison.Ordinal);
                using var users = await admin.GetAsync("hub/api/users", Ct);
                Assert.Equal(HttpStatusCode.OK, users.StatusCode);
            }
            finally
            {
                LinuxProcess.Signal(pid, 18);
            }
            Assert.Equal(HttpStatusCode.Redirect, (await LoginAsync(address, "alice", "alice-pass-1")).Status);
        }
        finally
        {
            await HubTeardown.StopAsync(app, data);
        }
    }

    /// <summary>Signs in through the login form as a browser does (its XSRF token and cookie), without following the redirect.</summary>
    internal static async Task<(HttpStatusCode Status, string Page)> LoginAsync(Uri hub, string user, string password)
    {
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer(), UseProxy = false };
        using var browser = new HttpClient(handler) { BaseAddress = hub };
        var form = await browser.GetStringAsync("hub/login", Ct);
        var xsrf = WebUtility.HtmlDecode(XsrfField().Match(form).Groups[1].Value);
        Assert.NotEmpty(xsrf);
        using var response = await browser.PostAsync("hub/login", new FormUrlEncodedContent(
            [new("username", user), new("password", password), new("_xsrf", xsrf)]), Ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
    }

    internal static Uri Address(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/");

    internal static async Task<HttpClient> AdminAsync(WebApplication app, Uri address)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var token = await HubAdmin.IssueTokenAsync(scope.ServiceProvider, "admin", admin: true, "bridge test", Ct);
        var hub = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(3) };
        hub.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("token", token);
        return hub;
    }

    /// <summary>The environment of the user's running jupyterhub-singleuser, read from /proc.</summary>
    /// <summary>
    /// The environment of <paramref name="user"/>'s server started by the hub at <paramref name="hub"/>: other test classes
    /// running at the same time start servers for users of the same name, for other hubs.
    /// </summary>
    private static Dictionary<string, string> ServerEnvironment(string user, Uri hub)
    {
        var port = ":" + hub.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/";
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            string[] variables;
            try
            {
                variables = File.ReadAllText(Path.Combine(dir, "environ")).Split('\0', StringSplitOptions.RemoveEmptyEntries);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            var environment = variables.Select(v => v.Split('=', 2)).Where(p => p.Length == 2).GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.First()[1]);
            if (environment.GetValueOrDefault("JUPYTERHUB_USER") == user && environment.ContainsKey("JUPYTERHUB_API_TOKEN")
                && environment.GetValueOrDefault("JUPYTERHUB_API_URL") is { } api && api.Contains(port, StringComparison.Ordinal))
            {
                return environment;
            }
        }
        Assert.Fail($"no server process of {user} found");
        return [];
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, string failure)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), failure);
            await Task.Delay(100, Ct);
        }
    }

    [GeneratedRegex("name=\"_xsrf\" value=\"([^\"]+)\"")]
    private static partial Regex XsrfField();
}
