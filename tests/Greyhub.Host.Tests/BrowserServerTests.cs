using System.Net;
using Microsoft.Playwright;

namespace Greyhub.Host.Tests;

/// <summary>
/// A person in a real browser: sign in, press Start, watch the progress page, land in the classic Jupyter Notebook
/// (through the hub's OAuth), run a cell, sign out; and another person's browser is turned away from that server.
/// </summary>
public sealed class BrowserServerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Login_start_run_a_cell_and_logout_while_another_user_is_kept_out()
    {
        Greyhub.Testing.Requires.Program("/usr/bin/jupyterhub-singleuser", "apt-get install -y jupyterhub python3-ipykernel");
        var dataDir = Directory.CreateTempSubdirectory("greyhub-browser-server-").FullName;
        foreach (var (user, password) in new[] { ("ada", "analytical engine"), ("bob", "difference engine") })
        {
            var (code, _, stderr) = await GreyhubProcess.RunAsync(["users", "add", "--password-stdin", "--data-dir", dataDir, user], password + "\n", Ct);
            Assert.True(code == 0, stderr);
        }
        await using var hub = await GreyhubProcess.StartAsync(dataDir, extraArgs:
        [
            // The classic Notebook has a UI; Debian's default single-user app has none. One profile per app.
            "--Greyhub:Spawner:Profiles:0:Name=classic",
            "--Greyhub:Spawner:Profiles:0:DisplayName=Classic Notebook",
            "--Greyhub:Spawner:Profiles:0:Environment:JUPYTERHUB_SINGLEUSER_APP=notebook.notebookapp.NotebookApp",
            "--Greyhub:Spawner:Profiles:1:Name=server",
            "--Greyhub:Spawner:Profiles:1:DisplayName=Jupyter Server (no UI)",
        ], cancellationToken: Ct);
        await using var chromium = await Chromium.OpenPageAsync();
        var page = chromium.Page;
        var watch = new PageWatch(page);

        await LoginAsync(page, hub, "ada", "analytical engine");
        await page.Locator("#home-user").WaitForAsync();
        Assert.Equal("stopped", await page.InnerTextAsync("#phase-default"));

        // Start → the spawn page with the profiles → the progress page → Jupyter.
        await page.ClickAsync("#start-default");
        await page.Locator("#spawn-form").WaitForAsync();
        Assert.Contains("Classic Notebook", await page.InnerTextAsync("#spawn-form"));
        await page.ClickAsync("#start");
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath.StartsWith("/hub/spawn-pending/ada", StringComparison.Ordinal) || new Uri(url).AbsolutePath.StartsWith("/user/ada/", StringComparison.Ordinal));
        if (new Uri(page.Url).AbsolutePath.StartsWith("/hub/spawn-pending/", StringComparison.Ordinal))
        {
            await page.Locator("#progress-bar").WaitForAsync();
        }
        // The server's page, reached through the hub's OAuth (no second login), under ada's prefix.
        await watch.ShownAsync("#ipython-main-app");
        Assert.StartsWith("/user/ada/", new Uri(page.Url).AbsolutePath, StringComparison.Ordinal);
        Assert.Equal("/user/ada/", await page.GetAttributeAsync("body", "data-base-url"));
        var serverCookie = Assert.Single(await chromium.Context.CookiesAsync(), c => c.Name == "jupyterhub-user-ada");
        Assert.True(serverCookie.HttpOnly);
        Assert.Equal("/user/ada/", serverCookie.Path);

        // A new notebook; a cell runs 1+1 and shows 2.
        var created = await page.EvaluateAsync<string>("""
            async () => {
              const xsrf = document.cookie.split('; ').find(c => c.startsWith('_xsrf='))?.split('=')[1] ?? '';
              const r = await fetch('/user/ada/api/contents', { method: 'POST', headers: { 'X-XSRFToken': decodeURIComponent(xsrf), 'Content-Type': 'application/json' }, body: JSON.stringify({ type: 'notebook' }) });
              return (await r.json()).path;
            }
            """);
        await page.GotoAsync(new Uri(hub.Address, "user/ada/notebooks/" + created).ToString());
        await watch.ShownAsync("#kernel_indicator_icon.kernel_idle_icon");
        await page.Locator(".CodeMirror").First.ClickAsync();
        await page.Keyboard.TypeAsync("1+1");
        await page.Keyboard.PressAsync("Shift+Enter");
        var output = page.Locator(".output_result pre, .output_subarea.output_text pre").First;
        await output.WaitForAsync();
        Assert.Equal("2", (await output.InnerTextAsync()).Trim());
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Path.GetTempPath(), "greyhub-notebook.png") });

        // Another person, signed in to the hub, cannot get into ada's server: the hub refuses the OAuth step.
        var other = await chromium.Browser.NewContextAsync();
        other.SetDefaultTimeout(90_000);
        var bobPage = await other.NewPageAsync();
        await LoginAsync(bobPage, hub, "bob", "difference engine");
        await bobPage.Locator("#home-user").WaitForAsync();
        var refused = await bobPage.GotoAsync(new Uri(hub.Address, "user/ada/tree").ToString());
        Assert.Equal((int)HttpStatusCode.Forbidden, refused!.Status);
        Assert.DoesNotContain(created, await bobPage.ContentAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(await other.CookiesAsync(), c => c.Name == "jupyterhub-user-ada");
        await other.CloseAsync();

        // Logout from Jupyter goes through the hub's logout: both cookies are gone, home needs a login again.
        await page.GotoAsync(new Uri(hub.Address, "user/ada/logout").ToString());
        await page.Locator("#login_submit").WaitForAsync();
        Assert.Contains("/hub/login", page.Url);
        var left = await chromium.Context.CookiesAsync();
        Assert.DoesNotContain(left, c => c.Name is "jupyterhub-user-ada" or "jupyterhub-hub-login");
        await page.GotoAsync(new Uri(hub.Address, "hub/home").ToString());
        Assert.Contains("/hub/login", page.Url);
        await chromium.Context.CloseAsync();
    }

    private static async Task LoginAsync(IPage page, GreyhubProcess hub, string user, string password)
    {
        await page.GotoAsync(new Uri(hub.Address, "hub/login").ToString());
        await page.FillAsync("#username_input", user);
        await page.FillAsync("#password_input", password);
        await page.ClickAsync("#login_submit");
    }
}
