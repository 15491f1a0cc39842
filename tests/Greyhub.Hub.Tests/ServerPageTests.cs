using System.Text.RegularExpressions;

namespace Greyhub.Hub.Tests;

/// <summary>
/// The home page with nothing to choose (no profiles): one click starts, the progress page follows, times read as
/// people say them, named servers are created under the shown rules (a bad name is an error on the page, not a dead
/// end) and deleted.
/// </summary>
public sealed partial class HomePageTests : IAsyncLifetime
{
    private const string Password = "home-password-1";
    private HubInstance _hub = null!;

    public async ValueTask InitializeAsync()
    {
        _hub = await HubInstance.StartAsync(ServerPages.Echo("Greyhub:Spawner"));
        await _hub.SetPasswordAsync("hana", Password);
        await _hub.SetPasswordAsync("nemo", Password);
    }

    public async ValueTask DisposeAsync()
    {
        using var admin = _hub.Client(_hub.AdminToken);
        foreach (var path in new[] { "users/hana/server", "users/nemo/servers/exp-1" })
        {
            using var _ = await admin.DeleteAsync("hub/api/" + path, CancellationToken.None);
        }
        await _hub.DisposeAsync();
    }

    [Fact]
    public async Task One_click_starts_the_server_and_home_shows_it_running_with_relative_times()
    {
        using var browser = new Browser(_hub);
        await browser.LoginAsync("hana", Password);
        var home = await browser.GetAsync("hub/home");
        Assert.Equal(200, home.Status);
        Assert.Contains("<span class=\"badge stopped\" id=\"phase-default\">stopped</span>", home.Body, StringComparison.Ordinal);
        // Nothing to choose: Start is a form that posts (XSRF-protected), not a link to an options page.
        var start = StartForm().Match(home.Body);
        Assert.True(start.Success, "no one-click start form on the home page");
        Assert.Equal("/hub/spawn/hana", start.Groups[1].Value);

        var started = await browser.PostFormAsync("hub/spawn/hana", ("_xsrf", Browser.XsrfOf(home.Body)));
        Assert.Equal(302, started.Status);
        Assert.Equal("/hub/spawn-pending/hana", started.Location);
        var pending = await browser.GetAsync("hub/spawn-pending/hana");
        if (pending.Status == 200)
        {
            // Still starting: the progress page follows the stream with its own script, nothing inline.
            Assert.Contains("<progress id=\"progress-bar\"", pending.Body, StringComparison.Ordinal);
            Assert.Contains("data-progress-url=\"/hub/api/users/hana/server/progress\"", pending.Body, StringComparison.Ordinal);
            Assert.Matches("<script src=\"/hub/static/progress.js\\?v=[0-9a-f]{12}\"></script>", pending.Body);
            Assert.DoesNotContain("<script>", pending.Body, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(302, pending.Status);
            Assert.Equal("/user/hana/", pending.Location);
        }
        var events = await ServerPages.ProgressAsync(_hub, "hana", "");
        Assert.Contains("\"ready\": true", events, StringComparison.Ordinal);
        Assert.Equal("/user/hana/", (await browser.GetAsync("hub/spawn-pending/hana")).Location);

        home = await browser.GetAsync("hub/home");
        Assert.Contains("<span class=\"badge running\" id=\"phase-default\">running</span>", home.Body, StringComparison.Ordinal);
        Assert.Matches("<time datetime=\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\" title=\"\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC\">started (just now|\\d+ minutes? ago)</time>", home.Body);
        Assert.Contains("<a id=\"open-default\" class=\"button primary small\" href=\"/user/hana/\">Open</a>", home.Body, StringComparison.Ordinal);
        Assert.Contains("id=\"stop-default\"", home.Body, StringComparison.Ordinal);

        var stopped = await browser.PostFormAsync("hub/stop/hana", ("_xsrf", Browser.XsrfOf(home.Body)));
        Assert.Equal(302, stopped.Status);
        Assert.Equal("/hub/home", stopped.Location);
    }

    [Theory]
    [InlineData("exp 1", "cannot be a server name: it contains a space.")]
    [InlineData("a/b", "cannot be a server name: it contains \"/\".")]
    [InlineData("", "Give the new server a name.")]
    public async Task A_named_server_that_breaks_the_rules_is_an_error_on_the_home_page(string name, string reason)
    {
        using var browser = new Browser(_hub);
        await browser.LoginAsync("nemo", Password);
        var home = await browser.GetAsync("hub/home");
        // The rules are shown next to the field before anyone gets them wrong.
        Assert.Contains("<span class=\"hint\" id=\"new-server-rules\">Use 1 to 255 characters", home.Body, StringComparison.Ordinal);
        var refused = await browser.PostFormAsync("hub/home", ("_xsrf", Browser.XsrfOf(home.Body)), ("server_name", name));
        Assert.Equal(400, refused.Status);
        Assert.Matches("<p class=\"alert error\" id=\"new-server-error\" role=\"alert\">[^<]*" + Regex.Escape(System.Net.WebUtility.HtmlEncode(reason)), refused.Body);
        Assert.Contains("aria-invalid=\"true\"", refused.Body, StringComparison.Ordinal);
        // Still the whole home page, with what was typed, ready to correct.
        Assert.Contains("id=\"home-user\"", refused.Body, StringComparison.Ordinal);
        Assert.Contains($"value=\"{System.Net.WebUtility.HtmlEncode(name)}\"", refused.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_good_name_starts_the_named_server_and_delete_removes_it()
    {
        using var browser = new Browser(_hub);
        await browser.LoginAsync("nemo", Password);
        var home = await browser.GetAsync("hub/home");
        var created = await browser.PostFormAsync("hub/home", ("_xsrf", Browser.XsrfOf(home.Body)), ("server_name", "exp-1"));
        Assert.Equal(302, created.Status);
        Assert.Equal("/hub/spawn-pending/nemo/exp-1", created.Location);
        Assert.Contains("\"ready\": true", await ServerPages.ProgressAsync(_hub, "nemo", "exp-1"), StringComparison.Ordinal);
        home = await browser.GetAsync("hub/home");
        Assert.Contains("id=\"phase-exp-1\">running</span>", home.Body, StringComparison.Ordinal);
        Assert.Contains("href=\"/user/nemo/exp-1/\">Open</a>", home.Body, StringComparison.Ordinal);

        // Stop, then delete: it leaves the list.
        Assert.Equal(302, (await browser.PostFormAsync("hub/stop/nemo/exp-1", ("_xsrf", Browser.XsrfOf(home.Body)))).Status);
        home = await browser.GetAsync("hub/home");
        Assert.Contains("id=\"delete-exp-1\"", home.Body, StringComparison.Ordinal);
        var deleted = await browser.PostFormAsync("hub/stop/nemo/exp-1", ("_xsrf", Browser.XsrfOf(home.Body)), ("remove", "true"));
        Assert.Equal("/hub/home", deleted.Location);
        home = await browser.GetAsync("hub/home");
        Assert.DoesNotContain("exp-1", home.Body, StringComparison.Ordinal);
    }

    [GeneratedRegex("<form method=\"post\" action=\"([^\"]+)\">\\s*<input type=\"hidden\" name=\"_xsrf\" value=\"[^\"]+\"\\s*/?>\\s*<button id=\"start-default\"")]
    private static partial Regex StartForm();
}

/// <summary>
/// With profiles to choose from: Start goes to the options page (radios tied to their labels, a description each);
/// a start that fails is shown as a failure with its cause and the server's output, and a way to try again.
/// </summary>
public sealed class SpawnOptionsPageTests : IAsyncLifetime
{
    private const string Password = "options-password-1";
    private HubInstance _hub = null!;

    public async ValueTask InitializeAsync()
    {
        _hub = await HubInstance.StartAsync(
        [
            "Greyhub:Spawner:Profiles:0:Name=echo",
            "Greyhub:Spawner:Profiles:0:DisplayName=Echo server",
            "Greyhub:Spawner:Profiles:0:Description=A tiny test server that answers its user's name.",
            .. ServerPages.Echo("Greyhub:Spawner:Profiles:0"),
            "Greyhub:Spawner:Profiles:1:Name=broken",
            "Greyhub:Spawner:Profiles:1:DisplayName=Broken server",
            "Greyhub:Spawner:Profiles:1:Command:0=/usr/bin/python3",
            "Greyhub:Spawner:Profiles:1:Command:1=-c",
            "Greyhub:Spawner:Profiles:1:Command:2=import sys; print('boom: no module named notebook_x', flush=True); sys.exit(3)",
        ]);
        await _hub.SetPasswordAsync("opal", Password);
    }

    public async ValueTask DisposeAsync() => await _hub.DisposeAsync();

    [Fact]
    public async Task Start_offers_the_profiles_as_labelled_radios_and_a_failed_start_is_shown_as_failure()
    {
        using var browser = new Browser(_hub);
        await browser.LoginAsync("opal", Password);
        var home = await browser.GetAsync("hub/home");
        Assert.Contains("<a id=\"start-default\" class=\"button primary small\" href=\"/hub/spawn/opal\"", home.Body, StringComparison.Ordinal);

        var options = await browser.GetAsync("hub/spawn/opal");
        Assert.Equal(200, options.Status);
        Assert.Contains("<legend>Choose what to run</legend>", options.Body, StringComparison.Ordinal);
        Assert.Contains("<label class=\"choice\" for=\"profile-0\"><input type=\"radio\" id=\"profile-0\" name=\"profile\" value=\"echo\" checked aria-describedby=\"profile-0-text\" />", options.Body, StringComparison.Ordinal);
        Assert.Contains("<span class=\"choice-text\" id=\"profile-0-text\">A tiny test server that answers its user&#x27;s name.</span>", options.Body, StringComparison.Ordinal);
        Assert.Contains("<label class=\"choice\" for=\"profile-1\"><input type=\"radio\" id=\"profile-1\" name=\"profile\" value=\"broken\"", options.Body, StringComparison.Ordinal);

        var started = await browser.PostFormAsync("hub/spawn/opal", ("_xsrf", Browser.XsrfOf(options.Body)), ("profile", "broken"));
        Assert.Equal("/hub/spawn-pending/opal", started.Location);
        var events = await ServerPages.ProgressAsync(_hub, "opal", "");
        Assert.Contains("\"failed\": true", events, StringComparison.Ordinal);

        var failed = await browser.GetAsync("hub/spawn-pending/opal");
        Assert.Equal(500, failed.Status);
        Assert.Contains("<h1 id=\"progress-heading\">Your server could not start</h1>", failed.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("Starting your server", failed.Body, StringComparison.Ordinal);
        Assert.Contains("<progress id=\"progress-bar\" class=\"failed\" max=\"100\" value=\"100\"", failed.Body, StringComparison.Ordinal);
        Assert.Matches("<span id=\"spawn-error\">[^<]+</span>", failed.Body);
        Assert.Contains("boom: no module named notebook_x", failed.Body, StringComparison.Ordinal);
        Assert.Contains("<a id=\"retry\" class=\"button primary\" href=\"/hub/spawn/opal\">Try again</a>", failed.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("progress.js", failed.Body, StringComparison.Ordinal);
        // Home says the same: the server stopped, and why.
        Assert.Contains("<p class=\"notice\" id=\"reason-default\">Your default server stopped: Its start failed: ", (await browser.GetAsync("hub/home")).Body, StringComparison.Ordinal);
    }
}

/// <summary>Shared set-up of the server page tests.</summary>
internal static class ServerPages
{
    /// <summary>A stand-in server (Python's http.server where JUPYTERHUB_SERVICE_URL says), so a start takes a moment.</summary>
    private const string EchoScript = "import http.server, os, urllib.parse\n"
        + "u = urllib.parse.urlparse(os.environ['JUPYTERHUB_SERVICE_URL'])\n"
        + "class H(http.server.BaseHTTPRequestHandler):\n"
        + "    def do_GET(self):\n"
        + "        body = os.environ['JUPYTERHUB_USER'].encode()\n"
        + "        self.send_response(200); self.send_header('Content-Length', str(len(body))); self.end_headers(); self.wfile.write(body)\n"
        + "    def log_message(self, *a): pass\n"
        + "http.server.HTTPServer((u.hostname, u.port), H).serve_forever()\n";

    public static string[] Echo(string section) =>
        [$"{section}:Command:0=/usr/bin/python3", $"{section}:Command:1=-c", $"{section}:Command:2={EchoScript}"];

    /// <summary>The whole progress stream of a start (it ends when the server is ready or the start failed).</summary>
    public static async Task<string> ProgressAsync(HubInstance hub, string user, string server)
    {
        var path = server.Length == 0 ? $"hub/api/users/{user}/server/progress" : $"hub/api/users/{user}/servers/{server}/progress";
        using var response = await hub.Client(hub.AdminToken).GetAsync(path, Api.Ct);
        return await response.Content.ReadAsStringAsync(Api.Ct);
    }
}
