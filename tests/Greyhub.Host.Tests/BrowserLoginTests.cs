using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Playwright;

namespace Greyhub.Host.Tests;

/// <summary>A person in a real browser: sign in, make a token, use it, sign out.</summary>
public sealed class BrowserLoginTests
{
    [Fact]
    public async Task Login_create_token_use_it_and_logout()
    {
        var ct = TestContext.Current.CancellationToken;
        var dataDir = Directory.CreateTempSubdirectory("greyhub-browser-").FullName;
        var (code, _, stderr) = await GreyhubProcess.RunAsync(["users", "add", "--password-stdin", "--data-dir", dataDir, "ada"], "analytical engine\n", ct);
        Assert.True(code == 0, stderr);
        await using var hub = await GreyhubProcess.StartAsync(dataDir, cancellationToken: ct);
        var (playwright, browser) = await Chromium.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();

        // An unauthenticated visit to home goes to the login page and comes back after.
        await page.GotoAsync(new Uri(hub.Address, "hub/home").ToString());
        Assert.Contains("/hub/login", page.Url);

        // A wrong password shows an error and does not sign in.
        await page.FillAsync("#username_input", "ada");
        await page.FillAsync("#password_input", "wrong password");
        var failed = await SubmitAsync(page, "#login_submit", "/hub/login");
        Assert.Equal(403, failed.Status);
        await page.Locator("#login-error").WaitForAsync();
        Assert.Contains("Invalid username or password", await page.InnerTextAsync("#login-error"));

        // The right one lands on home.
        await page.FillAsync("#password_input", "analytical engine");
        await SubmitAsync(page, "#login_submit", "/hub/login");
        // Wait on the destination's content, not on load events, which can race with the redirect.
        await page.Locator("#home-user").WaitForAsync();
        Assert.EndsWith("/hub/home", page.Url);
        Assert.Equal("ada", await page.InnerTextAsync("#home-user"));

        // The login cookie is HttpOnly and SameSite.
        var cookies = await context.CookiesAsync();
        var login = Assert.Single(cookies, c => c.Name == "jupyterhub-hub-login");
        Assert.True(login.HttpOnly);
        Assert.Equal(SameSiteAttribute.Lax, login.SameSite);
        Assert.Equal("/hub/", login.Path);

        // Make a token on the token page; it is shown once.
        await page.GotoAsync(new Uri(hub.Address, "hub/token").ToString());
        await page.FillAsync("#token-note", "from the browser test");
        await page.SelectOptionAsync("#token-expiration", "3600");
        Assert.Equal(200, (await SubmitAsync(page, "#request-token", "/hub/token")).Status);
        await page.Locator("#new-token").WaitForAsync();
        var token = (await page.InnerTextAsync("#new-token")).Trim();
        Assert.Matches("^[0-9a-f]{32}$", token);
        Assert.Contains("from the browser test", await page.InnerTextAsync("#api-tokens"));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Path.GetTempPath(), "greyhub-token-page.png"), FullPage = true });

        // The token works on the API.
        using var api = new HttpClient { BaseAddress = hub.Address };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("token", token);
        var me = JsonDocument.Parse(await api.GetStringAsync("hub/api/user", ct)).RootElement;
        Assert.Equal("ada", me.GetProperty("name").GetString());

        // A form post without the XSRF token is refused even with the login cookie.
        var cookieHeader = string.Join("; ", (await context.CookiesAsync()).Select(c => $"{c.Name}={c.Value}"));
        using var forged = new HttpRequestMessage(HttpMethod.Post, new Uri(hub.Address, "hub/token"))
        {
            Content = new FormUrlEncodedContent([new KeyValuePair<string, string>("note", "forged")]),
        };
        forged.Headers.Add("Cookie", cookieHeader);
        using var raw = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false });
        using var forgedResponse = await raw.SendAsync(forged, ct);
        Assert.Equal(HttpStatusCode.Forbidden, forgedResponse.StatusCode);
        Assert.DoesNotContain("forged", await page.InnerTextAsync("#api-tokens"));

        // Revoke it from the page: the API refuses it at once.
        await SubmitAsync(page, "#api-tokens tr:has-text('from the browser test') button.revoke", "/hub/token/revoke");
        await page.Locator("#new-token").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Detached });
        using var afterRevoke = await api.GetAsync("hub/api/user", ct);
        Assert.Equal(HttpStatusCode.Forbidden, afterRevoke.StatusCode);

        // Sign out: back to login, home is closed again.
        await SubmitAsync(page, "#logout", "/hub/logout");
        await page.Locator("#login_submit").WaitForAsync();
        Assert.Contains("/hub/login", page.Url);
        await page.GotoAsync(new Uri(hub.Address, "hub/home").ToString());
        Assert.Contains("/hub/login", page.Url);
        await context.CloseAsync();
    }

    /// <summary>Clicks a submit button and waits for the form's POST answer and the page it leads to.</summary>
    private static async Task<IResponse> SubmitAsync(IPage page, string selector, string path)
    {
        var response = page.WaitForResponseAsync(r => r.Request.Method == "POST" && new Uri(r.Url).AbsolutePath == path);
        await page.ClickAsync(selector);
        return await response;
    }
}
