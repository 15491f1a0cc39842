using System.Globalization;
using Greyhub.Hub.OAuth;
using Microsoft.Extensions.DependencyInjection;
using static Greyhub.Hub.Tests.OAuthTesting;

namespace Greyhub.Hub.Tests;

/// <summary>
/// The browser side of the hub's OAuth provider as <c>jupyterhub-singleuser</c> (JupyterHub 3.0) drives it: relative
/// redirect URI, state echoed, no consent for the owner, a consent page for an admin, 403 for anyone else.
/// </summary>
public sealed class OAuthFlowTests(OAuthHub fixture) : IClassFixture<OAuthHub>
{
    private HubInstance Hub => fixture.Hub;

    [Fact]
    public async Task Owner_gets_a_code_for_a_relative_redirect_and_the_token_identifies_them_as_the_single_user_server_needs()
    {
        var alice = await fixture.UserAsync("alice");
        var client = await fixture.ServerClientAsync(alice);
        using var browser = await fixture.SignedInAsync(alice);
        // JupyterHub's state is unpadded base64url JSON; add characters that must survive URL-encoding.
        const string state = "eyJ1dWlkIjogIjEyMyJ9+/=&x y";
        var page = await browser.GetAsync(AuthorizeUrl(client, state));
        Assert.Equal(302, page.Status);
        Assert.StartsWith($"/user/{alice}/oauth_callback?code=", page.Location);
        Assert.Equal(state, page.LocationQuery["state"]);
        Assert.Contains("no-store", page.Header("Cache-Control") ?? "");
        var code = page.LocationQuery["code"];
        Assert.True(code.Length >= 32, "a code carries at least 128 random bits");

        var exchange = (await ExchangeAsync(Hub, client, code)).Is(200);
        Api.HasKeys(exchange.Root, "access_token", "token_type", "expires_in", "scope");
        Assert.Equal("Bearer", exchange.Root.GetProperty("token_type").GetString());
        Assert.Equal(1209600, exchange.Root.GetProperty("expires_in").GetInt64());
        Assert.Equal(["access:servers!server=" + alice + "/", "read:users:groups!user", "read:users:name!user"],
            exchange.Root.GetProperty("scope").GetString()!.Split(' ').Order(StringComparer.Ordinal));
        Assert.Contains("no-store", exchange.Headers.CacheControl?.ToString() ?? "");

        var token = exchange.Root.GetProperty("access_token").GetString()!;
        var me = (await Hub.Client(token).GetApiAsync("hub/api/user")).Is(200).Root;
        Assert.Equal("user", me.GetProperty("kind").GetString());
        Assert.Equal(alice, me.GetProperty("name").GetString());
        Assert.Equal(browser.SessionId, me.GetProperty("session_id").GetString());
        Assert.Equal([$"access:servers!server={alice}/", $"read:users:groups!user={alice}", $"read:users:name!user={alice}"],
            me.GetProperty("scopes").Strings());
        // An ordinary API token: accepted on other endpoints, within its scopes only.
        (await Hub.Client(token, "bearer").GetApiAsync($"hub/api/users/{alice}")).Is(200);
        (await Hub.Client(token).GetApiAsync("hub/api/users")).Is(403);

        var listed = (await Hub.Client(Hub.AdminToken).GetApiAsync($"hub/api/users/{alice}/tokens")).Is(200).Root.GetProperty("api_tokens")
            .EnumerateArray().Single(t => t.GetProperty("oauth_client").GetString() == client.Id);
        Assert.Equal($"OAuth token for {client.Id}", listed.GetProperty("note").GetString());
        Assert.Equal(browser.SessionId, listed.GetProperty("session_id").GetString());
        var created = DateTime.Parse(listed.GetProperty("created").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
        var expires = DateTime.Parse(listed.GetProperty("expires_at").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
        Assert.Equal(TimeSpan.FromDays(14), expires - created);
    }

    [Fact]
    public async Task Named_server_client_and_a_redirect_uri_left_out()
    {
        var ann = await fixture.UserAsync("ann");
        var client = await fixture.ServerClientAsync(ann, "gpu");
        using var browser = await fixture.SignedInAsync(ann);
        var page = await browser.GetAsync(AuthorizeUrl(client, "s1").Replace("&redirect_uri=" + Uri.EscapeDataString(client.RedirectUri), "", StringComparison.Ordinal));
        Assert.Equal(302, page.Status);
        Assert.StartsWith($"/user/{ann}/gpu/oauth_callback?code=", page.Location);
        var token = (await ExchangeAsync(Hub, client, page.LocationQuery["code"])).Is(200).Root.GetProperty("access_token").GetString()!;
        Assert.Contains($"access:servers!server={ann}/gpu", (await Hub.Client(token).GetApiAsync("hub/api/user")).Is(200).Root.GetProperty("scopes").Strings());
    }

    [Fact]
    public async Task Unknown_token_is_403_json_on_the_identity_endpoint()
    {
        var r = (await Hub.Client("0123456789abcdef0123456789abcdef").GetApiAsync("hub/api/user")).Is(403);
        Assert.Equal(403, r.Root.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Not_signed_in_goes_to_the_login_page_and_comes_back()
    {
        var bo = await fixture.UserAsync("bo");
        var client = await fixture.ServerClientAsync(bo);
        var url = AuthorizeUrl(client, "after-login");
        using var anonymous = new Browser(Hub);
        var page = await anonymous.GetAsync(url);
        Assert.Equal(302, page.Status);
        Assert.Equal("/hub/login?next=" + Uri.EscapeDataString("/" + url), page.Location);
        var back = await anonymous.LoginAsync(bo, OAuthHub.Password, next: "/" + url);
        Assert.Equal("/" + url, back);
        Assert.False(string.IsNullOrEmpty(await CodeAsync(anonymous, client, "after-login")));
    }

    [Fact]
    public async Task Admin_reaching_another_users_server_must_consent_and_may_authorize_or_deny()
    {
        var owner = await fixture.UserAsync("own");
        var root = await fixture.UserAsync("root", admin: true);
        var client = await fixture.ServerClientAsync(owner);
        using var browser = await fixture.SignedInAsync(root);
        var url = AuthorizeUrl(client, "c-state");
        var consent = await browser.GetAsync(url);
        Assert.Equal(200, consent.Status);
        Assert.Null(consent.Location);
        Assert.Contains("id=\"oauth-authorize\"", consent.Body);
        Assert.Contains(client.Id, consent.Body);
        Assert.Contains("frame-ancestors 'none'", consent.Header("Content-Security-Policy") ?? "");
        var xsrf = Browser.XsrfOf(consent.Body);

        var denied = await browser.PostFormAsync(url, ("_xsrf", xsrf), ("decision", "deny"));
        Assert.Equal(302, denied.Status);
        Assert.StartsWith(client.RedirectUri + "?", denied.Location);
        Assert.Equal("access_denied", denied.LocationQuery["error"]);
        Assert.Equal("c-state", denied.LocationQuery["state"]);
        Assert.False(denied.LocationQuery.ContainsKey("code"));

        var forged = await browser.PostFormAsync(url, ("decision", "authorize"));
        Assert.Equal(403, forged.Status);
        Assert.Null(forged.Location);

        var authorized = await browser.PostFormAsync(url, ("_xsrf", xsrf), ("decision", "authorize"));
        Assert.Equal(302, authorized.Status);
        Assert.Equal("c-state", authorized.LocationQuery["state"]);
        var token = (await ExchangeAsync(Hub, client, authorized.LocationQuery["code"])).Is(200).Root.GetProperty("access_token").GetString()!;
        var me = (await Hub.Client(token).GetApiAsync("hub/api/user")).Is(200).Root;
        Assert.Equal(root, me.GetProperty("name").GetString());
        Assert.Equal([$"access:servers!server={owner}/", $"read:users:groups!user={root}", $"read:users:name!user={root}"], me.GetProperty("scopes").Strings());
    }

    [Fact]
    public async Task Plain_user_reaching_another_users_server_gets_403_and_no_code()
    {
        var owner = await fixture.UserAsync("owner");
        var other = await fixture.UserAsync("other");
        var client = await fixture.ServerClientAsync(owner);
        using var browser = await fixture.SignedInAsync(other);
        var page = await browser.GetAsync(AuthorizeUrl(client));
        Assert.Equal(403, page.Status);
        Assert.Null(page.Location);
        Assert.Contains("oauth-error", page.Body);
        // Posting the consent form directly does not help.
        var xsrf = Browser.XsrfOf((await browser.GetAsync("hub/token")).Body);
        var posted = await browser.PostFormAsync(AuthorizeUrl(client), ("_xsrf", xsrf), ("decision", "authorize"));
        Assert.Equal(403, posted.Status);
        Assert.Null(posted.Location);
    }

    [Theory]
    [InlineData("client")]
    [InlineData("no-client")]
    [InlineData("redirect")]
    [InlineData("absolute-redirect")]
    public async Task Bad_client_or_redirect_uri_is_a_400_page_never_a_redirect(string fault)
    {
        var cy = await fixture.UserAsync("cy");
        var client = await fixture.ServerClientAsync(cy);
        using var browser = await fixture.SignedInAsync(cy);
        var url = fault switch
        {
            "client" => AuthorizeUrl(client with { Id = client.Id + "-nope" }),
            "no-client" => AuthorizeUrl(client).Replace("client_id=", "x=", StringComparison.Ordinal),
            "redirect" => AuthorizeUrl(client, redirectUri: $"/user/{cy}/elsewhere"),
            _ => AuthorizeUrl(client, redirectUri: "https://evil.example/user/" + cy + "/oauth_callback"),
        };
        var page = await browser.GetAsync(url);
        Assert.Equal(400, page.Status);
        Assert.Null(page.Location);
        Assert.Equal("text/html", page.ContentType);
        Assert.Contains("oauth-error", page.Body);
    }

    [Fact]
    public async Task Unsupported_response_type_goes_back_with_the_error_and_state()
    {
        var di = await fixture.UserAsync("di");
        var client = await fixture.ServerClientAsync(di);
        using var browser = await fixture.SignedInAsync(di);
        var page = await browser.GetAsync(AuthorizeUrl(client, "rt", responseType: "token"));
        Assert.Equal(302, page.Status);
        Assert.StartsWith(client.RedirectUri + "?", page.Location);
        Assert.Equal("unsupported_response_type", page.LocationQuery["error"]);
        Assert.Equal("rt", page.LocationQuery["state"]);
        Assert.False(page.LocationQuery.ContainsKey("code"));
    }

    [Fact]
    public async Task Client_registration_refuses_unsafe_redirects_and_unknown_scopes()
    {
        await using var scope = Hub.Services.CreateAsyncScope();
        var clients = scope.ServiceProvider.GetRequiredService<OAuthClients>();
        await Assert.ThrowsAsync<ArgumentException>(() => clients.UpsertAsync("c1", "secret-1", "//evil.example/cb", "", [], Api.Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => clients.UpsertAsync("c1", "secret-1", "javascript:alert(1)", "", [], Api.Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => clients.UpsertAsync("c1", "secret-1", "/cb", "", ["no:such-scope"], Api.Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => clients.UpsertAsync("jupyterhub", "secret-1", "/cb", "", [], Api.Ct));
        await clients.UpsertAsync("c1", "secret-1", "https://ok.example/cb", "", [], Api.Ct);
        Assert.NotNull(await clients.FindAsync("c1", Api.Ct));
    }
}
