using System.Net;
using System.Text.RegularExpressions;
using Greyhub.Hub.Tests;

namespace Greyhub.Data.Access.Tests;

/// <summary>A browser session without a browser: signs in through the real <c>/hub/login</c> form (the data pages need the login cookie).</summary>
internal static partial class PageSession
{
    public const string Password = "correct horse battery staple";

    /// <summary>Sets <paramref name="user"/>'s password and returns a client holding their login cookie.</summary>
    public static async Task<HttpClient> SignInAsync(HubInstance hub, string user)
    {
        var ct = TestContext.Current.CancellationToken;
        await hub.SetPasswordAsync(user, Password);
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() }) { BaseAddress = hub.Address };
        var form = await client.GetStringAsync("hub/login", ct);
        var xsrf = WebUtility.HtmlDecode(Xsrf().Match(form).Groups[1].Value);
        using var login = await client.PostAsync("hub/login", new FormUrlEncodedContent(
            [new("username", user), new("password", Password), new("_xsrf", xsrf)]), ct);
        Assert.Equal(HttpStatusCode.Found, login.StatusCode);
        return client;
    }

    [GeneratedRegex("name=\"_xsrf\" value=\"([^\"]+)\"")]
    private static partial Regex Xsrf();
}
