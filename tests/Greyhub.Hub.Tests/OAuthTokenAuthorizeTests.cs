using System.Web;
using static Greyhub.Hub.Tests.OAuthTesting;

namespace Greyhub.Hub.Tests;

/// <summary>
/// The authorize endpoint accepts a user's API token (<c>Authorization: token</c>) as JupyterHub does, as well as the
/// login cookie; a token authorizes only what it holds itself.
/// </summary>
public sealed class OAuthTokenAuthorizeTests(OAuthHub fixture) : IClassFixture<OAuthHub>
{
    private HubInstance Hub => fixture.Hub;

    [Fact]
    public async Task A_users_token_authorizes_their_own_server_and_the_code_becomes_their_token()
    {
        var alice = await fixture.UserAsync("alice");
        var client = await fixture.ServerClientAsync(alice);
        var token = await Hub.TokenForAsync(alice);
        var answer = await Hub.Client(token).GetApiAsync(AuthorizeUrl(client, "st-1"));
        Assert.True(answer.Code == 302, $"authorize with a token: {answer}");
        var location = answer.Headers.Location!.OriginalString;
        Assert.StartsWith(client.RedirectUri + "?", location);
        var query = HttpUtility.ParseQueryString(location[(location.IndexOf('?', StringComparison.Ordinal) + 1)..]);
        Assert.Equal("st-1", query["state"]);

        var access = (await ExchangeAsync(Hub, client, query["code"]!)).Is(200).Root.GetProperty("access_token").GetString()!;
        var me = (await Hub.Client(access).GetApiAsync("hub/api/user")).Is(200).Root;
        Assert.Equal(alice, me.GetProperty("name").GetString());
        Assert.Contains($"access:servers!server={alice}/", me.GetProperty("scopes").Strings());
    }

    [Fact]
    public async Task A_token_without_access_to_the_server_is_refused()
    {
        var alice = await fixture.UserAsync("alice");
        var bob = await fixture.UserAsync("bob");
        var client = await fixture.ServerClientAsync(alice);

        var bobs = await Hub.Client(await Hub.TokenForAsync(bob)).GetApiAsync(AuthorizeUrl(client));
        Assert.Equal(403, bobs.Code);
        Assert.Null(bobs.Headers.Location);

        // alice's own token, but one that may only read her name: it cannot open her server.
        var narrow = await Hub.ScopedTokenAsync(alice, "read:users:name!user");
        var refused = await Hub.Client(narrow).GetApiAsync(AuthorizeUrl(client));
        Assert.Equal(403, refused.Code);
        Assert.Null(refused.Headers.Location);
    }
}
