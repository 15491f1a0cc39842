using System.Text.Json;
using Greyhub.Data;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Sharing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Greyhub.Hub.Tests;

/// <summary>A hub where every user may share their servers and name users and groups (JupyterHub's "full sharing API" roles).</summary>
public sealed class SharingHub : IAsyncLifetime
{
    public HubInstance Hub { get; private set; } = null!;

    public HttpClient Admin { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Hub = await HubInstance.StartAsync(
            "Greyhub:Roles:0:Name=user", "Greyhub:Roles:0:Scopes:0=self", "Greyhub:Roles:0:Scopes:1=shares!user",
            "Greyhub:Roles:0:Scopes:2=read:users:name", "Greyhub:Roles:0:Scopes:3=read:groups:name");
        Admin = Hub.Client(Hub.AdminToken);
    }

    public async ValueTask DisposeAsync() => await Hub.DisposeAsync();

    /// <summary>Users with their own (full) tokens.</summary>
    public async Task<(string Name, HttpClient Client)> UserAsync(string prefix)
    {
        var name = Api.Unique(prefix);
        return (name, Hub.Client(await Hub.TokenForAsync(name)));
    }

    /// <summary>The scopes a client's token carries, as the hub tells it.</summary>
    public static async Task<IReadOnlyList<string>> ScopesAsync(HttpClient client) =>
        (await client.GetApiAsync("hub/api/user")).Is(200).Root.GetProperty("scopes").Strings();
}

/// <summary>JupyterHub 5's sharing API: grant, list, revoke, leave; share codes; who may do what.</summary>
public sealed class SharingApiTests(SharingHub fixture) : IClassFixture<SharingHub>
{
    private HubInstance Hub => fixture.Hub;

    [Fact]
    public async Task Sharing_a_server_with_a_user_and_a_group_gives_them_access_until_revoked()
    {
        var (alice, aliceApi) = await fixture.UserAsync("alice");
        var (bob, bobApi) = await fixture.UserAsync("bob");
        var (carol, carolApi) = await fixture.UserAsync("carol");
        var team = Api.Unique("team");
        (await fixture.Admin.PostApiAsync($"hub/api/groups/{team}", new { users = new[] { carol } })).Is(201);
        var access = $"access:servers!server={alice}/";
        Assert.DoesNotContain(access, await SharingHub.ScopesAsync(bobApi));

        var granted = (await aliceApi.PostApiAsync($"hub/api/shares/{alice}/", new { user = bob })).Is(200).Root;
        Assert.Equal(alice, granted.GetProperty("server").GetProperty("user").GetProperty("name").GetString());
        Assert.Equal("", granted.GetProperty("server").GetProperty("name").GetString());
        Assert.Equal($"/user/{alice}/", granted.GetProperty("server").GetProperty("url").GetString());
        Assert.False(granted.GetProperty("server").GetProperty("ready").GetBoolean());
        Assert.Equal([access], granted.GetProperty("scopes").Strings());
        Assert.Equal(bob, granted.GetProperty("user").GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, granted.GetProperty("group").ValueKind);
        Assert.Equal("user", granted.GetProperty("kind").GetString());
        Api.IsTimestampOrNull(granted.GetProperty("created_at"));
        (await aliceApi.PostApiAsync($"hub/api/shares/{alice}/", new { group = team })).Is(200);

        // Shared access is part of their permissions now (their tokens inherit it).
        Assert.Contains(access, await SharingHub.ScopesAsync(bobApi));
        Assert.Contains(access, await SharingHub.ScopesAsync(carolApi));

        // Listed for the owner, the server, the user (with the group's) and the group.
        Assert.Equal(2, (await aliceApi.GetApiAsync($"hub/api/shares/{alice}")).Is(200).Root.GetArrayLength());
        var paged = (await aliceApi.GetApiAsync($"hub/api/shares/{alice}/", Http.Paging.MediaType)).Is(200).Root;
        Assert.Equal(2, paged.GetProperty("_pagination").GetProperty("total").GetInt32());
        Assert.Equal([bob], (await bobApi.GetApiAsync($"hub/api/users/{bob}/shared")).Is(200).Root.EnumerateArray()
            .Select(s => s.GetProperty("user").GetProperty("name").GetString()));
        var carols = Assert.Single((await carolApi.GetApiAsync($"hub/api/users/{carol}/shared")).Is(200).Root.EnumerateArray());
        Assert.Equal(team, carols.GetProperty("group").GetProperty("name").GetString());
        Assert.Equal("group", carols.GetProperty("kind").GetString());
        Assert.Single((await fixture.Admin.GetApiAsync($"hub/api/groups/{team}/shared")).Is(200).Root.EnumerateArray());
        (await bobApi.GetApiAsync($"hub/api/users/{bob}/shared/{alice}/")).Is(200);
        (await carolApi.GetApiAsync($"hub/api/users/{carol}/shared/{alice}/")).Is(404);
        // Others see nothing of it.
        (await bobApi.GetApiAsync($"hub/api/shares/{alice}")).Is(404);
        (await bobApi.GetApiAsync($"hub/api/users/{carol}/shared")).Is(404);

        // PATCH without scopes takes the whole share; an unknown user is the same as revoking nothing.
        Assert.Empty((await aliceApi.PatchApiAsync($"hub/api/shares/{alice}/", new { user = bob })).Is(200).Root.EnumerateObject());
        Assert.Empty((await aliceApi.PatchApiAsync($"hub/api/shares/{alice}/", new { user = "nobody-" + bob })).Is(200).Root.EnumerateObject());
        Assert.DoesNotContain(access, await SharingHub.ScopesAsync(bobApi));
        (await bobApi.GetApiAsync($"hub/api/users/{bob}/shared/{alice}/")).Is(404);

        // Taken out of the group, carol loses the group's share at once (the hub's answer; servers ask again within a
        // second); put back, she has it again.
        (await fixture.Admin.DeleteApiAsync($"hub/api/groups/{team}/users", new { users = new[] { carol } })).Is(200);
        Assert.DoesNotContain(access, await SharingHub.ScopesAsync(carolApi));
        (await fixture.Admin.PostApiAsync($"hub/api/groups/{team}/users", new { users = new[] { carol } })).Is(200);
        Assert.Contains(access, await SharingHub.ScopesAsync(carolApi));

        // A group member cannot leave the group's share as a user; the group's manager can end it.
        (await carolApi.DeleteApiAsync($"hub/api/users/{carol}/shared/{alice}/")).Is(404);
        (await fixture.Admin.DeleteApiAsync($"hub/api/groups/{team}/shared/{alice}/")).Is(204);
        Assert.DoesNotContain(access, await SharingHub.ScopesAsync(carolApi));

        // DELETE revokes every share of the server; a user may leave a share granted to them.
        (await aliceApi.PostApiAsync($"hub/api/shares/{alice}/", new { user = bob })).Is(200);
        (await bobApi.DeleteApiAsync($"hub/api/users/{bob}/shared/{alice}/")).Is(204);
        Assert.DoesNotContain(access, await SharingHub.ScopesAsync(bobApi));
        (await aliceApi.PostApiAsync($"hub/api/shares/{alice}/", new { user = bob })).Is(200);
        (await aliceApi.DeleteApiAsync($"hub/api/shares/{alice}/")).Is(204);
        Assert.Empty((await aliceApi.GetApiAsync($"hub/api/shares/{alice}")).Is(200).Root.EnumerateArray());

        // A deleted group takes its shares, and its members' access, with it.
        (await aliceApi.PostApiAsync($"hub/api/shares/{alice}/", new { group = team })).Is(200);
        Assert.Contains(access, await SharingHub.ScopesAsync(carolApi));
        (await fixture.Admin.DeleteApiAsync($"hub/api/groups/{team}")).Is(204);
        Assert.DoesNotContain(access, await SharingHub.ScopesAsync(carolApi));
        Assert.Empty((await aliceApi.GetApiAsync($"hub/api/shares/{alice}")).Is(200).Root.EnumerateArray());
    }

    [Fact]
    public async Task Sharing_follows_jupyterhubs_rules_on_scopes_targets_and_permissions()
    {
        var (alice, aliceApi) = await fixture.UserAsync("alice");
        var (bob, _) = await fixture.UserAsync("bob");
        var at = $"hub/api/shares/{alice}/";
        (await aliceApi.PostApiAsync(at, new { user = bob, group = "x" })).Is(400);
        (await aliceApi.PostApiAsync(at, new { })).Is(400);
        (await aliceApi.PostApiAsync(at, new { user = bob, colour = "red" })).Is(400);
        (await aliceApi.PostApiAsync(at, new { user = "ghost-" + bob })).Is(400);
        (await aliceApi.PostApiAsync(at, new { group = "ghost-" + bob })).Is(400);
        (await aliceApi.PostApiAsync(at, new { user = bob, scopes = new[] { $"access:servers!user={alice}" } })).Is(400);
        (await aliceApi.PostApiAsync(at, new { user = bob, scopes = new[] { "no-such-scope" } })).Is(400);
        // Nobody shares what they do not hold.
        (await aliceApi.PostApiAsync(at, new { user = bob, scopes = new[] { "admin:users" } })).Is(403);
        (await aliceApi.PostApiAsync($"hub/api/shares/{alice}/nothere", new { user = bob })).Is(404);
        // Scopes without a filter get the server's; the server's own filter is kept.
        var widened = (await aliceApi.PostApiAsync(at, new { user = bob, scopes = new[] { "read:servers", $"access:servers!server={alice}/" } })).Is(200).Root;
        Assert.Equal([$"access:servers!server={alice}/", $"read:servers!server={alice}/"], widened.GetProperty("scopes").Strings());
        var narrowed = (await aliceApi.PatchApiAsync(at, new { user = bob, scopes = new[] { "read:servers" } })).Is(200).Root;
        Assert.Equal([$"access:servers!server={alice}/"], narrowed.GetProperty("scopes").Strings());

        // Without the shares scope on the server, no sharing; without read:users:name, no sharing by name.
        var (carol, _) = await fixture.UserAsync("carol");
        var noShares = Hub.Client(await Hub.ScopedTokenAsync(alice, "read:users:name", "servers!user"));
        (await noShares.PostApiAsync(at, new { user = carol })).Is(403);
        var noNames = Hub.Client(await Hub.ScopedTokenAsync(alice, "shares!user"));
        (await noNames.PostApiAsync(at, new { user = carol })).Is(403);
        // Another user's server is not theirs to share (the filter hides it).
        var (_, bobApi) = (bob, Hub.Client(await Hub.TokenForAsync(bob)));
        (await bobApi.PostApiAsync(at, new { user = carol })).Is(404);
        // /shares/{owner} lists only; it grants nothing.
        Assert.Equal(405, (await aliceApi.PostApiAsync($"hub/api/shares/{alice}", new { user = carol })).Code);
    }

    [Fact]
    public async Task Share_codes_are_made_listed_exchanged_until_they_expire_and_revoked()
    {
        var (alice, aliceApi) = await fixture.UserAsync("alice");
        var (bob, bobApi) = await fixture.UserAsync("bob");
        var at = $"hub/api/share-codes/{alice}/";
        (await aliceApi.PostApiAsync(at, new { expires_in = 30 })).Is(400);
        (await aliceApi.PostApiAsync(at, new { scopes = new[] { "admin:users" } })).Is(403);
        var made = (await aliceApi.PostApiAsync(at, new { expires_in = 3600 })).Is(200).Root;
        var code = made.GetProperty("code").GetString()!;
        Assert.True(code.Length >= 32);
        Assert.Equal("/hub/accept-share?code=" + code, made.GetProperty("accept_url").GetString());
        Assert.Equal([$"access:servers!server={alice}/"], made.GetProperty("scopes").Strings());
        Assert.Equal(0, made.GetProperty("exchange_count").GetInt32());
        var id = made.GetProperty("id").GetString()!;
        Assert.StartsWith("sc_", id);
        var listed = Assert.Single((await aliceApi.GetApiAsync($"hub/api/share-codes/{alice}")).Is(200).Root.EnumerateArray());
        Assert.False(listed.TryGetProperty("code", out _), "the code itself is shown once");
        Assert.Equal(id, listed.GetProperty("id").GetString());

        // Accepting the invitation (what the accept page does) shares the server with bob.
        Assert.NotNull(await ExchangeAsync(code, bob));
        Assert.Contains($"access:servers!server={alice}/", await SharingHub.ScopesAsync(bobApi));
        Assert.Equal(1, Assert.Single((await aliceApi.GetApiAsync(at)).Is(200).Root.EnumerateArray()).GetProperty("exchange_count").GetInt32());
        Assert.Null(await ExchangeAsync("not-" + code, bob));

        // An expired code is neither listed nor exchanged.
        var late = (await aliceApi.PostApiAsync(at, new { })).Is(200).Root;
        await using (var scope = Hub.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<HubDbContext>();
            var lateId = int.Parse(late.GetProperty("id").GetString()!["sc_".Length..], System.Globalization.CultureInfo.InvariantCulture);
            await db.ShareCodes.Where(c => c.Id == lateId).ExecuteUpdateAsync(s => s.SetProperty(c => c.ExpiresAt, TimeProvider.System.GetUtcNow().UtcDateTime.AddMinutes(-1)), Api.Ct);
        }
        Assert.Single((await aliceApi.GetApiAsync(at)).Is(200).Root.EnumerateArray());
        var (carol, carolApi) = await fixture.UserAsync("carol");
        Assert.Null(await ExchangeAsync(late.GetProperty("code").GetString()!, carol));
        Assert.DoesNotContain($"access:servers!server={alice}/", await SharingHub.ScopesAsync(carolApi));

        // Revoked by id, by code, or all at once.
        (await aliceApi.DeleteApiAsync(at + "?id=sc_999999")).Is(404);
        (await aliceApi.DeleteApiAsync(at + "?code=wrong")).Is(404);
        (await aliceApi.DeleteApiAsync(at + "?id=" + id)).Is(204);
        Assert.Empty((await aliceApi.GetApiAsync(at)).Is(200).Root.EnumerateArray());
        var another = (await aliceApi.PostApiAsync(at, new { })).Is(200).Root.GetProperty("code").GetString()!;
        (await aliceApi.DeleteApiAsync(at + "?code=" + Uri.EscapeDataString(another))).Is(204);
        (await aliceApi.PostApiAsync(at, new { })).Is(200);
        (await aliceApi.DeleteApiAsync(at)).Is(204);
        Assert.Empty((await aliceApi.GetApiAsync(at)).Is(200).Root.EnumerateArray());
        (await bobApi.GetApiAsync($"hub/api/share-codes/{alice}")).Is(404);
    }

    private async Task<Data.ShareRecord?> ExchangeAsync(string code, string user)
    {
        await using var scope = Hub.Services.CreateAsyncScope();
        var record = await scope.ServiceProvider.GetRequiredService<Data.Stores.UserStore>().FindAsync(user, Api.Ct);
        var identity = new RequestIdentity { Kind = "user", Name = user, UserId = record!.Id, Scopes = Scopes.ExpandedScopes.Empty };
        return await scope.ServiceProvider.GetRequiredService<ShareCodes>().ExchangeAsync(code, identity, Api.Ct);
    }
}
