using System.Diagnostics;
using System.Text.Json;
using Greyhub.Testing;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Tests;

/// <summary>
/// Shared access reaches a real <c>jupyterhub-singleuser</c> (Debian's, unchanged) through the hub's proxy and the
/// server's own OAuth, as in JupyterHub 5: a user and a group member granted access get in after confirming, someone
/// else is refused by the hub, and revoking takes the access and the server's tokens away, also from a browser already
/// on the server once the server's one-second cache of the hub's answer is over.
/// </summary>
public sealed class SharedServerAccessTests
{
    private const string Password = "correct-horse-1";

    [Fact]
    public async Task A_shared_server_admits_the_user_and_the_group_it_is_shared_with_and_no_one_else()
    {
        Requires.Program("jupyterhub-singleuser", "apt-get install -y jupyterhub");
        await using var hub = await HubInstance.StartAsync(
            "Greyhub:Roles:0:Name=user", "Greyhub:Roles:0:Scopes:0=self", "Greyhub:Roles:0:Scopes:1=shares!user",
            "Greyhub:Roles:0:Scopes:2=read:users:name", "Greyhub:Roles:0:Scopes:3=read:groups:name");
        var admin = hub.Client(hub.AdminToken);
        foreach (var user in new[] { "alice", "bob", "carol", "dave" })
        {
            await hub.SetPasswordAsync(user, Password);
        }
        (await admin.PostApiAsync("hub/api/groups/team", new { users = new[] { "carol" } })).Is(201);
        var alice = hub.Client(await hub.TokenForAsync("alice"));
        try
        {
            Assert.True((await alice.PostApiAsync("hub/api/users/alice/server")).Code is 201 or 202);
            await WaitReadyAsync(admin);
            (await alice.PostApiAsync("hub/api/shares/alice/", new { user = "bob" })).Is(200);
            (await alice.PostApiAsync("hub/api/shares/alice/", new { group = "team" })).Is(200);

            using var bob = await SignedInAsync(hub, "bob");
            Assert.Equal(200, await OpenAliceAsync(bob));
            using (var carol = await SignedInAsync(hub, "carol"))
            {
                Assert.Equal(200, await OpenAliceAsync(carol));
            }
            using (var dave = await SignedInAsync(hub, "dave"))
            {
                Assert.Equal(403, await OpenAliceAsync(dave));
            }

            // Revoking bob's share ends his access at the hub: the server's token he held is revoked, and he cannot get another.
            Assert.Contains(await ServerTokensAsync(admin, "bob"), t => t == "jupyterhub-user-alice");
            (await alice.PatchApiAsync("hub/api/shares/alice/", new { user = "bob" })).Is(200);
            Assert.DoesNotContain(await ServerTokensAsync(admin, "bob"), t => t == "jupyterhub-user-alice");
            // The browser bob already had on the server is refused too, once the server's one-second cache of the hub's
            // answer (Servers:HubAuthCacheMaxAge, passed by the hub) is over: the server asks the hub again.
            await Task.Delay(new ServersOptions().HubAuthCacheMaxAge + TimeSpan.FromSeconds(0.5), Api.Ct);
            Assert.Equal(403, (await bob.GetAsync("user/alice/api/contents", referer: new Uri(bob.Client.BaseAddress!, "user/alice/tree").ToString())).Status);
            using (var again = await SignedInAsync(hub, "bob"))
            {
                Assert.Equal(403, await OpenAliceAsync(again));
            }
            // carol's access through the group is untouched.
            Assert.Contains(await ServerTokensAsync(admin, "carol"), t => t == "jupyterhub-user-alice");
        }
        finally
        {
            await admin.DeleteApiAsync("hub/api/users/alice/server");
        }
    }

    [Fact]
    public async Task The_servers_hub_auth_cache_is_whole_seconds_and_never_negative()
    {
        foreach (var age in new[] { "00:00:01.500", "-00:00:01" })
        {
            var error = await Assert.ThrowsAsync<OptionsValidationException>(() => HubInstance.StartAsync("Greyhub:Servers:HubAuthCacheMaxAge=" + age));
            Assert.Contains("Greyhub:Servers:HubAuthCacheMaxAge must be whole seconds", string.Join("\n", error.Failures), StringComparison.Ordinal);
        }
    }

    private static async Task<Browser> SignedInAsync(HubInstance hub, string user)
    {
        var browser = new Browser(hub);
        await browser.LoginAsync(user, Password);
        return browser;
    }

    /// <summary>
    /// Goes to alice's server as the browser's user: the server sends it to the hub's OAuth, where anyone but alice
    /// confirms; returns the status of alice's file listing after that, or the hub's refusal.
    /// </summary>
    private static async Task<int> OpenAliceAsync(Browser browser)
    {
        var toHub = await browser.GetAsync("user/alice/files/readme.txt");
        Assert.True(toHub.Status == 302 && toHub.Location!.StartsWith("/hub/api/oauth2/authorize?", StringComparison.Ordinal), $"server: {toHub.Status} {toHub.Location}");
        var consent = await browser.GetAsync(toHub.Location!);
        if (consent.Status != 200)
        {
            return consent.Status;
        }
        var decided = await browser.PostFormAsync(toHub.Location!, ("_xsrf", Browser.XsrfOf(consent.Body)), ("decision", "authorize"));
        Assert.True(decided.Status == 302, $"authorize: {decided.Status}");
        var callback = await browser.GetAsync(decided.Location!);
        Assert.True(callback.Status == 302, $"callback: {callback.Status} {callback.Body}");
        var listing = await browser.GetAsync("user/alice/api/contents", referer: new Uri(browser.Client.BaseAddress!, "user/alice/tree").ToString());
        return listing.Status;
    }

    private static async Task<IReadOnlyList<string>> ServerTokensAsync(HttpClient admin, string user) =>
        [.. (await admin.GetApiAsync($"hub/api/users/{user}/tokens")).Is(200).Root.GetProperty("api_tokens").EnumerateArray()
            .Select(t => t.GetProperty("oauth_client").GetString() ?? "")];

    private static async Task WaitReadyAsync(HttpClient admin)
    {
        var waited = Stopwatch.StartNew();
        JsonElement last = default;
        while (waited.Elapsed < TimeSpan.FromSeconds(120))
        {
            last = (await admin.GetApiAsync("hub/api/users/alice")).Is(200).Root;
            if (last.GetProperty("server").ValueKind == JsonValueKind.String)
            {
                return;
            }
            await Task.Delay(250, Api.Ct);
        }
        throw new Xunit.Sdk.XunitException("alice's server did not become ready within 120 s: " + last);
    }
}
