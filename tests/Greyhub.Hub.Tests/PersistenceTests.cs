using Greyhub.Data.Stores;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Greyhub.Hub.Tests;

/// <summary>A hub stopped and started again on the same data folder keeps everything.</summary>
public sealed class PersistenceTests
{
    private static readonly string[] Config =
    [
        "Greyhub:Authenticator:InitialAdmin:Name=boss",
        "Greyhub:Authenticator:InitialAdmin:Password=first-password-123",
        "Greyhub:Services:0:Name=culler",
        "Greyhub:Services:0:ApiToken=" + ContractHub.CullerToken,
        "Greyhub:Roles:0:Name=idle-culler",
        "Greyhub:Roles:0:Scopes:0=list:users",
        "Greyhub:Roles:0:Services:0=culler",
    ];

    [Fact]
    public async Task Users_groups_tokens_and_properties_survive_a_restart()
    {
        var first = await HubInstance.StartAsync(Config);
        var dataDir = first.DataDir;
        string secret;
        string tokenId;
        string bossHash;
        try
        {
            var admin = first.Client(first.AdminToken);
            (await admin.PostApiAsync("hub/api/users", new { usernames = new[] { "ann", "ben" } })).Is(201);
            (await admin.PostApiAsync("hub/api/users/chief", new { admin = true })).Is(201);
            (await admin.PostApiAsync("hub/api/groups/lab", new { users = new[] { "ann", "ben" } })).Is(201);
            (await admin.PutApiAsync("hub/api/groups/lab/properties", new { room = "B12", seats = 24, tags = new[] { "gpu" } })).Is(200);
            var created = (await admin.PostApiAsync("hub/api/users/ann/tokens", new { note = "survives", expires_in = 86400, scopes = new[] { "read:users!user=ann" } })).Is(201).Root;
            secret = created.GetProperty("token").GetString()!;
            tokenId = created.GetProperty("id").GetString()!;
            (await admin.PostApiAsync("hub/api/users/ann/activity", new { last_activity = "2026-01-02T03:04:05.000006Z" })).Is(200);
            bossHash = await PasswordHashAsync(first, "boss");
            Assert.NotNull(bossHash);
            Assert.Contains("list:users", (await first.Client(ContractHub.CullerToken).GetApiAsync("hub/api/user")).Is(200).Root.GetProperty("scopes").Strings());
            // As an older hub stored it: a configured service token without scopes; the restart must repair it.
            await using (var scope = first.Services.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<Greyhub.Data.HubDbContext>();
                await db.ApiTokens.Where(t => t.ServiceName == "culler")
                    .ExecuteUpdateAsync(s => s.SetProperty(t => t.Scopes, "[]"), Api.Ct);
            }
            await first.SetPasswordAsync("boss", "changed-password-456");
            bossHash = await PasswordHashAsync(first, "boss");
        }
        finally
        {
            await first.StopAsync(keepData: true);
        }

        await using var second = await HubInstance.StartInAsync(dataDir, Config);
        var again = second.Client(second.AdminToken);
        var ann = (await again.GetApiAsync("hub/api/users/ann")).Is(200).Root;
        Assert.Equal(["lab"], ann.GetProperty("groups").Strings());
        Assert.Equal("2026-01-02T03:04:05.000006Z", ann.GetProperty("last_activity").GetString());
        Assert.True((await again.GetApiAsync("hub/api/users/chief")).Is(200).Root.GetProperty("admin").GetBoolean());
        (await again.GetApiAsync("hub/api/users/ben")).Is(200);
        var lab = (await again.GetApiAsync("hub/api/groups/lab")).Is(200).Root;
        Assert.Equal(["ann", "ben"], lab.GetProperty("users").Strings());
        Assert.Equal("B12", lab.GetProperty("properties").GetProperty("room").GetString());
        Assert.Equal(24, lab.GetProperty("properties").GetProperty("seats").GetInt32());
        Assert.Equal(["gpu"], lab.GetProperty("properties").GetProperty("tags").Strings());

        // The same secret still works, with the same scopes.
        var token = (await again.GetApiAsync($"hub/api/users/ann/tokens/{tokenId}")).Is(200).Root;
        Assert.Equal("survives", token.GetProperty("note").GetString());
        var me = (await second.Client(secret).GetApiAsync("hub/api/user")).Is(200).Root;
        Assert.Equal("ann", me.GetProperty("name").GetString());
        Assert.Equal(tokenId, me.GetProperty("token_id").GetString());
        (await second.Client(secret).GetApiAsync("hub/api/users/ann")).Is(200);
        (await second.Client(secret).GetApiAsync("hub/api/users/ben")).Is(404);

        Assert.Contains("list:users", (await second.Client(ContractHub.CullerToken).GetApiAsync("hub/api/user")).Is(200).Root.GetProperty("scopes").Strings());
        (await second.Client(ContractHub.CullerToken).GetApiAsync("hub/api/users")).Is(200);

        // The initial admin exists once, still admin, and its changed password was not reset.
        var all = (await again.GetApiAsync("hub/api/users?limit=200")).Is(200).Root.Names();
        Assert.Single(all, n => n == "boss");
        Assert.True((await again.GetApiAsync("hub/api/users/boss")).Root.GetProperty("admin").GetBoolean());
        Assert.Equal(bossHash, await PasswordHashAsync(second, "boss"));
    }

    [Fact]
    public async Task Revocations_and_deletions_survive_a_restart()
    {
        var first = await HubInstance.StartAsync();
        var dataDir = first.DataDir;
        string revoked;
        try
        {
            var admin = first.Client(first.AdminToken);
            (await admin.PostApiAsync("hub/api/users", new { usernames = new[] { "gone", "stays" } })).Is(201);
            (await admin.PostApiAsync("hub/api/groups/temp")).Is(201);
            var created = (await admin.PostApiAsync("hub/api/users/stays/tokens", new { })).Is(201).Root;
            revoked = created.GetProperty("token").GetString()!;
            (await admin.DeleteApiAsync($"hub/api/users/stays/tokens/{created.GetProperty("id").GetString()}")).Is(204);
            (await admin.DeleteApiAsync("hub/api/users/gone")).Is(204);
            (await admin.DeleteApiAsync("hub/api/groups/temp")).Is(204);
        }
        finally
        {
            await first.StopAsync(keepData: true);
        }
        await using var second = await HubInstance.StartInAsync(dataDir);
        var again = second.Client(second.AdminToken);
        (await again.GetApiAsync("hub/api/users/gone")).Is(404);
        (await again.GetApiAsync("hub/api/users/stays")).Is(200);
        (await again.GetApiAsync("hub/api/groups/temp")).Is(404);
        (await second.Client(revoked).GetApiAsync("hub/api/user")).Is(403);
    }

    private static async Task<string> PasswordHashAsync(HubInstance hub, string user)
    {
        await using var scope = hub.Services.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<UserStore>().GetPasswordHashAsync(user, Api.Ct))!;
    }
}
