using System.Text.Json;
using Greyhub.Testing;
using Microsoft.Playwright;

namespace Greyhub.Host.Tests;

/// <summary>
/// A person in a real browser reaches a service the hub runs: JupyterHub's own <c>HubOAuth</c> (in the Python test
/// service) sends Chromium through the hub's OAuth, the person confirms, and the service knows who they are. Someone
/// the service is not granted to is turned away by the hub.
/// </summary>
public sealed class BrowserServiceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_browser_logs_in_to_a_managed_service_through_the_hubs_oauth_and_sees_its_identity()
    {
        WhoamiService.Require();
        var dataDir = Directory.CreateTempSubdirectory("greyhub-browser-service-").FullName;
        foreach (var (user, password) in new[] { ("ada", "analytical engine"), ("bob", "difference engine") })
        {
            var (code, _, stderr) = await GreyhubProcess.RunAsync(["users", "add", "--password-stdin", "--data-dir", dataDir, user], password + "\n", Ct);
            Assert.True(code == 0, stderr);
        }
        var serviceUrl = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        await using var hub = await GreyhubProcess.StartAsync(dataDir, extraArgs:
        [
            .. WhoamiService.Config(0, "whoami", serviceUrl, "OauthClientAllowedScopes:0=read:users:activity!user").Select(c => "--" + c),
            // Only ada may use the service.
            "--Greyhub:Roles:0:Name=whoami-users", "--Greyhub:Roles:0:Users:0=ada", "--Greyhub:Roles:0:Scopes:0=access:services!service=whoami",
        ], cancellationToken: Ct);
        await using var chromium = await Chromium.OpenPageAsync();
        var page = chromium.Page;
        await LoginAsync(page, hub, "ada", "analytical engine");
        var service = new Uri(hub.Address, "services/whoami/").ToString();
        await OpenWhenUpAsync(page, service);
        // HubOAuth sent the browser to the hub's authorize endpoint: not ada's own server, so she confirms.
        Assert.Contains("/hub/api/oauth2/authorize", page.Url, StringComparison.Ordinal);
        await page.GetByRole(AriaRole.Button, new() { Name = "Authorize" }).ClickAsync();
        await page.WaitForURLAsync(service);
        var model = JsonDocument.Parse(await page.Locator("body").InnerTextAsync()).RootElement;
        Assert.Equal("ada", model.GetProperty("name").GetString());
        Assert.Equal("user", model.GetProperty("kind").GetString());
        var scopes = model.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()).ToList();
        Assert.Contains("access:services!service=whoami", scopes);
        Assert.Contains("read:users:activity!user=ada", scopes);
        Assert.DoesNotContain("servers!user=ada", scopes);
        var cookie = Assert.Single(await chromium.Context.CookiesAsync(), c => c.Name == "service-whoami");
        Assert.True(cookie.HttpOnly);
        Assert.Equal("/services/whoami/", cookie.Path);
        // Once logged in, the service knows her without asking the hub's pages again.
        await page.GotoAsync(service);
        Assert.Equal("ada", JsonDocument.Parse(await page.Locator("body").InnerTextAsync()).RootElement.GetProperty("name").GetString());
        await chromium.Context.CloseAsync();

        // bob holds no access to the service: the hub refuses him at its authorize step.
        var other = await chromium.Browser.NewContextAsync();
        other.SetDefaultTimeout(90_000);
        var bobPage = await other.NewPageAsync();
        await LoginAsync(bobPage, hub, "bob", "difference engine");
        var refused = await bobPage.GotoAsync(service);
        Assert.Equal(403, refused!.Status);
        Assert.Contains("/hub/api/oauth2/authorize", bobPage.Url, StringComparison.Ordinal);
        Assert.DoesNotContain(await other.CookiesAsync(), c => c.Name == "service-whoami");
        await other.CloseAsync();
    }

    /// <summary>Opens the service, again while the hub's proxy still answers that it is starting.</summary>
    private static async Task OpenWhenUpAsync(IPage page, string url)
    {
        for (var attempt = 0; ; attempt++)
        {
            var response = await page.GotoAsync(url);
            if (response is { Status: < 500 } || attempt == 300)
            {
                return;
            }
            await Task.Delay(200, Ct);
        }
    }

    private static async Task LoginAsync(IPage page, GreyhubProcess hub, string user, string password)
    {
        await page.GotoAsync(new Uri(hub.Address, "hub/login").ToString());
        await page.FillAsync("#username_input", user);
        await page.FillAsync("#password_input", password);
        await page.ClickAsync("#login_submit");
        await page.WaitForURLAsync(url => !new Uri(url).AbsolutePath.StartsWith("/hub/login", StringComparison.Ordinal));
    }
}
