using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Greyhub.Hub.Tests;

/// <summary>
/// The provider's security rules for third-party clients: redirect URIs match exactly and a wrong one is never
/// redirected to; codes are single use and bound to their client; PKCE is required of public clients; login and
/// logout redirect only within the hub.
/// </summary>
public sealed class OpenIdSecurityTests(OpenIdHub fixture) : IClassFixture<OpenIdHub>
{
    private HubInstance Hub => fixture.Hub;

    [Theory]
    [InlineData("https://evil.example/cb")]
    [InlineData(OpenIdHub.CliRedirect + "/more")]
    [InlineData(OpenIdHub.CliRedirect + "?x=1")]
    [InlineData("http://127.0.0.1:1/CB")]
    [InlineData("/cb")]
    public async Task A_redirect_uri_that_is_not_exactly_the_registered_one_is_a_page_never_a_redirect(string redirect)
    {
        var (_, _, browser) = await fixture.MemberAsync("redir");
        using var signedIn = browser;
        var page = await browser.GetAsync(OpenIdHub.CliAuthorizeUrl(OpenIdHub.Pkce().Challenge, redirect: redirect));
        Assert.Equal(400, page.Status);
        Assert.Null(page.Location);
        Assert.Contains("oauth-error", page.Body);
    }

    [Fact]
    public async Task An_openid_request_must_name_its_redirect_uri()
    {
        var (_, _, browser) = await fixture.MemberAsync("noredir");
        using var signedIn = browser;
        var url = OpenIdHub.CliAuthorizeUrl(OpenIdHub.Pkce().Challenge).Replace("&redirect_uri=" + Uri.EscapeDataString(OpenIdHub.CliRedirect), "", StringComparison.Ordinal);
        var page = await browser.GetAsync(url);
        Assert.Equal(400, page.Status);
        Assert.Null(page.Location);
    }

    [Fact]
    public async Task A_public_client_must_use_pkce_and_present_the_right_verifier()
    {
        var (_, _, browser) = await fixture.MemberAsync("pkce");
        using var signedIn = browser;
        // No challenge: refused, back at the (validated) redirect URI with an error and no code.
        var bare = await browser.GetAsync(OpenIdHub.CliAuthorizeUrl(""));
        Assert.Equal(302, bare.Status);
        Assert.StartsWith(OpenIdHub.CliRedirect + "?", bare.Location);
        Assert.Equal("invalid_request", bare.LocationQuery["error"]);
        Assert.Equal("cli-state", bare.LocationQuery["state"]);
        Assert.False(bare.LocationQuery.ContainsKey("code"));
        // A plain challenge is refused as well.
        var plain = await browser.GetAsync(OpenIdHub.CliAuthorizeUrl("abc").Replace("S256", "plain", StringComparison.Ordinal));
        Assert.Equal("invalid_request", plain.LocationQuery["error"]);

        var (verifier, challenge) = OpenIdHub.Pkce();
        var code = await OpenIdHub.CliCodeAsync(browser, challenge);
        Assert.NotEqual(200, (int)(await fixture.CliTokenAsync(code, null)).Code);
        (await fixture.CliTokenAsync(code, OpenIdHub.Pkce().Verifier)).IsOAuthError(400, "invalid_grant");
        // A public client has no secret: presenting one is not authentication.
        (await OAuthTesting.PostTokenAsync(Hub.Client(), ("client_id", "cli"), ("client_secret", "guess"), ("grant_type", "authorization_code"),
            ("code", code), ("redirect_uri", OpenIdHub.CliRedirect), ("code_verifier", verifier))).IsOAuthError(401, "invalid_client");
        // The refusals did not use the code up.
        (await fixture.CliTokenAsync(code, verifier)).Is(200);
    }

    [Fact]
    public async Task A_code_is_single_use_and_a_replay_by_another_client_changes_nothing_for_the_first()
    {
        var (_, _, browser) = await fixture.MemberAsync("replay");
        using var signedIn = browser;
        var (verifier, challenge) = OpenIdHub.Pkce();
        var code = await OpenIdHub.CliCodeAsync(browser, challenge);
        var access = (await fixture.CliTokenAsync(code, verifier)).Is(200).Root.GetProperty("access_token").GetString()!;

        // Another client, with its own valid credentials: refused, and the first client's token lives on.
        (await OAuthTesting.PostTokenAsync(Hub.Client(), ("client_id", "dash"), ("client_secret", OpenIdHub.DashSecret), ("grant_type", "authorization_code"),
            ("code", code), ("redirect_uri", OpenIdHub.CliRedirect), ("code_verifier", verifier))).IsOAuthError(400, "invalid_grant");
        (await Hub.Client(access).GetApiAsync("hub/api/user")).Is(200);

        // The same client again: refused, and the token issued from the code is revoked (RFC 6749 §4.1.2).
        (await fixture.CliTokenAsync(code, verifier)).IsOAuthError(400, "invalid_grant");
        (await Hub.Client(access).GetApiAsync("hub/api/user")).Is(403);
    }

    [Fact]
    public async Task A_code_of_a_third_party_client_expires()
    {
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var hub = await HubInstance.StartWithAsync(b => b.Services.AddSingleton<TimeProvider>(time), null,
            "Greyhub:OpenIdProvider:Clients:0:ClientId=cli", "Greyhub:OpenIdProvider:Clients:0:Public=true",
            "Greyhub:OpenIdProvider:Clients:0:RedirectUris:0=" + OpenIdHub.CliRedirect);
        var user = await OAuthTesting.UserAsync(hub, "late");
        using var browser = await OAuthTesting.SignedInAsync(hub, user);
        var (verifier, challenge) = OpenIdHub.Pkce();
        var code = await OpenIdHub.CliCodeAsync(browser, challenge);
        time.Advance(TimeSpan.FromSeconds(301));
        (await OAuthTesting.PostTokenAsync(hub.Client(), ("client_id", "cli"), ("grant_type", "authorization_code"), ("code", code),
            ("redirect_uri", OpenIdHub.CliRedirect), ("code_verifier", verifier))).IsOAuthError(400, "invalid_grant");
    }

    [Theory]
    [InlineData("https://evil.example/")]
    [InlineData("//evil.example/")]
    [InlineData("/\\evil.example/")]
    [InlineData("http:evil.example")]
    public async Task Login_and_logout_never_redirect_off_the_hub(string next)
    {
        var user = await OAuthTesting.UserAsync(Hub, "nav");
        using var browser = new Browser(Hub);
        var location = await browser.LoginAsync(user, OAuthHub.Password, next);
        Assert.StartsWith("/", location);
        Assert.False(location.StartsWith("//", StringComparison.Ordinal) || location.StartsWith("/\\", StringComparison.Ordinal), location);
        // Already signed in, the login page's GET redirects as well.
        var again = await browser.GetAsync("hub/login?next=" + Uri.EscapeDataString(next));
        Assert.Equal(302, again.Status);
        Assert.Equal("/hub/home", again.Location);
        var logout = await browser.GetAsync("hub/logout?next=" + Uri.EscapeDataString(next));
        Assert.Equal(302, logout.Status);
        Assert.Equal("/hub/login", logout.Location);
    }
}
