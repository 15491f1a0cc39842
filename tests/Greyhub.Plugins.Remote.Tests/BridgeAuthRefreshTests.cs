using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Greyhub.Host;

namespace Greyhub.Plugins.Remote.Tests;

/// <summary>
/// JupyterHub's <c>refresh_user</c> through the bridge, as JupyterHub 3.0 calls it: a JupyterHub Authenticator subclass
/// (bridge/bridge_test_authenticator.py's RefreshingAuthenticator) is asked only once a user's sign-in is older than its
/// <c>auth_refresh_age</c>, never per request; its dict updates the user's groups and <c>auth_state</c>; its False signs
/// the user out (the cookie is cleared, a token is refused); and with <c>refresh_pre_spawn</c> an expired user's start is
/// refused before anything runs.
/// </summary>
public sealed class BridgeAuthRefreshTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Refresh_user_updates_expires_and_refuses_starts_as_in_JupyterHub_and_only_when_stale()
    {
        var data = Directory.CreateTempSubdirectory("greyhub-bridge-refresh-").FullName;
        var age = Path.Combine(data, "age");
        var answers = Path.Combine(data, "answers.json");
        var calls = Path.Combine(data, "refresh.log");
        await File.WriteAllTextAsync(age, "3600", Ct);
        const string At = "--Greyhub:Authenticator:Remote:bridge:Environment:";
        string[] args =
        [
            "--urls", "http://127.0.0.1:0", "--Greyhub:DataDir=" + data, "--Logging:LogLevel:Default=Warning",
            "--Greyhub:Culler:Enabled=false", "--Greyhub:Authenticator:AllowAll=true",
            .. JupyterHubBridge.AuthenticatorArgs("bridge", Path.Combine(JupyterHubBridge.TestData, "refresh_config.py"), Path.Combine(data, "bridge.log")),
            At + "BRIDGE_REFRESH_AGE_FILE=" + age, At + "BRIDGE_REFRESH_FILE=" + answers, At + "BRIDGE_REFRESH_LOG=" + calls,
        ];
        var app = await HubHost.BuildAsync(args, cancellationToken: Ct);
        try
        {
            await app.StartAsync(Ct);
            var address = BridgeAuthenticatorHubTests.Address(app);
            using var admin = await BridgeAuthenticatorHubTests.AdminAsync(app, address);
            using var alice = await MisbehavingAuthenticatorTests.SignedInAsync(address, "alice", "alice-pass-1");
            using var aliceToken = new HttpClient { BaseAddress = address };
            using (var issued = JsonDocument.Parse(await (await admin.PostAsync("hub/api/users/alice/tokens", JsonContent("{}"), Ct)).Content.ReadAsStringAsync(Ct)))
            {
                aliceToken.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("token", issued.RootElement.GetProperty("token").GetString());
            }

            // Fresh from her sign-in, within the age: requests by cookie and by token ask the Authenticator nothing.
            for (var i = 0; i < 5; i++)
            {
                Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync("hub/home", Ct)).StatusCode);
                Assert.Equal(HttpStatusCode.OK, (await aliceToken.GetAsync("hub/api/user", Ct)).StatusCode);
            }
            Assert.DoesNotContain(Lines(calls), l => l.StartsWith("alice ", StringComparison.Ordinal));

            // A one-second age (read at the next handshake): a request refreshes her, and the dict's groups and auth_state apply.
            await File.WriteAllTextAsync(answers, """{"alice": {"groups": ["refreshed"], "auth_state": {"token": "token-2"}}}""", Ct);
            await File.WriteAllTextAsync(age, "1", Ct);
            await UntilAsync(async () =>
            {
                Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync("hub/home", Ct)).StatusCode);
                using var user = JsonDocument.Parse(await admin.GetStringAsync("hub/api/users/alice", Ct));
                return user.RootElement.GetProperty("groups").EnumerateArray().Select(g => g.GetString()).SequenceEqual(["refreshed"])
                    && user.RootElement.GetProperty("auth_state").GetProperty("token").GetString() == "token-2";
            }, "refresh_user's groups and auth_state never reached alice");
            // The Authenticator was given what the hub knew: her sign-in's auth_state.
            Assert.Contains("alice token-of-alice", Lines(calls));

            // Expired: the cookie's next request goes to the sign-in page, and her token is refused.
            await File.WriteAllTextAsync(answers, """{"alice": "expired"}""", Ct);
            await UntilAsync(async () =>
            {
                using var home = await alice.GetAsync("hub/home", Ct);
                return home.StatusCode == HttpStatusCode.Redirect && home.Headers.Location!.OriginalString.Contains("/hub/login", StringComparison.Ordinal);
            }, "an expired sign-in still reached the home page");
            using (var refused = await aliceToken.GetAsync("hub/api/user", Ct))
            {
                Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            }
            // Good again for the Authenticator: the token works (once the remembered expiry, at most the age, is over),
            // but the cookie was cleared, so the browser signs in again.
            await File.WriteAllTextAsync(answers, "{}", Ct);
            await UntilAsync(async () => (await aliceToken.GetAsync("hub/api/user", Ct)).StatusCode == HttpStatusCode.OK,
                "a token good again for the Authenticator stayed refused");

            // refresh_user raising (a revoked user, say) fails closed: the token is refused, not let through for an age.
            await File.WriteAllTextAsync(answers, """{"alice": "raise"}""", Ct);
            await UntilAsync(async () => (await aliceToken.GetAsync("hub/api/user", Ct)).StatusCode == HttpStatusCode.Forbidden,
                "a refresh_user that raised left the token authenticated");
            // The deprecated token lookup says not found for her, as every other route refuses her.
            using (var lookup = await admin.GetAsync("hub/api/authorizations/token/" + aliceToken.DefaultRequestHeaders.Authorization!.Parameter, Ct))
            {
                Assert.Equal(HttpStatusCode.NotFound, lookup.StatusCode);
            }
            await File.WriteAllTextAsync(answers, "{}", Ct);
            await UntilAsync(async () => (await aliceToken.GetAsync("hub/api/user", Ct)).StatusCode == HttpStatusCode.OK,
                "the token stayed refused once refresh_user answered again");
            using (var home = await alice.GetAsync("hub/home", Ct))
            {
                Assert.Equal(HttpStatusCode.Redirect, home.StatusCode);
            }

            // refresh_pre_spawn: dave's expired sign-in refuses his start, whatever its age, before anything runs.
            await File.WriteAllTextAsync(age, "3600", Ct);
            using var dave = await MisbehavingAuthenticatorTests.SignedInAsync(address, "dave", "dave-pass-1");
            await File.WriteAllTextAsync(answers, """{"dave": "expired"}""", Ct);
            using (var start = await admin.PostAsync("hub/api/users/dave/server", null, Ct))
            {
                var told = await start.Content.ReadAsStringAsync(Ct);
                Assert.True(start.StatusCode == HttpStatusCode.Forbidden, $"{start.StatusCode}: {told}");
                Assert.Contains("has expired", told, StringComparison.Ordinal);
            }
            using (var daveModel = JsonDocument.Parse(await admin.GetStringAsync("hub/api/users/dave", Ct)))
            {
                Assert.Empty(daveModel.RootElement.GetProperty("servers").EnumerateObject());
            }
            Assert.Contains(Lines(calls), l => l.StartsWith("dave ", StringComparison.Ordinal));
        }
        finally
        {
            await HubTeardown.StopAsync(app, data);
        }
    }

    private static StringContent JsonContent(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    private static string[] Lines(string path) => File.Exists(path) ? File.ReadAllLines(path) : [];

    private static async Task UntilAsync(Func<Task<bool>> condition, string failure)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), failure);
            await Task.Delay(200, Ct);
        }
    }
}
