using System.Net;
using System.Net.Http.Json;

namespace Greyhub.Hub.Tests;

/// <summary>
/// The hub's cookies stay under <c>/hub/</c> (JupyterHub 4.1+), so users' servers at <c>/user/...</c> never receive
/// them, and everything that needs them (login, forms, cookie + XSRF API writes, logout) still works.
/// </summary>
public sealed class HubCookieTests
{
    [Fact]
    public async Task Every_hub_cookie_has_path_hub_and_login_forms_and_xsrf_api_writes_still_work()
    {
        await using var hub = await HubInstance.StartAsync();
        await hub.SetPasswordAsync("crumb", "correct-horse-1");
        using var browser = new Browser(hub);
        var setCookies = new List<string>();

        var form = await browser.GetAsync("hub/login");
        setCookies.AddRange(SetCookies(form));
        Assert.Contains(setCookies, c => c.StartsWith("greyhub-xsrf=", StringComparison.Ordinal));
        var login = await browser.PostFormAsync("hub/login", ("username", "crumb"), ("password", "correct-horse-1"), ("_xsrf", Browser.XsrfOf(form.Body)));
        Assert.Equal(302, login.Status);
        setCookies.AddRange(SetCookies(login));
        Assert.Contains(setCookies, c => c.StartsWith("jupyterhub-session-id=", StringComparison.Ordinal));
        Assert.Contains(setCookies, c => c.StartsWith("jupyterhub-hub-login=", StringComparison.Ordinal));
        // Only deletions (of cookies earlier versions set at Path=/) may name another path.
        Assert.All(setCookies.Where(Sets), c => Assert.Contains("path=/hub/", c, StringComparison.OrdinalIgnoreCase));
        Assert.Empty(browser.Cookies.GetCookies(new Uri(hub.Address, "user/crumb/lab")));
        Assert.Empty(browser.Cookies.GetCookies(hub.Address));
        Assert.NotNull(browser.SessionId);

        // A form: the token page issues a token.
        var tokenPage = await browser.GetAsync("hub/token");
        var created = await browser.PostFormAsync("hub/token", ("_xsrf", Browser.XsrfOf(tokenPage.Body)), ("note", "from the page"));
        Assert.Equal(200, created.Status);
        Assert.Matches("[0-9a-f]{32}", created.Body);

        // An API write with the login cookie: refused without the XSRF header, done with it.
        using (var bare = await browser.Client.PostAsJsonAsync("hub/api/users/crumb/tokens", new { note = "cookie only" }, Api.Ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, bare.StatusCode);
        }
        using (var request = new HttpRequestMessage(HttpMethod.Post, "hub/api/users/crumb/tokens") { Content = JsonContent.Create(new { note = "cookie and xsrf" }) })
        {
            request.Headers.Add("X-XSRFToken", Browser.XsrfOf(tokenPage.Body));
            using var withXsrf = await browser.Client.SendAsync(request, Api.Ct);
            Assert.Equal(HttpStatusCode.Created, withXsrf.StatusCode);
        }

        // Logout clears the session where it was set.
        var home = await browser.GetAsync("hub/home");
        var logout = await browser.PostFormAsync("hub/logout", ("_xsrf", Browser.XsrfOf(home.Body)));
        Assert.Equal(302, logout.Status);
        Assert.Null(browser.SessionId);
        Assert.Contains(SetCookies(logout), c => c.StartsWith("jupyterhub-session-id=;", StringComparison.Ordinal)
            && c.Contains("path=/hub/", StringComparison.OrdinalIgnoreCase));
    }

    private static bool Sets(string setCookie) => !setCookie.Split(';')[0].EndsWith('=');

    private static IEnumerable<string> SetCookies(Page page) =>
        page.Header("Set-Cookie") is { } joined ? SplitSetCookie(joined) : [];

    // Page joins repeated headers with ", "; a cookie's own Expires date has a comma too ("Thu, 01 Jan 1970").
    private static IEnumerable<string> SplitSetCookie(string joined) =>
        System.Text.RegularExpressions.Regex.Split(joined, ", (?=[A-Za-z0-9_-]+=)");
}
