using System.Net;
using System.Text.Json;

namespace Greyhub.Hub.Tests;

/// <summary>
/// The rest of JupyterHub 5's API that older clients and admins use: <c>GET /authorizations/token/{token}</c> (HubAuth
/// before 2.0) and <c>auth_state</c> in user models for holders of <c>admin:auth_state</c>.
/// </summary>
public sealed class AuthorizationsApiTests(ContractHub fixture) : IClassFixture<ContractHub>
{
    private HubInstance Hub => fixture.Hub;

    [Fact]
    public async Task A_token_lookup_answers_its_owners_model_through_the_callers_scopes()
    {
        var user = Api.Unique("owner");
        var token = await Hub.TokenForAsync(user);
        var culler = Hub.Client(ContractHub.CullerToken);

        // The culler may read activity and servers; with the owner's identify scopes it sees name, admin and groups too.
        var seen = (await culler.GetApiAsync($"hub/api/authorizations/token/{token}")).Is(200).Root;
        Assert.Equal("user", seen.GetProperty("kind").GetString());
        Assert.Equal(user, seen.GetProperty("name").GetString());
        Assert.False(seen.GetProperty("admin").GetBoolean());
        Assert.Equal(JsonValueKind.Array, seen.GetProperty("groups").ValueKind);
        Assert.True(seen.TryGetProperty("last_activity", out _));
        Assert.False(seen.TryGetProperty("created", out _), "read:users is not the culler's");
        Assert.False(seen.TryGetProperty("auth_state", out _));

        // A service holding no scope at all still learns who the token's owner is, and no more.
        var lonely = (await Hub.Client(ContractHub.LonelyToken).GetApiAsync($"hub/api/authorizations/token/{token}")).Is(200).Root;
        Assert.Equal(["kind", "name", "admin", "groups"], lonely.EnumerateObject().Select(p => p.Name));

        // A service's token names the service.
        var service = (await Hub.Client(ContractHub.LonelyToken).GetApiAsync($"hub/api/authorizations/token/{ContractHub.CullerToken}")).Is(200).Root;
        Assert.Equal("service", service.GetProperty("kind").GetString());
        Assert.Equal("culler", service.GetProperty("name").GetString());

        // The admin sees the whole model, auth_state included.
        var full = (await fixture.Admin.GetApiAsync($"hub/api/authorizations/token/{token}")).Is(200).Root;
        Assert.True(full.TryGetProperty("created", out _));
        Assert.Equal(JsonValueKind.Null, full.GetProperty("auth_state").ValueKind);

        // Unknown and revoked tokens are not found.
        (await culler.GetApiAsync("hub/api/authorizations/token/0123456789abcdef0123456789abcdef")).Is(404);
        var revoked = await Hub.TokenForAsync(user);
        var id = (await fixture.Admin.GetApiAsync($"hub/api/users/{user}/tokens")).Is(200).Root.GetProperty("api_tokens")
            .EnumerateArray().Select(t => t.GetProperty("id").GetString()!).ToList();
        foreach (var tokenId in id)
        {
            (await fixture.Admin.DeleteApiAsync($"hub/api/users/{user}/tokens/{tokenId}")).Is(204);
        }
        (await culler.GetApiAsync($"hub/api/authorizations/token/{revoked}")).Is(404);
        (await Hub.Client().GetApiAsync($"hub/api/authorizations/token/{ContractHub.CullerToken}")).Is(403);
    }

    [Fact]
    public async Task A_browser_session_may_not_look_tokens_up()
    {
        var admin = Api.Unique("boss");
        await Hub.SetPasswordAsync(admin, OAuthHub.Password, admin: true);
        using var browser = new Browser(Hub);
        await browser.LoginAsync(admin, OAuthHub.Password);
        var page = await browser.GetAsync($"hub/api/authorizations/token/{ContractHub.CullerToken}");
        Assert.Equal((int)HttpStatusCode.Forbidden, page.Status);
        Assert.DoesNotContain("culler", page.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Auth_state_is_shown_as_null_to_holders_of_admin_auth_state_and_cannot_be_set()
    {
        var user = Api.Unique("state");
        var own = await Hub.TokenForAsync(user);
        Assert.Equal(JsonValueKind.Null, (await fixture.Admin.GetApiAsync($"hub/api/users/{user}")).Is(200).Root.GetProperty("auth_state").ValueKind);
        Assert.False((await Hub.Client(own).GetApiAsync($"hub/api/users/{user}")).Is(200).Root.TryGetProperty("auth_state", out _),
            "a user does not hold admin:auth_state on themselves");
        var listed = (await fixture.Admin.GetApiAsync("hub/api/users")).Is(200).Root.EnumerateArray().Single(u => u.GetProperty("name").GetString() == user);
        Assert.Equal(JsonValueKind.Null, listed.GetProperty("auth_state").ValueKind);

        (await fixture.Admin.PatchApiAsync($"hub/api/users/{user}", new { auth_state = new { access_token = "x" } })).Is(400);
        (await fixture.Admin.PatchApiAsync($"hub/api/users/{user}", new { auth_state = "x" })).Is(400);
        var patched = (await fixture.Admin.PatchApiAsync($"hub/api/users/{user}", "{\"auth_state\": null, \"admin\": false}")).Is(200).Root;
        Assert.Equal(JsonValueKind.Null, patched.GetProperty("auth_state").ValueKind);
    }
}
