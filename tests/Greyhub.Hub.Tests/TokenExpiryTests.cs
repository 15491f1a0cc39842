using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Greyhub.Hub.Tests;

/// <summary>Expiry with a fake clock: an expired token is refused at once, even right after it was used and cached.</summary>
public sealed class TokenExpiryTests
{
    [Fact]
    public async Task Expired_token_is_refused_at_once_and_hidden_from_lists()
    {
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var hub = await HubInstance.StartWithAsync(b => b.Services.AddSingleton<TimeProvider>(time), null);
        var admin = hub.Client(hub.AdminToken);
        var own = await hub.TokenForAsync("eve");
        var created = (await hub.Client(own).PostApiAsync("hub/api/users/eve/tokens", new { expires_in = 60, note = "short" })).Is(201).Root;
        var secret = created.GetProperty("token").GetString()!;
        var id = created.GetProperty("id").GetString()!;
        var shortLived = hub.Client(secret);
        (await shortLived.GetApiAsync("hub/api/user")).Is(200);

        time.Advance(TimeSpan.FromSeconds(59));
        (await shortLived.GetApiAsync("hub/api/user")).Is(200);
        time.Advance(TimeSpan.FromSeconds(2));
        (await shortLived.GetApiAsync("hub/api/user")).Is(403);
        (await shortLived.GetApiAsync("hub/api/users/eve")).Is(403);
        var listed = (await admin.GetApiAsync("hub/api/users/eve/tokens")).Is(200).Root.GetProperty("api_tokens");
        Assert.DoesNotContain(id, listed.EnumerateArray().Select(t => t.GetProperty("id").GetString()));
        (await admin.GetApiAsync($"hub/api/users/eve/tokens/{id}")).Is(404);
        // Tokens without expiry are unaffected by time.
        time.Advance(TimeSpan.FromDays(400));
        (await hub.Client(own).GetApiAsync("hub/api/user")).Is(200);
    }

    [Fact]
    public async Task Token_expiry_limit_applies_to_new_tokens()
    {
        await using var hub = await HubInstance.StartAsync("Greyhub:TokenExpiresInMax=01:00:00");
        var own = await hub.TokenForAsync("max");
        var client = hub.Client(own);
        (await client.PostApiAsync("hub/api/users/max/tokens", new { expires_in = 7200 })).Is(400);
        (await client.PostApiAsync("hub/api/users/max/tokens", new { expires_in = 0 })).Is(400);
        (await client.PostApiAsync("hub/api/users/max/tokens", new { expires_in = 3600 })).Is(201);
        // Unspecified: the maximum, as JupyterHub 5.1+.
        foreach (var body in new object?[] { null, new { note = "no expiry given" }, new { expires_in = (int?)null } })
        {
            var created = (await client.PostApiAsync("hub/api/users/max/tokens", body)).Is(201).Root;
            var expires = DateTimeOffset.Parse(created.GetProperty("expires_at").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            var made = DateTimeOffset.Parse(created.GetProperty("created").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(TimeSpan.FromHours(1), expires - made);
        }
    }

    [Fact]
    public async Task Activity_resolution_and_future_limit_follow_the_hub_clock()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        await using var hub = await HubInstance.StartWithAsync(b => b.Services.AddSingleton<TimeProvider>(time), null);
        var admin = hub.Client(hub.AdminToken);
        (await admin.PostApiAsync("hub/api/users/tim")).Is(201);
        (await admin.PostApiAsync("hub/api/users/tim/activity", new { last_activity = "2026-03-01T12:58:00Z" })).Is(200);
        (await admin.PostApiAsync("hub/api/users/tim/activity", new { last_activity = "2026-03-01T13:00:01Z" })).Is(400);
        time.Advance(TimeSpan.FromMinutes(5));
        (await admin.PostApiAsync("hub/api/users/tim/activity", new { last_activity = "2026-03-01T13:00:01Z" })).Is(200);
        Assert.Equal("2026-03-01T13:00:01.000000Z", (await admin.GetApiAsync("hub/api/users/tim")).Root.GetProperty("last_activity").GetString());
        (await admin.PostApiAsync("hub/api/users/tim/activity", new { last_activity = "2026-03-01T13:00:30Z" })).Is(200);
        Assert.Equal("2026-03-01T13:00:01.000000Z", (await admin.GetApiAsync("hub/api/users/tim")).Root.GetProperty("last_activity").GetString());
    }
}
