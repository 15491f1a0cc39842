using System.Diagnostics;
using System.Text.Json;
using Greyhub.Hub.OAuth;
using Microsoft.Extensions.DependencyInjection;

namespace Greyhub.Hub.Tests;

/// <summary>
/// The hub as an OpenID provider: a third-party app using ASP.NET Core's OpenID Connect handler signs a Greyhub user
/// in through the discovery document (id_token signature, issuer, audience, nonce checked by the handler) and gets
/// their groups; a client limited to <c>openid profile</c> gets no more.
/// </summary>
public sealed class OpenIdProviderTests(OpenIdHub fixture, ITestOutputHelper output) : IClassFixture<OpenIdHub>
{
    private HubInstance Hub => fixture.Hub;

    [Fact]
    public async Task Discovery_document_and_jwks_are_under_the_hubs_issuer()
    {
        var issuer = Hub.Address + "hub/";
        var doc = (await Hub.Client().GetApiAsync("hub/.well-known/openid-configuration")).Is(200).Root;
        Assert.Equal(issuer, doc.GetProperty("issuer").GetString());
        Assert.Equal(issuer + "api/oauth2/authorize", doc.GetProperty("authorization_endpoint").GetString());
        Assert.Equal(issuer + "api/oauth2/token", doc.GetProperty("token_endpoint").GetString());
        Assert.Equal(issuer + "api/oauth2/userinfo", doc.GetProperty("userinfo_endpoint").GetString());
        Assert.Equal(issuer + "api/oauth2/revoke", doc.GetProperty("revocation_endpoint").GetString());
        Assert.Contains("S256", doc.GetProperty("code_challenge_methods_supported").Strings());
        Assert.Contains("groups", doc.GetProperty("scopes_supported").Strings());
        Assert.Contains("groups", doc.GetProperty("claims_supported").Strings());
        var jwksUri = doc.GetProperty("jwks_uri").GetString()!;
        Assert.Equal(issuer + ".well-known/jwks", jwksUri);
        var keys = (await Hub.Client().GetApiAsync(jwksUri)).Is(200).Root.GetProperty("keys");
        Assert.Contains(keys.EnumerateArray(), k => k.GetProperty("kty").GetString() == "RSA" && k.GetProperty("use").GetString() == "sig");
        Assert.DoesNotContain(keys.EnumerateArray(), k => k.TryGetProperty("d", out _));
    }

    [Fact]
    public async Task A_third_party_app_signs_a_user_in_through_discovery_and_receives_their_groups()
    {
        var (user, group, browser) = await fixture.MemberAsync("oidc");
        using var _ = browser;
        var toHub = await browser.GetAsync(fixture.App + "login");
        Assert.Equal(302, toHub.Status);
        Assert.StartsWith(Hub.Address + "hub/api/oauth2/authorize?", toHub.Location);
        Assert.Equal("S256", toHub.LocationQuery["code_challenge_method"]);

        // A third-party client is never the user's own server: the hub asks.
        var consent = await browser.GetAsync(toHub.Location!);
        Assert.Equal(200, consent.Status);
        Assert.Contains("Dashboard (dash)", consent.Body);
        var back = await browser.PostFormAsync(toHub.Location!, ("_xsrf", Browser.XsrfOf(consent.Body)), ("decision", "authorize"));
        Assert.Equal(302, back.Status);
        Assert.StartsWith(fixture.App + "signin-oidc?", back.Location);

        // The app redeems the code, checks the id_token against the JWKS and asks userinfo.
        var signedIn = await browser.GetAsync(back.Location!);
        Assert.True(signedIn.Status == 302, $"signin-oidc: {signedIn}");
        var me = await browser.GetAsync(fixture.App + "me");
        Assert.Equal(200, me.Status);
        var claims = me.Json.GetProperty("claims").EnumerateArray().Select(c => (Type: c[0].GetString()!, Value: c[1].GetString()!)).ToList();
        Assert.Contains(("sub", user), claims);
        Assert.Contains(("name", user), claims);
        Assert.Contains(("groups", group), claims);

        var idToken = me.Json.GetProperty("id_token").GetString()!;
        var payload = OpenIdHub.Payload(idToken);
        Assert.Equal(Hub.Address + "hub/", payload.GetProperty("iss").GetString());
        Assert.Equal("dash", payload.GetProperty("aud").ValueKind == JsonValueKind.Array ? payload.GetProperty("aud")[0].GetString() : payload.GetProperty("aud").GetString());
        Assert.Equal(["read:users:groups!user", "read:users:name!user"], payload.GetProperty("scope").GetString()!.Split(' ').Order(StringComparer.Ordinal));
        Assert.Equal("RS256", OpenIdHub.Header(idToken).GetProperty("alg").GetString());

        // The access token is a hub token: it identifies the user, and revoking it ends it.
        var access = me.Json.GetProperty("access_token").GetString()!;
        var who = (await Hub.Client(access, "bearer").GetApiAsync("hub/api/user")).Is(200).Root;
        Assert.Equal(user, who.GetProperty("name").GetString());
        var userinfo = (await Hub.Client(access, "bearer").GetApiAsync("hub/api/oauth2/userinfo")).Is(200).Root;
        Assert.Equal(user, userinfo.GetProperty("sub").GetString());
        Assert.Equal([group], userinfo.GetProperty("groups").Strings());
        // Another client cannot revoke it (answered 200 as RFC 7009 says, and nothing happens).
        using (var other = new FormUrlEncodedContent([new("token", access), new("client_id", "cli")]))
        {
            Assert.Equal(200, (int)(await Hub.Client().PostAsync("hub/api/oauth2/revoke", other, Api.Ct)).StatusCode);
        }
        (await Hub.Client(access).GetApiAsync("hub/api/user")).Is(200);
        using (var wrong = new FormUrlEncodedContent([new("token", access), new("client_id", "dash"), new("client_secret", "nope")]))
        {
            Assert.Equal(401, (int)(await Hub.Client().PostAsync("hub/api/oauth2/revoke", wrong, Api.Ct)).StatusCode);
        }
        using (var revoke = new FormUrlEncodedContent([new("token", access), new("client_id", "dash"), new("client_secret", OpenIdHub.DashSecret)]))
        {
            Assert.Equal(200, (int)(await Hub.Client().PostAsync("hub/api/oauth2/revoke", revoke, Api.Ct)).StatusCode);
        }
        (await Hub.Client(access).GetApiAsync("hub/api/user")).Is(403);
    }

    [Fact]
    public async Task A_client_allowed_only_openid_and_profile_gets_no_groups()
    {
        var (user, _, browser) = await fixture.MemberAsync("narrow");
        using var signedIn = browser;
        var (verifier, challenge) = OpenIdHub.Pkce();
        var code = await OpenIdHub.CliCodeAsync(browser, challenge);
        var token = (await fixture.CliTokenAsync(code, verifier)).Is(200).Root;
        Assert.Equal(["openid", "profile", "read:users:groups!user", "read:users:name!user"],
            token.GetProperty("scope").GetString()!.Split(' ').Order(StringComparer.Ordinal));
        var payload = OpenIdHub.Payload(token.GetProperty("id_token").GetString()!);
        Assert.Equal(user, payload.GetProperty("sub").GetString());
        Assert.Equal(user, payload.GetProperty("preferred_username").GetString());
        Assert.Equal("n-1", payload.GetProperty("nonce").GetString());
        Assert.False(payload.TryGetProperty("groups", out _), "groups was not allowed to this client");
    }

    [Fact]
    public async Task Issue_rate_of_tokens_with_id_tokens()
    {
        // A server's client and its owner: no consent page, so the loop is the protocol's work only.
        var owner = await OAuthTesting.UserAsync(Hub, "rate");
        var client = await OAuthTesting.RegisterAsync(Hub, owner);
        using var ownerBrowser = await OAuthTesting.SignedInAsync(Hub, owner);
        const int Rounds = 100;
        var codes = new List<string>(Rounds);
        var issue = Stopwatch.StartNew();
        for (var i = 0; i < Rounds; i++)
        {
            var page = await ownerBrowser.GetAsync(OAuthTesting.AuthorizeUrl(client) + "&scope=openid%20profile%20groups");
            Assert.Equal(302, page.Status);
            codes.Add(page.LocationQuery["code"]);
        }
        issue.Stop();
        var exchange = Stopwatch.StartNew();
        foreach (var code in codes)
        {
            var answer = (await OAuthTesting.ExchangeAsync(Hub, client, code)).Is(200).Root;
            Assert.True(answer.TryGetProperty("id_token", out _));
        }
        exchange.Stop();
        // The same without openid (a hub token only, as single-user servers ask): what the id_token costs.
        var plainCodes = new List<string>(Rounds);
        for (var i = 0; i < Rounds; i++)
        {
            plainCodes.Add((await ownerBrowser.GetAsync(OAuthTesting.AuthorizeUrl(client))).LocationQuery["code"]);
        }
        var plain = Stopwatch.StartNew();
        foreach (var code in plainCodes)
        {
            Assert.False((await OAuthTesting.ExchangeAsync(Hub, client, code)).Is(200).Root.TryGetProperty("id_token", out _));
        }
        plain.Stop();
        output.WriteLine($"codes issued: {Rounds / issue.Elapsed.TotalSeconds:F0}/s; codes exchanged for a hub token and an id_token: "
            + $"{Rounds / exchange.Elapsed.TotalSeconds:F0}/s; for a hub token only: {Rounds / plain.Elapsed.TotalSeconds:F0}/s");
    }

    [Fact]
    public async Task Signing_keys_survive_a_restart()
    {
        var dataDir = Directory.CreateTempSubdirectory("greyhub-oidc-keys-").FullName;
        var hub = await HubInstance.StartInAsync(dataDir);
        var first = (await hub.Client().GetApiAsync("hub/.well-known/jwks")).Is(200).Root.GetProperty("keys")[0].GetProperty("kid").GetString()!;
        await hub.StopAsync(keepData: true);
        await using var again = await HubInstance.StartInAsync(dataDir);
        Assert.Equal(first, (await again.Client().GetApiAsync("hub/.well-known/jwks")).Is(200).Root.GetProperty("keys")[0].GetProperty("kid").GetString());
        Assert.NotNull(again.Services.GetRequiredService<ProviderKeys>());
    }
}
