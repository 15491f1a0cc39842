using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static Greyhub.Hub.Tests.OAuthTesting;

namespace Greyhub.Hub.Tests;

/// <summary>
/// The token endpoint (RFC 6749 §4.1.3, §5.2) and the lives of the tokens it issues: client authentication, single
/// use, expiry, revocation with the client and with the login session.
/// </summary>
public sealed class OAuthTokenTests(OAuthHub fixture) : IClassFixture<OAuthHub>
{
    private HubInstance Hub => fixture.Hub;

    private async Task<(string User, ServerClient Client, Browser Browser)> OwnerAsync(string prefix)
    {
        var user = await fixture.UserAsync(prefix);
        return (user, await fixture.ServerClientAsync(user), await fixture.SignedInAsync(user));
    }

    [Fact]
    public async Task Client_must_authenticate_with_its_own_secret_and_a_server_token_header_does_not_replace_it()
    {
        var (user, client, browser) = await OwnerAsync("sec");
        using var _ = browser;
        var code = await CodeAsync(browser, client);
        (await ExchangeAsync(Hub, client, code, secret: "not-the-secret")).IsOAuthError(401, "invalid_client");
        var serverOwnToken = await Hub.TokenForAsync(user);
        (await PostTokenAsync(Hub.Client(serverOwnToken), ("client_id", client.Id), ("grant_type", "authorization_code"), ("code", code),
            ("redirect_uri", client.RedirectUri))).IsOAuthError(401, "invalid_client");
        (await PostTokenAsync(Hub.Client(client.Secret), ("client_id", client.Id + "x"), ("client_secret", client.Secret), ("grant_type", "authorization_code"),
            ("code", code), ("redirect_uri", client.RedirectUri))).IsOAuthError(401, "invalid_client");
        // Failed attempts did not use the code up.
        (await ExchangeAsync(Hub, client, code)).Is(200);
    }

    [Fact]
    public async Task Http_basic_client_authentication_works_alone()
    {
        var (_, client, browser) = await OwnerAsync("basic");
        using var _ = browser;
        static AuthenticationHeaderValue Basic(string id, string secret) =>
            new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.EscapeDataString(id) + ":" + Uri.EscapeDataString(secret))));
        var code = await CodeAsync(browser, client);
        FormUrlEncodedContent Form(params (string, string)[] extra) =>
            new([new("grant_type", "authorization_code"), new("code", code), new("redirect_uri", client.RedirectUri),
                .. extra.Select(e => new KeyValuePair<string, string>(e.Item1, e.Item2))]);
        var wrong = (await PostTokenAsync(Hub.Client(), Form(), Basic(client.Id, "wrong"))).IsOAuthError(401, "invalid_client");
        Assert.StartsWith("Basic", wrong.Headers.WwwAuthenticate.ToString());
        (await PostTokenAsync(Hub.Client(), Form(("client_secret", client.Secret)), Basic(client.Id, client.Secret))).IsOAuthError(400, "invalid_request");
        var ok = (await PostTokenAsync(Hub.Client(), Form(("client_id", client.Id)), Basic(client.Id, client.Secret))).Is(200);
        (await Hub.Client(ok.Root.GetProperty("access_token").GetString()).GetApiAsync("hub/api/user")).Is(200);
    }

    [Fact]
    public async Task A_code_is_bound_to_its_client_and_redirect_uri()
    {
        var (user, client, browser) = await OwnerAsync("bound");
        using var _ = browser;
        var otherClient = await fixture.ServerClientAsync(user, "second");
        var code = await CodeAsync(browser, client);
        (await ExchangeAsync(Hub, otherClient, code, redirectUri: client.RedirectUri)).IsOAuthError(400, "invalid_grant");
        (await ExchangeAsync(Hub, client, code, redirectUri: client.RedirectUri + "x")).IsOAuthError(400, "invalid_grant");
        // Another code: the first digit changed (a code that starts with "0" one time in 16 must not stay the same).
        (await ExchangeAsync(Hub, client, (code[0] == '0' ? "1" : "0") + code[1..])).IsOAuthError(400, "invalid_grant");
        (await ExchangeAsync(Hub, client, code)).Is(200);
    }

    [Fact]
    public async Task A_code_presented_twice_is_refused_and_revokes_the_first_token()
    {
        var (_, client, browser) = await OwnerAsync("twice");
        using var _ = browser;
        var code = await CodeAsync(browser, client);
        var token = (await ExchangeAsync(Hub, client, code)).Is(200).Root.GetProperty("access_token").GetString()!;
        (await Hub.Client(token).GetApiAsync("hub/api/user")).Is(200);
        (await ExchangeAsync(Hub, client, code)).IsOAuthError(400, "invalid_grant");
        (await Hub.Client(token).GetApiAsync("hub/api/user")).Is(403);
        (await ExchangeAsync(Hub, client, code)).IsOAuthError(400, "invalid_grant");
    }

    [Fact]
    public async Task Removing_or_replacing_a_client_revokes_the_tokens_it_issued()
    {
        var (user, client, browser) = await OwnerAsync("gone");
        using var _ = browser;
        var token = await AccessTokenAsync(Hub, browser, client);
        var pending = await CodeAsync(browser, client);
        var other = await AccessTokenAsync(Hub, browser, await fixture.ServerClientAsync(user, "kept"));
        (await Hub.Client(token).GetApiAsync("hub/api/user")).Is(200);

        await RemoveAsync(Hub, client.Id);
        (await Hub.Client(token).GetApiAsync("hub/api/user")).Is(403);
        (await ExchangeAsync(Hub, client, pending)).IsOAuthError(401, "invalid_client");
        (await Hub.Client(other).GetApiAsync("hub/api/user")).Is(200);
        await RemoveAsync(Hub, client.Id);

        var again = await fixture.ServerClientAsync(user);
        var second = await AccessTokenAsync(Hub, browser, again);
        (await Hub.Client(second).GetApiAsync("hub/api/user")).Is(200);
        var renewed = await fixture.ServerClientAsync(user);
        (await Hub.Client(second).GetApiAsync("hub/api/user")).Is(403);
        var code = await CodeAsync(browser, renewed);
        (await ExchangeAsync(Hub, renewed, code, secret: again.Secret)).IsOAuthError(401, "invalid_client");
        (await ExchangeAsync(Hub, renewed, code)).Is(200);
    }

    [Fact]
    public async Task Logout_revokes_the_oauth_tokens_of_that_session_only()
    {
        var (user, client, first) = await OwnerAsync("out");
        using var _ = first;
        using var second = await fixture.SignedInAsync(user);
        var firstToken = await AccessTokenAsync(Hub, first, client);
        var secondToken = await AccessTokenAsync(Hub, second, client);
        var apiToken = await Hub.TokenForAsync(user);

        var logout = await first.GetAsync("hub/logout");
        Assert.Equal(302, logout.Status);
        Assert.Equal("/hub/login", logout.Location);
        Assert.Null(first.SessionId);
        (await Hub.Client(firstToken).GetApiAsync("hub/api/user")).Is(403);
        (await Hub.Client(secondToken).GetApiAsync("hub/api/user")).Is(200);
        (await Hub.Client(apiToken).GetApiAsync("hub/api/user")).Is(200);

        // The POST form (XSRF-checked) does the same.
        var home = await second.GetAsync("hub/home");
        var posted = await second.PostFormAsync("hub/logout", ("_xsrf", Browser.XsrfOf(home.Body)));
        Assert.Equal(302, posted.Status);
        (await Hub.Client(secondToken).GetApiAsync("hub/api/user")).Is(403);
        (await Hub.Client(apiToken).GetApiAsync("hub/api/user")).Is(200);
    }

    [Fact]
    public async Task Malformed_token_requests_get_rfc6749_errors_with_jupyterhubs_fields()
    {
        var (_, client, browser) = await OwnerAsync("bad");
        using var _ = browser;
        var code = await CodeAsync(browser, client);
        var http = Hub.Client(client.Secret);
        var json = $$"""{"client_id": "{{client.Id}}", "client_secret": "{{client.Secret}}", "grant_type": "authorization_code", "code": "{{code}}"}""";
        (await PostTokenAsync(http, new StringContent(json, Encoding.UTF8, "application/json"))).IsOAuthError(400, "invalid_request");
        (await PostTokenAsync(http, ("client_id", client.Id), ("client_secret", client.Secret))).IsOAuthError(400, "invalid_request");
        (await PostTokenAsync(http, ("client_id", client.Id), ("client_secret", client.Secret), ("grant_type", "password"))).IsOAuthError(400, "unsupported_grant_type");
        (await PostTokenAsync(http, ("client_id", client.Id), ("client_secret", client.Secret), ("grant_type", "authorization_code"),
            ("redirect_uri", client.RedirectUri))).IsOAuthError(400, "invalid_request");
        (await PostTokenAsync(http, ("client_id", client.Id), ("client_secret", client.Secret), ("grant_type", "authorization_code"),
            ("code", code), ("code", code), ("redirect_uri", client.RedirectUri))).IsOAuthError(400, "invalid_request");
        (await PostTokenAsync(http, ("client_id", client.Id), ("client_secret", client.Secret), ("grant_type", "authorization_code"),
            ("code", "nonsense"), ("redirect_uri", client.RedirectUri))).IsOAuthError(400, "invalid_grant");
        // None of that used the code up.
        (await ExchangeAsync(Hub, client, code)).Is(200);
    }

    [Fact]
    public async Task A_code_expires_after_300_seconds()
    {
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var hub = await HubInstance.StartWithAsync(b => b.Services.AddSingleton<TimeProvider>(time), null);
        var user = await UserAsync(hub, "late");
        var client = await RegisterAsync(hub, user);
        using var browser = await SignedInAsync(hub, user);
        var inTime = await CodeAsync(browser, client);
        var tooLate = await CodeAsync(browser, client);
        time.Advance(TimeSpan.FromSeconds(299));
        (await ExchangeAsync(hub, client, inTime)).Is(200);
        time.Advance(TimeSpan.FromSeconds(2));
        (await ExchangeAsync(hub, client, tooLate)).IsOAuthError(400, "invalid_grant");
    }
}
