using Microsoft.Playwright;

namespace Greyhub.Host.Tests;

/// <summary>
/// Every hub page in a real browser, as a person uses it (the keyboard where it matters): each is checked by axe-core
/// and saved as a screenshot (<see cref="PageChecks.ScreenshotFolder"/>). Servers here are a tiny stand-in (Python's
/// http.server) or one that fails at once, so that a start takes a moment.
/// </summary>
public sealed class BrowserPagesTests : IAsyncLifetime
{
    private const string Password = "analytical engine";
    private const string EchoScript = "import http.server, os, urllib.parse\n"
        + "u = urllib.parse.urlparse(os.environ['JUPYTERHUB_SERVICE_URL'])\n"
        + "class H(http.server.BaseHTTPRequestHandler):\n"
        + "    def do_GET(self):\n"
        + "        body = ('Hello ' + os.environ['JUPYTERHUB_USER']).encode()\n"
        + "        self.send_response(200); self.send_header('Content-Type', 'text/plain'); self.send_header('Content-Length', str(len(body))); self.end_headers(); self.wfile.write(body)\n"
        + "    def log_message(self, *a): pass\n"
        + "http.server.HTTPServer((u.hostname, u.port), H).serve_forever()\n";

    private GreyhubProcess _hub = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        var dataDir = Directory.CreateTempSubdirectory("greyhub-browser-pages-").FullName;
        foreach (var (user, admin) in new[] { ("ada", false), ("grace", true) })
        {
            string[] args = ["users", "add", "--password-stdin", "--data-dir", dataDir, .. admin ? ["--admin"] : Array.Empty<string>(), user];
            var (code, _, stderr) = await GreyhubProcess.RunAsync(args, Password + "\n", Ct);
            Assert.True(code == 0, stderr);
        }
        _hub = await GreyhubProcess.StartAsync(dataDir, extraArgs:
        [
            "--Greyhub:Spawner:Profiles:0:Name=echo",
            "--Greyhub:Spawner:Profiles:0:DisplayName=Echo server",
            "--Greyhub:Spawner:Profiles:0:Description=A tiny web server that greets you: starts in a moment.",
            "--Greyhub:Spawner:Profiles:0:Command:0=/usr/bin/python3",
            "--Greyhub:Spawner:Profiles:0:Command:1=-c",
            "--Greyhub:Spawner:Profiles:0:Command:2=" + EchoScript,
            "--Greyhub:Spawner:Profiles:1:Name=broken",
            "--Greyhub:Spawner:Profiles:1:DisplayName=Broken server",
            "--Greyhub:Spawner:Profiles:1:Description=Fails at once, to show what a failed start looks like.",
            "--Greyhub:Spawner:Profiles:1:Command:0=/usr/bin/python3",
            "--Greyhub:Spawner:Profiles:1:Command:1=-c",
            "--Greyhub:Spawner:Profiles:1:Command:2=import sys; print('Traceback (most recent call last):'); print('ModuleNotFoundError: No module named notebook_x', flush=True); sys.exit(3)",
        ], cancellationToken: Ct);
        (_playwright, _browser) = await Chromium.LaunchAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _hub.DisposeAsync();
    }

    [Fact]
    public async Task Login_by_keyboard_alone_with_a_clear_error_first()
    {
        await using var context = await PageChecks.NewContextAsync(_browser);
        var page = await context.NewPageAsync();
        await page.GotoAsync(Url("hub/login"));
        await PageChecks.CheckAsync(page, "01-login");
        // The name field has the focus; Tab goes to the password, Enter sends the form.
        Assert.Equal("username_input", await page.EvaluateAsync<string>("() => document.activeElement.id"));
        await page.Keyboard.TypeAsync("ada");
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("password_input", await page.EvaluateAsync<string>("() => document.activeElement.id"));
        await page.Keyboard.TypeAsync("not my password");
        await page.Keyboard.PressAsync("Enter");
        await page.Locator("#login-error").WaitForAsync();
        Assert.Contains("Invalid username or password", await page.InnerTextAsync("#login-error"));
        await PageChecks.CheckAsync(page, "02-login-error");

        await page.FocusAsync("#password_input");
        await page.Keyboard.TypeAsync(Password);
        await page.Keyboard.PressAsync("Enter");
        await page.Locator("#home-user").WaitForAsync();
        Assert.Equal("ada", await page.InnerTextAsync("#home-user"));

        // The first Tab on a page reaches "Skip to content", which moves the focus to the main content.
        await page.GotoAsync(Url("hub/token"));
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("Skip to content", await page.EvaluateAsync<string>("() => document.activeElement.textContent"));
        await page.Keyboard.PressAsync("Enter");
        Assert.Equal("content", await page.EvaluateAsync<string>("() => document.activeElement.id"));
    }

    [Fact]
    public async Task Named_server_with_a_bad_name_then_options_a_failed_start_a_retry_and_the_server()
    {
        await using var context = await PageChecks.NewContextAsync(_browser);
        context.SetDefaultTimeout(60_000);
        var page = await context.NewPageAsync();
        await LoginAsync(page, "ada");
        await PageChecks.CheckAsync(page, "03-home");

        // A name with a space: the home page says why, next to the field, and keeps what was typed.
        await page.FillAsync("#new-server-name", "exp 1");
        await page.ClickAsync("#new-server");
        await page.Locator("#new-server-error").WaitForAsync();
        Assert.Contains("cannot be a server name", await page.InnerTextAsync("#new-server-error"));
        Assert.Equal("exp 1", await page.InputValueAsync("#new-server-name"));
        await PageChecks.CheckAsync(page, "04-home-named-server-error");

        // A good name: two profiles to choose from, so the options page.
        await page.FillAsync("#new-server-name", "exp-1");
        await page.ClickAsync("#new-server");
        await page.Locator("#spawn-form").WaitForAsync();
        Assert.EndsWith("/hub/spawn/ada/exp-1", page.Url);
        Assert.True(await page.IsCheckedAsync("#profile-0"));
        await PageChecks.CheckAsync(page, "05-spawn-options");

        // The broken profile, picked by its label: the progress page turns into the failure, with the cause in full.
        await page.ClickAsync("label[for='profile-1']");
        Assert.True(await page.IsCheckedAsync("#profile-1"));
        await page.ClickAsync("#start");
        await page.Locator("#spawn-failure").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Visible });
        Assert.Contains("could not start", await page.InnerTextAsync("#progress-heading"));
        Assert.DoesNotContain("Starting", await page.InnerTextAsync("#progress-heading"));
        Assert.NotEmpty((await page.InnerTextAsync("#spawn-error")).Trim());
        Assert.Contains("No module named notebook_x", await page.InnerTextAsync("#spawn-log"));
        Assert.Equal(100, await page.EvaluateAsync<double>("() => document.getElementById('progress-bar').value"));
        await PageChecks.CheckAsync(page, "06-progress-failed");

        // Try again with the echo server: progress, then the server itself.
        await page.ClickAsync("#retry");
        await page.Locator("#spawn-form").WaitForAsync();
        await page.ClickAsync("#start");
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/user/ada/exp-1/");
        Assert.Contains("Hello ada", await page.ContentAsync());

        // Another user (an administrator) reaching that server through OAuth must consent first.
        await using (var admin = await PageChecks.NewContextAsync(_browser))
        {
            var consent = await admin.NewPageAsync();
            await LoginAsync(consent, "grace");
            await consent.GotoAsync(Url("hub/api/oauth2/authorize?client_id=jupyterhub-user-ada-exp-1&redirect_uri=%2Fuser%2Fada%2Fexp-1%2Foauth_callback&response_type=code&state=s1"));
            await consent.Locator("#oauth-authorize").WaitForAsync();
            Assert.Contains("asks to act as grace", await consent.InnerTextAsync("#oauth-client"));
            await PageChecks.CheckAsync(consent, "14-oauth-consent");
        }

        await page.GotoAsync(Url("hub/home"));
        Assert.Equal("running", await page.InnerTextAsync("#phase-exp-1"));
        Assert.Contains("started", await page.InnerTextAsync("tr[data-server='exp-1']"));
        await PageChecks.CheckAsync(page, "07-home-running");

        // On a phone: the same page, one column.
        await using (var phone = await PageChecks.NewContextAsync(_browser, new ViewportSize { Width = 390, Height = 844 }))
        {
            var small = await phone.NewPageAsync();
            await LoginAsync(small, "ada");
            await PageChecks.CheckAsync(small, "08-home-phone");
            Assert.False(await small.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth"), "the home page scrolls sideways on a phone");
        }

        // In the dark: the same page in the dark colour scheme, checked again (contrast is the usual casualty).
        await using (var dark = await PageChecks.NewContextAsync(_browser, scheme: ColorScheme.Dark))
        {
            var night = await dark.NewPageAsync();
            await LoginAsync(night, "ada");
            await PageChecks.CheckAsync(night, "15-home-dark");
        }

        // Stop it, then delete it.
        await page.ClickAsync("#stop-exp-1");
        await page.Locator("#delete-exp-1").WaitForAsync();
        await page.ClickAsync("#delete-exp-1");
        await page.Locator("#home-user").WaitForAsync();
        Assert.Equal(0, await page.Locator("tr[data-server='exp-1']").CountAsync());
    }

    [Fact]
    public async Task Token_change_password_not_running_and_error_pages()
    {
        await using var context = await PageChecks.NewContextAsync(_browser);
        var page = await context.NewPageAsync();
        await LoginAsync(page, "grace");
        // An administrator sees the Admin link.
        Assert.Equal(1, await page.Locator("#nav-admin").CountAsync());

        await page.GotoAsync(Url("hub/token"));
        await page.FillAsync("#token-note", "notebook on my laptop");
        await page.SelectOptionAsync("#token-expiration", "604800");
        await page.ClickAsync("#request-token");
        await page.Locator("#new-token").WaitForAsync();
        Assert.Matches("^[0-9a-f]{32}$", (await page.InnerTextAsync("#new-token")).Trim());
        Assert.Contains("in 6 days", await page.InnerTextAsync("#api-tokens"));
        await PageChecks.CheckAsync(page, "09-token");

        await page.ClickAsync("#nav-change-password");
        await page.Locator("#current-password").WaitForAsync();
        await page.FillAsync("#current-password", "wrong password");
        await page.FillAsync("#new-password", "a new passphrase");
        await page.FillAsync("#confirm-password", "a new passphrase");
        await page.ClickAsync("#change-password");
        await page.Locator("#password-error").WaitForAsync();
        await PageChecks.CheckAsync(page, "10-change-password-error");

        // A form posted without its XSRF token (what a forged cross-site form is): the 403 page says why.
        var forbidden = page.WaitForResponseAsync(r => r.Request.Method == "POST");
        await page.EvaluateAsync("() => { const f = document.createElement('form'); f.method = 'post'; f.action = '/hub/token'; document.body.append(f); f.submit(); }");
        Assert.Equal(403, (await forbidden).Status);
        await page.Locator("h1:has-text('Forbidden')").WaitForAsync();
        Assert.Contains("not sent by this site", await page.InnerTextAsync("#error-message"));
        await PageChecks.CheckAsync(page, "16-forbidden");

        var notRunning = await page.GotoAsync(Url("hub/user/grace/lab"));
        Assert.Equal(424, notRunning!.Status);
        await PageChecks.CheckAsync(page, "11-server-not-running");

        var missing = await page.GotoAsync(Url("hub/no-such-page"));
        Assert.Equal(404, missing!.Status);
        Assert.Equal("Page not found", await page.InnerTextAsync("h1"));
        await PageChecks.CheckAsync(page, "12-not-found");

        // Signed out: the 404 page offers to sign in.
        await page.ClickAsync("#logout");
        await page.Locator("#login_submit").WaitForAsync();
        var anonymous = await page.GotoAsync(Url("elsewhere/entirely"));
        Assert.Equal(404, anonymous!.Status);
        await PageChecks.CheckAsync(page, "13-not-found-signed-out");
    }

    private string Url(string path) => new Uri(_hub.Address, path).ToString();

    private async Task LoginAsync(IPage page, string user)
    {
        await page.GotoAsync(Url("hub/login"));
        await page.FillAsync("#username_input", user);
        await page.FillAsync("#password_input", Password);
        await page.ClickAsync("#login_submit");
        await page.Locator("#home-user").WaitForAsync();
    }
}
