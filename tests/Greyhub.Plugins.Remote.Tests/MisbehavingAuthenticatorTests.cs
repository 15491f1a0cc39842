using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Greyhub.Host;
using Greyhub.Processes;
using Greyhub.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Greyhub.Plugins.Remote.Tests;

/// <summary>
/// A real hub whose authenticator is a small Python plug-in (bridge/misbehaving_authenticator.py) that the hub starts
/// itself and that misbehaves on demand: it crashes in the middle of a sign-in, answers malformed JSON or JSON of the
/// wrong shape, holds another secret, or answers too late. Each time the login form says, in words, that the login
/// service is unavailable, naming the plug-in and the kind of failure (never its address or its answer); the API's
/// password token request answers 503; the hub answers, a user already signed in stays signed in, and another user's
/// running server is untouched. A crashed plug-in is started again and the next sign-in works.
/// </summary>
public sealed class MisbehavingAuthenticatorTests
{
    private const string Name = "misbehaving";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Script => Path.Combine(JupyterHubBridge.TestData, "misbehaving_authenticator.py");

    [Fact]
    public async Task Each_misbehaviour_is_a_readable_error_naming_the_plugin_and_the_hub_and_other_users_carry_on()
    {
        Requires.Program("jupyterhub-singleuser", "apt-get install -y jupyterhub");
        var data = Directory.CreateTempSubdirectory("greyhub-misbehaving-auth-").FullName;
        var secretFile = Path.Combine(data, "plugin-secret");
        var app = await HubHost.BuildAsync(Args(data, "--Greyhub:Authenticator:Remote:misbehaving:Environment:MISBEHAVING_SECRET_FILE=" + secretFile), cancellationToken: Ct);
        HttpClient? admin = null;
        try
        {
            await app.StartAsync(Ct);
            var address = BridgeAuthenticatorHubTests.Address(app);
            admin = await BridgeAuthenticatorHubTests.AdminAsync(app, address);
            var supervisor = app.Services.GetServices<IHostedService>().OfType<ManagedPlugin>().Single();

            // Alice signs in (and stays signed in); bob signs in and runs a real server.
            using var alice = await SignedInAsync(address, "alice");
            using var bob = await SignedInAsync(address, "bob");
            (await admin.PostAsync("hub/api/users/bob/server", null, Ct)).EnsureSuccessStatusCode();
            Assert.Contains("\"ready\": true", await admin.GetStringAsync("hub/api/users/bob/server/progress", Ct), StringComparison.Ordinal);
            var bobServer = ServerProcesses("bob", address);
            Assert.NotEmpty(bobServer);

            async Task UntouchedAsync(string after)
            {
                using (var users = await admin.GetAsync("hub/api/users", Ct))
                {
                    Assert.Equal(HttpStatusCode.OK, users.StatusCode);
                }
                using (var home = await alice.GetAsync("hub/home", Ct))
                {
                    Assert.True(home.StatusCode == HttpStatusCode.OK, $"alice's session after {after}: {home.StatusCode} {home.Headers.Location}");
                }
                Assert.Equal(bobServer, ServerProcesses("bob", address));
                using var api = await admin.GetAsync("user/bob/api", Ct);
                Assert.True(api.StatusCode == HttpStatusCode.OK, $"bob's server after {after}: {api.StatusCode}");
            }

            // Answers the hub cannot read, and an answer past the timeout.
            foreach (var (user, reason) in ((string User, string Reason)[])[
                ("malformed", "gave an answer the hub could not read"),
                ("wrongshape", "gave an answer the hub could not read"),
                ("slow", "did not answer in time")])
            {
                await RefusedAsync(address, user, reason);
                await UntouchedAsync(user);
            }

            // The plug-in holds another secret than the hub (its handshake was made before): every call is refused.
            await File.WriteAllTextAsync(secretFile, "not-the-hubs-secret", Ct);
            await RefusedAsync(address, "alice", "refused the hub's credentials");
            await UntouchedAsync("a wrong secret");
            File.Delete(secretFile);
            Assert.Equal(HttpStatusCode.Redirect, (await BridgeAuthenticatorHubTests.LoginAsync(address, "alice", "alice-pass")).Status);

            // The plug-in crashes in the middle of a sign-in: the hub starts it again, and the next sign-in works.
            var before = supervisor.ProcessId!.Value;
            var (status, page) = await BridgeAuthenticatorHubTests.LoginAsync(address, "crash", "any");
            AssertUnavailablePage(status, page, "could not be reached");
            await UntilAsync(() => Task.FromResult(supervisor.ProcessId is { } pid && pid != before), "the crashed plug-in was not started again");
            await UntouchedAsync("a crash");
            await UntilAsync(async () => (await BridgeAuthenticatorHubTests.LoginAsync(address, "alice", "alice-pass")).Status == HttpStatusCode.Redirect,
                "no sign-in worked after the plug-in was started again");
            var restarted = supervisor.ProcessId!.Value;
            var (crashed, crashedMessage) = await TokenRequestAsync(address, "crash");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, crashed);
            Assert.Contains("could not be reached", crashedMessage, StringComparison.Ordinal);
            await UntilAsync(() => Task.FromResult(supervisor.ProcessId is { } pid && pid != restarted), "the plug-in crashed by the API was not started again");
            await UntouchedAsync("a crash through the API");
            await UntilAsync(async () => (await BridgeAuthenticatorHubTests.LoginAsync(address, "alice", "alice-pass")).Status == HttpStatusCode.Redirect,
                "no sign-in worked after the second crash");
            // A wrong password is still a wrong password, not an unavailable service.
            Assert.Equal(HttpStatusCode.Forbidden, (await BridgeAuthenticatorHubTests.LoginAsync(address, "alice", "bob-pass")).Status);

        }
        finally
        {
            // Bob's server outlives the hub otherwise (servers do, for the next hub to re-attach).
            if (admin is not null)
            {
                using var stop = await admin.DeleteAsync("hub/api/users/bob/server", CancellationToken.None);
                admin.Dispose();
            }
            await HubTeardown.StopAsync(app, data);
        }
    }

    /// <summary>
    /// A managed plug-in whose handshake is not the protocol's is started again and again; each one it gave up on is
    /// ended, and none is left once the hub stops (each used to be left running: a plug-in outliving its hub).
    /// </summary>
    [Fact]
    public async Task A_plugin_whose_handshake_is_not_the_protocol_is_ended_each_time_and_none_outlives_the_hub()
    {
        var data = Directory.CreateTempSubdirectory("greyhub-garbage-handshake-").FullName;
        var mark = Guid.NewGuid().ToString("N");
        var app = await HubHost.BuildAsync(Args(data,
            "--Greyhub:Authenticator:Remote:misbehaving:Environment:MISBEHAVING_HANDSHAKE=garbage",
            "--Greyhub:Authenticator:Remote:misbehaving:Environment:MISBEHAVING_MARK=" + mark,
            "--Greyhub:Authenticator:Remote:misbehaving:StartTimeout=00:00:03"), cancellationToken: Ct);
        try
        {
            await app.StartAsync(Ct);
            var supervisor = app.Services.GetServices<IHostedService>().OfType<ManagedPlugin>().Single();
            // Three starts: the first two were given up on (their handshakes answered HTML) before the third began.
            await UntilAsync(() => Task.FromResult(supervisor.Starts >= 3), "the plug-in was not started again after its handshake failed");
            Assert.True(Marked(mark).Count <= 1, $"plug-in processes alive at once: {string.Join(", ", Marked(mark))}");
            var (status, page) = await BridgeAuthenticatorHubTests.LoginAsync(BridgeAuthenticatorHubTests.Address(app), "alice", "alice-pass");
            // Its handshake fails, or it is between two starts: unavailable either way, never a failed login.
            AssertUnavailablePage(status, page, "");
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }
        await UntilAsync(() => Task.FromResult(Marked(mark).Count == 0), "a plug-in process outlived the hub that started it");
        Directory.Delete(data, recursive: true);
    }

    private static string[] Args(string data, params string[] more)
    {
        Requires.PythonModules("apt-get install -y python3", "http.server");
        const string At = "--Greyhub:Authenticator:Remote:" + Name + ":";
        return
        [
            "--urls", "http://127.0.0.1:0", "--Greyhub:DataDir=" + data, "--Logging:LogLevel:Default=Warning",
            "--Greyhub:Culler:Enabled=false", "--Greyhub:Authenticator:AllowAll=true", "--Greyhub:Authenticator:Type=" + Name,
            At + "Command:0=" + DebianPython.Path, At + "Command:1=" + Script, At + "LogFile=" + Path.Combine(data, "plugin.log"),
            // Impatient sign-ins; a health check that never gives up on a plug-in refusing the secret (the test restores it).
            At + "Timeout=00:00:02", At + "HealthInterval=00:00:01", At + "HealthFailures=1000",
            At + "Environment:MISBEHAVING_SLOW_SECONDS=30",
            .. more,
        ];
    }

    /// <summary>The form and the API both refuse <paramref name="user"/>'s sign-in as "unavailable", saying <paramref name="reason"/>.</summary>
    private static async Task RefusedAsync(Uri address, string user, string reason)
    {
        var (status, page) = await BridgeAuthenticatorHubTests.LoginAsync(address, user, user + "-pass");
        AssertUnavailablePage(status, page, reason);
        var (api, message) = await TokenRequestAsync(address, user);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, api);
        Assert.Contains($"the authenticator '{Name}' {reason}", message, StringComparison.Ordinal);
    }

    private static void AssertUnavailablePage(HttpStatusCode status, string page, string reason)
    {
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        var text = WebUtility.HtmlDecode(page);
        Assert.Contains($"The login service is unavailable: the authenticator '{Name}' {reason}", text, StringComparison.Ordinal);
        // The plug-in's address and answer, and any trace, are for the log only.
        Assert.DoesNotContain("127.0.0.1", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Internal proxy error", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
    }

    /// <summary>JupyterHub's token request by password, from a client with no token: the status and the error's message.</summary>
    private static async Task<(HttpStatusCode Status, string Message)> TokenRequestAsync(Uri address, string user)
    {
        using var anonymous = new HttpClient { BaseAddress = address };
        using var response = await anonymous.PostAsync($"hub/api/users/{user}/tokens", JsonContent.Create(new { auth = new { username = user, password = user + "-pass" } }), Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        using var json = JsonDocument.Parse(body.Length > 0 ? body : "{}");
        return (response.StatusCode, json.RootElement.TryGetProperty("message", out var m) ? m.GetString() ?? "" : body);
    }

    /// <summary>A client signed in through the login form (its cookie kept), not following redirects.</summary>
    internal static async Task<HttpClient> SignedInAsync(Uri hub, string user, string? password = null)
    {
        var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer(), UseProxy = false };
        var browser = new HttpClient(handler, disposeHandler: true) { BaseAddress = hub };
        var form = await browser.GetStringAsync("hub/login", Ct);
        var xsrf = WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(form, "name=\"_xsrf\" value=\"([^\"]+)\"").Groups[1].Value);
        using var response = await browser.PostAsync("hub/login", new FormUrlEncodedContent(
            [new("username", user), new("password", password ?? user + "-pass"), new("_xsrf", xsrf)]), Ct);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return browser;
    }

    /// <summary>The processes of <paramref name="user"/>'s server for the hub at <paramref name="hub"/> (other tests run servers for users of the same name).</summary>
    private static SortedSet<int> ServerProcesses(string user, Uri hub)
    {
        var port = ":" + hub.Port.ToString(CultureInfo.InvariantCulture) + "/";
        return [.. Processes().Where(p => p.Environment.GetValueOrDefault("JUPYTERHUB_USER") == user
            && p.Environment.GetValueOrDefault("JUPYTERHUB_API_URL") is { } api && api.Contains(port, StringComparison.Ordinal)).Select(p => p.Pid)];
    }

    private static List<int> Marked(string mark) =>
        [.. Processes().Where(p => p.Environment.GetValueOrDefault("MISBEHAVING_MARK") == mark).Select(p => p.Pid)];

    private static IEnumerable<(int Pid, Dictionary<string, string> Environment)> Processes()
    {
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }
            string[] variables;
            try
            {
                variables = File.ReadAllText(Path.Combine(dir, "environ")).Split('\0', StringSplitOptions.RemoveEmptyEntries);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            // A zombie (ended, not yet reaped) has no environment left: it is not running.
            if (variables.Length == 0 || LinuxProcess.Stat(pid) is not { State: not 'Z' })
            {
                continue;
            }
            yield return (pid, variables.Select(v => v.Split('=', 2)).Where(p => p.Length == 2).GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.First()[1]));
        }
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, string failure)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), failure);
            await Task.Delay(100, Ct);
        }
    }
}
