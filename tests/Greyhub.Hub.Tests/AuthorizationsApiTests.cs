using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

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
    public async Task Auth_state_is_set_by_admins_stored_encrypted_and_shown_only_to_holders_of_admin_auth_state()
    {
        var user = Api.Unique("state");
        var own = await Hub.TokenForAsync(user);
        Assert.Equal(JsonValueKind.Null, (await fixture.Admin.GetApiAsync($"hub/api/users/{user}")).Is(200).Root.GetProperty("auth_state").ValueKind);

        // JupyterHub's PATCH: an object replaces the state, and the answer carries it.
        var patched = (await fixture.Admin.PatchApiAsync($"hub/api/users/{user}", new { auth_state = new { access_token = "secret-access-token", scope = new[] { "a", "b" } } })).Is(200).Root;
        Assert.Equal("secret-access-token", patched.GetProperty("auth_state").GetProperty("access_token").GetString());
        var shown = (await fixture.Admin.GetApiAsync($"hub/api/users/{user}")).Is(200).Root.GetProperty("auth_state");
        Assert.Equal("secret-access-token", shown.GetProperty("access_token").GetString());
        Assert.Equal(["a", "b"], shown.GetProperty("scope").EnumerateArray().Select(s => s.GetString()!));

        // At rest it is Data Protection ciphertext: the database never holds the token in clear.
        await using (var scope = Hub.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<Greyhub.Data.HubDbContext>();
            var userId = db.Users.Single(u => u.Name == user).Id;
            var row = db.AuthStates.Single(a => a.UserId == userId);
            Assert.DoesNotContain("secret-access-token", System.Text.Encoding.UTF8.GetString(row.Encrypted), StringComparison.Ordinal);
            Assert.DoesNotContain("secret-access-token", System.Text.Encoding.Latin1.GetString(row.Encrypted), StringComparison.Ordinal);
        }

        // Not to the user themselves, not to a reader of users without admin:auth_state, not in lists.
        Assert.False((await Hub.Client(own).GetApiAsync($"hub/api/users/{user}")).Is(200).Root.TryGetProperty("auth_state", out _),
            "a user does not hold admin:auth_state on themselves");
        var reader = await Hub.ScopedTokenAsync("admin", "read:users", "list:users");
        Assert.False((await Hub.Client(reader).GetApiAsync($"hub/api/users/{user}")).Is(200).Root.TryGetProperty("auth_state", out _));
        var listed = (await fixture.Admin.GetApiAsync("hub/api/users")).Is(200).Root.EnumerateArray().Single(u => u.GetProperty("name").GetString() == user);
        Assert.Equal(JsonValueKind.Null, listed.GetProperty("auth_state").ValueKind);

        // Only dicts; null clears it.
        (await fixture.Admin.PatchApiAsync($"hub/api/users/{user}", new { auth_state = "x" })).Is(400);
        var cleared = (await fixture.Admin.PatchApiAsync($"hub/api/users/{user}", "{\"auth_state\": null, \"admin\": false}")).Is(200).Root;
        Assert.Equal(JsonValueKind.Null, cleared.GetProperty("auth_state").ValueKind);
        Assert.Equal(JsonValueKind.Null, (await fixture.Admin.GetApiAsync($"hub/api/users/{user}")).Is(200).Root.GetProperty("auth_state").ValueKind);

        // Creating a user with a state stores it too.
        var created = Api.Unique("born");
        (await fixture.Admin.PostApiAsync($"hub/api/users/{created}", new { auth_state = new { refresh_token = "r" } })).Is(201);
        Assert.Equal("r", (await fixture.Admin.GetApiAsync($"hub/api/users/{created}")).Is(200).Root.GetProperty("auth_state").GetProperty("refresh_token").GetString());
    }
}
