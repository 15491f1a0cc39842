using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;

namespace Greyhub.Host.Tests;

/// <summary><c>greyhub users list|remove|passwd</c> through the real executable, beside a live hub.</summary>
public sealed partial class UsersCliTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task List_shows_name_admin_created_and_last_activity_while_the_hub_runs()
    {
        await using var hub = await GreyhubProcess.StartAsync(cancellationToken: Ct);
        using var admin = await JupyterClient.AdminAsync(hub);
        await HubPages.AddUserAsync(hub, "bob", "a fine password");
        // Activity as a server reports it (JupyterHub's POST /users/{name}/activity).
        using (var activity = await admin.Http.PostAsJsonAsync("hub/api/users/bob/activity", new { last_activity = "2025-01-02T03:04:05Z" }, Ct))
        {
            Assert.True(activity.IsSuccessStatusCode, $"{activity.StatusCode}");
        }

        var (code, stdout, stderr) = await GreyhubProcess.RunAsync(["users", "list", "--data-dir", hub.DataDir], cancellationToken: Ct);
        Assert.True(code == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Matches(@"^NAME\s+ADMIN\s+CREATED\s+LAST ACTIVITY$", lines[0]);
        Assert.Matches(@"^admin\s+yes\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\s+", lines.Single(l => l.StartsWith("admin ", StringComparison.Ordinal)));
        Assert.Matches(@"^bob\s+no\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\s+2025-01-02 03:04:05Z$", lines.Single(l => l.StartsWith("bob ", StringComparison.Ordinal)));
        Assert.Equal(3, lines.Length);
    }

    [Fact]
    public async Task Remove_asks_first_and_then_removes_the_user_and_their_tokens_from_the_live_hub()
    {
        await using var hub = await GreyhubProcess.StartAsync(cancellationToken: Ct);
        using var admin = await JupyterClient.AdminAsync(hub);
        // A token the live hub has never seen, so nothing of bob is cached there.
        var (tokenCode, bobToken, tokenErr) = await GreyhubProcess.RunAsync(["token", "--data-dir", hub.DataDir, "bob"], cancellationToken: Ct);
        Assert.True(tokenCode == 0, tokenErr);

        // No answer, or anything but yes, keeps the user.
        var (code, stdout, stderr) = await GreyhubProcess.RunAsync(["users", "remove", "--data-dir", hub.DataDir, "bob"], "n\n", Ct);
        Assert.Equal(1, code);
        Assert.Contains("Remove user bob", stderr, StringComparison.Ordinal);
        Assert.Contains("not removed", stderr, StringComparison.Ordinal);
        (code, _, stderr) = await GreyhubProcess.RunAsync(["users", "remove", "--data-dir", hub.DataDir, "bob"], "", Ct);
        Assert.Equal(1, code);
        using (var still = await admin.Http.GetAsync("hub/api/users/bob", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, still.StatusCode);
        }

        (code, stdout, stderr) = await GreyhubProcess.RunAsync(["users", "remove", "--data-dir", hub.DataDir, "bob"], "y\n", Ct);
        Assert.True(code == 0, stderr);
        Assert.Contains("Removed user bob", stdout, StringComparison.Ordinal);
        using (var gone = await admin.Http.GetAsync("hub/api/users/bob", Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }
        using var bob = new JupyterClient(hub.Address, bobToken.Trim());
        using (var refused = await bob.Http.GetAsync("hub/api/user", Ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        // --yes asks nothing; a user that does not exist is an error, not a silent success.
        (code, _, stderr) = await GreyhubProcess.RunAsync(["users", "remove", "--yes", "--data-dir", hub.DataDir, "bob"], cancellationToken: Ct);
        Assert.Equal(1, code);
        Assert.Contains("no user 'bob'", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("[y/N]", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Remove_leaves_a_user_whose_server_runs_to_the_hub()
    {
        var server = "import http.server, os, urllib.parse\n"
            + "u = urllib.parse.urlparse(os.environ['JUPYTERHUB_SERVICE_URL'])\n"
            + "class H(http.server.BaseHTTPRequestHandler):\n"
            + "    def do_GET(self):\n"
            + "        self.send_response(200); self.send_header('Content-Length', '2'); self.end_headers(); self.wfile.write(b'ok')\n"
            + "    def log_message(self, *a): pass\n"
            + "http.server.HTTPServer((u.hostname, u.port), H).serve_forever()\n";
        await using var hub = await GreyhubProcess.StartAsync(extraArgs:
        [
            "--Greyhub:Spawner:Command:0=" + Greyhub.Testing.DebianPython.Path,
            "--Greyhub:Spawner:Command:1=-c",
            "--Greyhub:Spawner:Command:2=" + server,
        ], cancellationToken: Ct);
        using var admin = await JupyterClient.AdminAsync(hub);
        using var alice = await admin.CreateUserAsync("alice");
        await alice.StartAndWaitAsync("alice");

        // The command line never touches servers (only the live hub can stop them), so it refuses.
        var (code, _, stderr) = await GreyhubProcess.RunAsync(["users", "remove", "--yes", "--data-dir", hub.DataDir, "alice"], cancellationToken: Ct);
        Assert.Equal(1, code);
        Assert.Contains("server running or pending", stderr, StringComparison.Ordinal);
        var user = await admin.UserAsync("alice");
        Assert.True(user.GetProperty("servers").GetProperty("").GetProperty("ready").GetBoolean());

        using (var stop = await alice.Http.DeleteAsync("hub/api/users/alice/server", Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, stop.StatusCode);
        }
        (code, _, stderr) = await GreyhubProcess.RunAsync(["users", "remove", "--yes", "--data-dir", hub.DataDir, "alice"], cancellationToken: Ct);
        Assert.True(code == 0, stderr);
    }

    [Fact]
    public async Task Passwd_changes_the_password_the_login_form_accepts()
    {
        await using var hub = await GreyhubProcess.StartAsync(cancellationToken: Ct);
        await HubPages.AddUserAsync(hub, "bob", "the old password");
        Assert.Equal(HttpStatusCode.Found, await LoginAsync(hub.Address, "bob", "the old password"));

        // Not a terminal: the password is one line of stdin, no --password-stdin needed.
        var (code, stdout, stderr) = await GreyhubProcess.RunAsync(["users", "passwd", "--data-dir", hub.DataDir, "bob"], "the new password\n", Ct);
        Assert.True(code == 0, stderr);
        Assert.Contains("Changed the password of bob", stdout, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Found, await LoginAsync(hub.Address, "bob", "the new password"));
        Assert.NotEqual(HttpStatusCode.Found, await LoginAsync(hub.Address, "bob", "the old password"));

        // Too short, or a user that does not exist (never created by passwd): refused, and nothing changes.
        (code, _, stderr) = await GreyhubProcess.RunAsync(["users", "passwd", "--password-stdin", "--data-dir", hub.DataDir, "bob"], "short\n", Ct);
        Assert.Equal(2, code);
        Assert.Contains("at least 8 characters", stderr, StringComparison.Ordinal);
        (code, _, stderr) = await GreyhubProcess.RunAsync(["users", "passwd", "--data-dir", hub.DataDir, "nobody"], "a fine password\n", Ct);
        Assert.Equal(1, code);
        Assert.Contains("no user 'nobody'", stderr, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Found, await LoginAsync(hub.Address, "bob", "the new password"));
        using var admin = await JupyterClient.AdminAsync(hub);
        using (var missing = await admin.Http.GetAsync("hub/api/users/nobody", Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }
    }

    [Fact]
    public async Task Passwd_and_remove_end_the_users_sessions_in_the_live_hub()
    {
        await using var hub = await GreyhubProcess.StartAsync(cancellationToken: Ct);
        await HubPages.AddUserAsync(hub, "bob", "bob's old password");
        await HubPages.AddUserAsync(hub, "carol", "carol's password");
        using var bob = await HubPages.SignInAsync(hub.Address, "bob", "bob's old password");
        using var carol = await HubPages.SignInAsync(hub.Address, "carol", "carol's password");
        var (tokenCode, carolToken, tokenErr) = await GreyhubProcess.RunAsync(["token", "--data-dir", hub.DataDir, "carol"], cancellationToken: Ct);
        Assert.True(tokenCode == 0, tokenErr);
        using var carolApi = new JupyterClient(hub.Address, carolToken.Trim());
        // Both in use, so the live hub has them cached.
        foreach (var browser in new[] { bob, carol })
        {
            using var home = await browser.GetAsync("hub/home", Ct);
            Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        }
        using (var me = await carolApi.Http.GetAsync("hub/api/user", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        }

        // Another process changes bob's password: the hub's cached caller lives at most IdentityResolver.CacheLifetime
        // (5 s), then the cookie signed in with the old password is refused. A new sign-in works.
        var (code, _, stderr) = await GreyhubProcess.RunAsync(["users", "passwd", "--data-dir", hub.DataDir, "bob"], "bob's new password\n", Ct);
        Assert.True(code == 0, stderr);
        await HubPages.SignedOutAsync(bob, TimeSpan.FromMinutes(2));
        using (var again = await HubPages.SignInAsync(hub.Address, "bob", "bob's new password"))
        using (var home = await again.GetAsync("hub/home", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        }

        // Removing carol: her cookie and her token stop working the same way.
        (code, _, stderr) = await GreyhubProcess.RunAsync(["users", "remove", "--yes", "--data-dir", hub.DataDir, "carol"], cancellationToken: Ct);
        Assert.True(code == 0, stderr);
        await HubPages.SignedOutAsync(carol, TimeSpan.FromMinutes(2));
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            using var me = await carolApi.Http.GetAsync("hub/api/user", Ct);
            if (me.StatusCode == HttpStatusCode.Forbidden)
            {
                break;
            }
            Assert.Equal(HttpStatusCode.OK, me.StatusCode);
            Assert.True(waited.Elapsed < TimeSpan.FromMinutes(2), "the removed user's token still works after 2 minutes");
            await Task.Delay(250, Ct);
        }
    }

    [Fact]
    public async Task Commands_on_existing_users_refuse_a_folder_without_a_hub_and_create_nothing()
    {
        var folder = Directory.CreateTempSubdirectory("greyhub-cli-empty-").FullName;
        try
        {
            foreach (var command in new[] { new[] { "users", "list" }, ["users", "remove", "--yes", "bob"], ["users", "passwd", "bob"] })
            {
                var (code, stdout, stderr) = await GreyhubProcess.RunInAsync(folder, command, "a fine password\n", Ct);
                Assert.Equal(1, code);
                Assert.Equal("", stdout);
                Assert.Contains($"no hub database for the data folder {Path.Combine(folder, "greyhub-data")}", stderr, StringComparison.Ordinal);
                Assert.Contains($"no greyhub.json in {folder}", stderr, StringComparison.Ordinal);
                Assert.Empty(Directory.EnumerateFileSystemEntries(folder));
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Posts the login form; 302 when the hub accepts the password.</summary>
    private static async Task<HttpStatusCode> LoginAsync(Uri hub, string user, string password)
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() }) { BaseAddress = hub };
        var form = await http.GetStringAsync("hub/login", Ct);
        var xsrf = XsrfField().Match(form);
        Assert.True(xsrf.Success, "no _xsrf field on the login page");
        using var login = await http.PostAsync("hub/login", new FormUrlEncodedContent(
            [new("username", user), new("password", password), new("_xsrf", WebUtility.HtmlDecode(xsrf.Groups[1].Value))]), Ct);
        return login.StatusCode;
    }

    [GeneratedRegex("name=\"_xsrf\" value=\"([^\"]+)\"")]
    private static partial Regex XsrfField();
}
