using System.Net;
using System.Text.RegularExpressions;

namespace Greyhub.Host.Tests;

/// <summary>What a person sees: signs in through the hub's login form (cookies, XSRF) and reads its pages.</summary>
internal static partial class HubPages
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Adds a user with a password through the CLI (the hub may be running).</summary>
    public static async Task AddUserAsync(GreyhubProcess hub, string name, string password)
    {
        var (code, _, stderr) = await GreyhubProcess.RunAsync(["users", "add", "--password-stdin", "--data-dir", hub.DataDir, name], password + "\n", Ct);
        Assert.True(code == 0, stderr);
    }

    /// <summary>Signs in as <paramref name="user"/> and returns the HTML of <paramref name="path"/> (e.g. <c>hub/home</c>).</summary>
    public static async Task<string> ReadAsync(Uri hub, string user, string password, string path)
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() }) { BaseAddress = hub };
        var form = await http.GetStringAsync("hub/login", Ct);
        var xsrf = XsrfField().Match(form);
        Assert.True(xsrf.Success, "no _xsrf field on the login page");
        using (var login = await http.PostAsync("hub/login", new FormUrlEncodedContent(
            [new("username", user), new("password", password), new("_xsrf", WebUtility.HtmlDecode(xsrf.Groups[1].Value))]), Ct))
        {
            Assert.True(login.StatusCode == HttpStatusCode.Found, $"login of {user} answered {(int)login.StatusCode}");
        }
        using var page = await http.GetAsync(path, Ct);
        Assert.True(page.IsSuccessStatusCode || page.StatusCode == HttpStatusCode.FailedDependency, $"{path} answered {(int)page.StatusCode}");
        return await page.Content.ReadAsStringAsync(Ct);
    }

    /// <summary>A browser-like client signed in as <paramref name="user"/> through the login form (its cookies kept).</summary>
    public static async Task<HttpClient> SignInAsync(Uri hub, string user, string password)
    {
        var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() }) { BaseAddress = hub };
        var form = await http.GetStringAsync("hub/login", Ct);
        var xsrf = XsrfField().Match(form);
        Assert.True(xsrf.Success, "no _xsrf field on the login page");
        using var login = await http.PostAsync("hub/login", new FormUrlEncodedContent(
            [new("username", user), new("password", password), new("_xsrf", WebUtility.HtmlDecode(xsrf.Groups[1].Value))]), Ct);
        Assert.True(login.StatusCode == HttpStatusCode.Found, $"login of {user} answered {(int)login.StatusCode}");
        return http;
    }

    /// <summary>
    /// Waits until the hub sends <paramref name="browser"/>'s request for its home page to the login page (its login
    /// session ended); fails after <paramref name="patience"/>.
    /// </summary>
    public static async Task SignedOutAsync(HttpClient browser, TimeSpan patience)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            using var home = await browser.GetAsync("hub/home", Ct);
            if (home.StatusCode == HttpStatusCode.Found && home.Headers.Location?.OriginalString.Contains("/hub/login", StringComparison.Ordinal) == true)
            {
                return;
            }
            Assert.True(home.StatusCode == HttpStatusCode.OK, $"hub/home answered {(int)home.StatusCode} {home.Headers.Location}");
            Assert.True(waited.Elapsed < patience, $"the session still works after {patience.TotalSeconds} s");
            await Task.Delay(250, Ct);
        }
    }

    [GeneratedRegex("name=\"_xsrf\" value=\"([^\"]+)\"")]
    private static partial Regex XsrfField();
}
