using Greyhub.Hub.OAuth;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Greyhub.Hub.Tests;

/// <summary>
/// Signing key rotation: a successor is published before it signs; the retired key stays published until the
/// id_tokens it signed have expired; the ring is kept on disk.
/// </summary>
public sealed class ProviderKeysTests
{
    [Fact]
    public void A_successor_is_published_before_it_signs_and_the_old_key_stays_until_its_tokens_expired()
    {
        var dir = Directory.CreateTempSubdirectory("greyhub-keys-").FullName;
        try
        {
            var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
            var options = new OpenIdProviderOptions
            {
                SigningKeyLifetime = TimeSpan.FromDays(10),
                SigningKeyPrepublish = TimeSpan.FromDays(2),
                IdentityTokenLifetime = TimeSpan.FromHours(1),
            };
            var keys = new ProviderKeys(dir, time, options);
            var first = keys.Current();
            Assert.Equal([first.Signing.Id], first.Published.Select(k => k.Id));

            time.Advance(TimeSpan.FromDays(8) - TimeSpan.FromSeconds(1));
            Assert.Single(keys.Current().Published);

            time.Advance(TimeSpan.FromSeconds(1));
            var prepublished = keys.Current();
            Assert.Equal(first.Signing.Id, prepublished.Signing.Id);
            Assert.Equal(2, prepublished.Published.Count);
            var successor = prepublished.Published.Single(k => k.Id != first.Signing.Id);

            time.Advance(TimeSpan.FromDays(2));
            var rotated = keys.Current();
            Assert.Equal(successor.Id, rotated.Signing.Id);
            Assert.Equal([successor.Id, first.Signing.Id], rotated.Published.Select(k => k.Id));

            time.Advance(TimeSpan.FromHours(1) - TimeSpan.FromSeconds(1));
            Assert.Equal(2, keys.Current().Published.Count);
            time.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal([successor.Id], keys.Current().Published.Select(k => k.Id));

            // Another instance (a restart) reads the same ring and signs with the same key.
            var reloaded = new ProviderKeys(dir, time, options).Current();
            Assert.Equal(successor.Id, reloaded.Signing.Id);
            Assert.Equal(successor.Key.Rsa.ExportParameters(false).Modulus, reloaded.Signing.Key.Rsa.ExportParameters(false).Modulus);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task A_running_hub_publishes_the_successor_then_signs_id_tokens_with_it()
    {
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var hub = await HubInstance.StartWithAsync(b => b.Services.AddSingleton<TimeProvider>(time), null,
            "Greyhub:OpenIdProvider:Clients:0:ClientId=cli", "Greyhub:OpenIdProvider:Clients:0:Public=true",
            "Greyhub:OpenIdProvider:Clients:0:RedirectUris:0=" + OpenIdHub.CliRedirect);
        // The hourly job runs on the same clock; Rotate makes each step certain whichever of the two sees it first.
        var rotation = hub.Services.GetRequiredService<ProviderKeyRotation>();
        var first = await KidsAsync(hub);
        Assert.Single(first);
        Assert.Equal(first[0], await IdTokenKidAsync(hub));

        // Two days before the default 90-day lifetime ends: the successor is published, the first key still signs.
        time.Advance(TimeSpan.FromDays(88));
        rotation.Rotate();
        var both = await KidsAsync(hub);
        Assert.Equal(2, both.Count);
        Assert.Equal(first[0], await IdTokenKidAsync(hub));

        time.Advance(TimeSpan.FromDays(2));
        rotation.Rotate();
        var successor = both.Single(k => k != first[0]);
        Assert.Equal(successor, await IdTokenKidAsync(hub));
        Assert.Contains(first[0], await KidsAsync(hub));

        time.Advance(TimeSpan.FromHours(1));
        rotation.Rotate();
        Assert.Equal([successor], await KidsAsync(hub));
    }

    private static async Task<IReadOnlyList<string>> KidsAsync(HubInstance hub) =>
        [.. (await hub.Client().GetApiAsync("hub/.well-known/jwks")).Is(200).Root.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()!)];

    private static async Task<string> IdTokenKidAsync(HubInstance hub)
    {
        var user = await OAuthTesting.UserAsync(hub, "rot");
        using var browser = await OAuthTesting.SignedInAsync(hub, user);
        var (verifier, challenge) = OpenIdHub.Pkce();
        var code = await OpenIdHub.CliCodeAsync(browser, challenge);
        var answer = (await OAuthTesting.PostTokenAsync(hub.Client(), ("client_id", "cli"), ("grant_type", "authorization_code"), ("code", code),
            ("redirect_uri", OpenIdHub.CliRedirect), ("code_verifier", verifier))).Is(200).Root;
        return OpenIdHub.Header(answer.GetProperty("id_token").GetString()!).GetProperty("kid").GetString()!;
    }
}
