using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Tests;

/// <summary>
/// Whose <c>X-Forwarded-For</c>/<c>-Proto</c> the hub believes: nobody's by default (servers and kernels of the local
/// engine connect from loopback too), only the proxies named in <c>Greyhub:TrustedProxies</c>.
/// </summary>
public sealed class ForwardedHeadersTests
{
    [Fact]
    public async Task A_new_x_forwarded_for_on_each_try_does_not_escape_the_login_throttle()
    {
        // One failure per user name, four per client address.
        await using var hub = await HubInstance.StartAsync("Greyhub:Authenticator:FailedLoginLimit=1");
        using var browser = new Browser(hub);
        var xsrf = Browser.XsrfOf((await browser.GetAsync("hub/login")).Body);
        var statuses = new List<int>();
        for (var i = 0; i < 6; i++)
        {
            statuses.Add((await FailAsync(browser, xsrf, "guess" + i, ("X-Forwarded-For", $"198.51.100.{i}"))).Status);
        }
        Assert.Equal([403, 403, 403, 403, 429, 429], statuses);
    }

    [Fact]
    public async Task A_trusted_proxy_names_the_client_and_the_scheme()
    {
        await using var hub = await HubInstance.StartAsync("Greyhub:Authenticator:FailedLoginLimit=1", "Greyhub:TrustedProxies:0=10.9.0.0/16",
            "Greyhub:TrustedProxies:1=127.0.0.1");
        await hub.SetPasswordAsync("proxied", "correct-horse-1");
        using var browser = new Browser(hub);
        var xsrf = Browser.XsrfOf((await browser.GetAsync("hub/login")).Body);
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(403, (await FailAsync(browser, xsrf, "guess" + i, ("X-Forwarded-For", "198.51.100.7"))).Status);
        }
        // That address is throttled; another one behind the same proxy is not.
        Assert.Equal(429, (await FailAsync(browser, xsrf, "guess9", ("X-Forwarded-For", "198.51.100.7"))).Status);
        Assert.Equal(403, (await FailAsync(browser, xsrf, "guess9", ("X-Forwarded-For", "198.51.100.8"))).Status);
        // A proxy that ends TLS says so, and the login cookies are Secure.
        var login = await PostLoginAsync(browser, xsrf, "proxied", "correct-horse-1", ("X-Forwarded-For", "198.51.100.9"), ("X-Forwarded-Proto", "https"));
        Assert.Equal(302, login.Status);
        Assert.Contains("jupyterhub-hub-login=", login.Header("Set-Cookie"), StringComparison.Ordinal);
        Assert.Contains("secure", login.Header("Set-Cookie"), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task X_forwarded_proto_from_an_untrusted_client_does_not_make_cookies_secure()
    {
        await using var hub = await HubInstance.StartAsync();
        await hub.SetPasswordAsync("direct", "correct-horse-1");
        using var browser = new Browser(hub);
        var xsrf = Browser.XsrfOf((await browser.GetAsync("hub/login")).Body);
        var login = await PostLoginAsync(browser, xsrf, "direct", "correct-horse-1", ("X-Forwarded-Proto", "https"));
        Assert.Equal(302, login.Status);
        Assert.DoesNotContain("secure", login.Header("Set-Cookie"), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task An_invalid_trusted_proxy_is_a_clear_error_at_start()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            HubInstance.StartAsync("Greyhub:TrustedProxies:0=10.0.0.0/99", "Greyhub:TrustedProxies:1=proxy.example"));
        Assert.Contains("Greyhub:TrustedProxies: '10.0.0.0/99' is not an IP address or a CIDR network", error.Message, StringComparison.Ordinal);
        Assert.Contains("'proxy.example'", error.Message, StringComparison.Ordinal);
    }

    private static Task<Page> FailAsync(Browser browser, string xsrf, string user, params (string Name, string Value)[] headers) =>
        PostLoginAsync(browser, xsrf, user, "wrong-password", headers);

    private static async Task<Page> PostLoginAsync(Browser browser, string xsrf, string user, string password, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "hub/login")
        {
            Content = new FormUrlEncodedContent([new("username", user), new("password", password), new("_xsrf", xsrf)]),
        };
        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }
        using var response = await browser.Client.SendAsync(request, Api.Ct);
        return await Page.ReadAsync(response);
    }
}
