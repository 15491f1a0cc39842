using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Greyhub.Testing;

namespace Greyhub.Host.Tests;

/// <summary>
/// Signing in through an upstream OpenID provider in a real browser: the certified npm oidc-provider for the happy path
/// and the allowed-groups refusal, a deliberately broken provider for the id_tokens the hub must refuse.
/// </summary>
public sealed class BrowserUpstreamLoginTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Physics_user_signs_in_through_oidc_provider_with_groups_and_an_outsider_gets_a_clear_page()
    {
        var dataDir = Directory.CreateTempSubdirectory("greyhub-oidc-").FullName;
        var port = FreePort.Next();
        var secret = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        await using var provider = await OidcProviderProcess.StartAsync("provider.mjs", [$"http://127.0.0.1:{port}/hub/oidc/uni/callback", secret], Ct);
        var issuer = provider.Ready.GetProperty("issuer").GetString()!;
        var (code, token, stderr) = await GreyhubProcess.RunAsync(["token", "--admin", "--data-dir", dataDir, "root"], cancellationToken: Ct);
        Assert.True(code == 0, stderr);
        await using var hub = await GreyhubProcess.StartAsync(Provider("uni", issuer, secret, new()
        {
            ["DisplayName"] = "University SSO",
            ["Scopes:0"] = "openid",
            ["Scopes:1"] = "profile",
            ["Scopes:2"] = "groups",
            ["StripDomains:0"] = "uni.example",
            ["AllowedGroups:0"] = "physics",
            ["ManageGroups"] = "true",
        }), dataDir, null, port, Ct);

        await using var browser = await Chromium.OpenPageAsync(60_000, b => PageChecks.NewContextAsync(b));
        var page = browser.Page;
        await page.GotoAsync(new Uri(hub.Address, "hub/home").ToString());
        await page.Locator("#oidc-login-uni").WaitForAsync();
        Assert.Equal("Sign in with University SSO", (await page.InnerTextAsync("#oidc-login-uni")).Trim());
        // Built-in users are still on beside the provider.
        Assert.True(await page.Locator("#login_submit").IsVisibleAsync());
        await PageChecks.CheckAsync(page, "login-with-provider");

        // Click, sign in at the provider (any password in its development login), consent, and land on home.
        var total = Stopwatch.StartNew();
        var toProvider = Stopwatch.StartNew();
        await page.ClickAsync("#oidc-login-uni");
        await page.Locator("input[name=login]").WaitForAsync();
        toProvider.Stop();
        Assert.StartsWith(issuer, page.Url);
        await page.FillAsync("input[name=login]", "ada");
        await page.FillAsync("input[name=password]", "any");
        await page.ClickAsync("button[type=submit]");
        await page.Locator("button[type=submit]:has-text('Continue')").WaitForAsync();
        var back = Stopwatch.StartNew();
        await page.ClickAsync("button[type=submit]:has-text('Continue')");
        await page.Locator("#home-user").WaitForAsync();
        back.Stop();
        total.Stop();
        Assert.EndsWith("/hub/home", page.Url);
        // preferred_username Ada@Uni.Example: lower-cased, the listed domain stripped.
        Assert.Equal("ada", (await page.InnerTextAsync("#home-user")).Trim());
        await PageChecks.CheckAsync(page, "home-after-oidc-login");
        var timing = $"upstream login round trip: click to provider's form {toProvider.ElapsedMilliseconds} ms, consent to hub home {back.ElapsedMilliseconds} ms, whole (with typing) {total.ElapsedMilliseconds} ms";
        TestContext.Current.TestOutputHelper?.WriteLine(timing);
        await File.WriteAllTextAsync(Path.Combine(PageChecks.ScreenshotFolder, "upstream-login-timing.txt"), timing + "\n", Ct);

        // The upstream groups arrived as Greyhub groups; the user is not admin.
        using var api = new HttpClient { BaseAddress = hub.Address };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("token", token.Trim());
        var ada = JsonDocument.Parse(await api.GetStringAsync("hub/api/users/ada", Ct)).RootElement;
        Assert.Equal(["analysts", "physics"], ada.GetProperty("groups").EnumerateArray().Select(g => g.GetString()!).Order().ToArray());
        Assert.False(ada.GetProperty("admin").GetBoolean());
        var physics = JsonDocument.Parse(await api.GetStringAsync("hub/api/groups/physics", Ct)).RootElement;
        Assert.Contains("ada", physics.GetProperty("users").EnumerateArray().Select(u => u.GetString()));

        // Bob is not in physics: a readable refusal, no session, no user.
        await using var bobBrowser = await Chromium.OpenPageAsync(60_000, b => PageChecks.NewContextAsync(b));
        var bob = bobBrowser.Page;
        await bob.GotoAsync(new Uri(hub.Address, "hub/login").ToString());
        await bob.ClickAsync("#oidc-login-uni");
        await bob.FillAsync("input[name=login]", "bob");
        await bob.FillAsync("input[name=password]", "any");
        await bob.ClickAsync("button[type=submit]");
        var refused = await bob.RunAndWaitForResponseAsync(
            () => bob.ClickAsync("button[type=submit]:has-text('Continue')"), r => r.Url.Contains("/hub/oidc/uni/refused", StringComparison.Ordinal));
        Assert.Equal(403, refused.Status);
        await bob.Locator("#upstream-refused").WaitForAsync();
        Assert.Contains("not allowed on this hub", await bob.InnerTextAsync("#upstream-refused"));
        Assert.Contains("University SSO", await bob.InnerTextAsync("#upstream-refused"));
        // Bob has no session: the way on is the sign-in page, not a home page that would only redirect there.
        var way = bob.Locator(".error-page .actions a");
        Assert.Equal("Back to sign in", (await way.InnerTextAsync()).Trim());
        Assert.EndsWith("/hub/login", await way.GetAttributeAsync("href"));
        await PageChecks.CheckAsync(bob, "oidc-login-refused");
        Assert.DoesNotContain(await bobBrowser.Context.CookiesAsync(), c => c.Name == "jupyterhub-hub-login");
        using var missing = await api.GetAsync("hub/api/users/bob", Ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Tampered_id_tokens_are_refused_and_a_correct_one_from_the_same_provider_is_accepted()
    {
        await using var provider = await OidcProviderProcess.StartAsync("tampering-provider.mjs", [], Ct);
        var baseUrl = provider.Ready.GetProperty("base").GetString()!;
        string[] bad = ["wrong-key", "wrong-audience", "expired", "alg-none", "replayed-nonce"];
        var environment = new Dictionary<string, string>();
        foreach (var (mode, i) in bad.Prepend("good").Select((m, i) => (m, i)))
        {
            foreach (var (key, value) in Settings(i, mode, $"{baseUrl}/{mode}", "not-a-secret", new() { ["GetClaimsFromUserInfo"] = "false", ["AllowAll"] = "true" }))
            {
                environment[key] = value;
            }
        }
        // Only providers: the login page shows their buttons and no password form.
        environment["Greyhub__Authentication__BuiltInUsers"] = "false";
        await using var hub = await GreyhubProcess.StartAsync(environment, null, null, null, Ct);

        // The control: the same provider's correct token signs in (so each refusal below is about its token alone).
        await using (var good = await Chromium.OpenPageAsync(60_000, b => PageChecks.NewContextAsync(b)))
        {
            await good.Page.GotoAsync(new Uri(hub.Address, "hub/login").ToString());
            Assert.Equal(0, await good.Page.Locator("#login_submit").CountAsync());
            await PageChecks.CheckAsync(good.Page, "login-providers-only");
            await good.Page.ClickAsync("#oidc-login-good");
            await good.Page.Locator("#home-user").WaitForAsync();
            Assert.Equal("mallory", (await good.Page.InnerTextAsync("#home-user")).Trim());
        }
        foreach (var mode in bad)
        {
            await using var browser = await Chromium.OpenPageAsync(60_000, b => PageChecks.NewContextAsync(b));
            // GotoAsync follows the redirects (to the provider, back to the callback, to the refusal) and answers the last.
            var response = await browser.Page.GotoAsync(new Uri(hub.Address, $"hub/oidc/{mode}/login").ToString());
            Assert.Contains($"/hub/oidc/{mode}/refused", browser.Page.Url, StringComparison.Ordinal);
            Assert.True(response?.Status == 400, $"{mode}: the refusal page answered {response?.Status}");
            Assert.Contains("could not be accepted", await browser.Page.InnerTextAsync("#upstream-refused"));
            Assert.DoesNotContain(await browser.Context.CookiesAsync(), c => c.Name == "jupyterhub-hub-login");
        }
        // The hub logged why, per token, from the handler's own validation.
        Assert.Contains("Login through wrong-key failed", hub.Log);
        Assert.Contains("Login through alg-none failed", hub.Log);
    }

    [Fact]
    public async Task Provider_settings_are_checked_at_start()
    {
        const string Prefix = "--Greyhub:Authentication:OpenIdConnect:Providers:0:";
        var dataDir = Directory.CreateTempSubdirectory("greyhub-oidc-bad-").FullName;
        var (code, _, stderr) = await GreyhubProcess.RunAsync(
            ["serve", "--urls", $"http://127.0.0.1:{FreePort.Next()}", "--data-dir", dataDir, Prefix + "Name=Bad Name", Prefix + "Issuer=http://idp.example.org"],
            cancellationToken: Ct);
        Assert.NotEqual(0, code);
        Assert.Contains("provider name 'Bad Name'", stderr);
        Assert.Contains("must use https", stderr);
        Assert.Contains("ClientId is required", stderr);
    }

    private static Dictionary<string, string> Provider(string name, string issuer, string secret, Dictionary<string, string> extra) =>
        Settings(0, name, issuer, secret, extra);

    private static Dictionary<string, string> Settings(int index, string name, string issuer, string secret, Dictionary<string, string> extra)
    {
        var prefix = $"Greyhub__Authentication__OpenIdConnect__Providers__{index}__";
        var settings = new Dictionary<string, string>
        {
            [prefix + "Name"] = name,
            [prefix + "Issuer"] = issuer,
            [prefix + "ClientId"] = "greyhub",
            [prefix + "ClientSecret"] = secret,
        };
        foreach (var (key, value) in extra)
        {
            settings[prefix + key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }
        return settings;
    }
}
