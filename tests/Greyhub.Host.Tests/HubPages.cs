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

    [GeneratedRegex("name=\"_xsrf\" value=\"([^\"]+)\"")]
    private static partial Regex XsrfField();
}
