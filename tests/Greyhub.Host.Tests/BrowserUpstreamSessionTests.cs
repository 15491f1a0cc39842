using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Greyhub.Testing;
using Microsoft.Playwright;

namespace Greyhub.Host.Tests;

/// <summary>
/// What an upstream login leaves behind, with the real oidc-provider in Chromium: the tokens as encrypted
/// <c>auth_state</c> (admins with <c>admin:auth_state</c> only), renewed with the refresh token before a server starts and
/// handed to it as environment variables, a start refused when renewal fails, and a sign-out that ends the provider's
/// session too. And a plain OAuth2 provider shaped like GitHub (no OpenID Connect) through the same settings.
/// </summary>
public sealed class BrowserUpstreamSessionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Tokens_are_kept_encrypted_renewed_before_a_start_passed_to_the_server_and_the_sign_out_ends_the_provider_session()
    {
        Requires.Program("/usr/bin/jupyterhub-singleuser", "apt-get install -y jupyterhub python3-ipykernel");
        var dataDir = Directory.CreateTempSubdirectory("greyhub-oidc-state-").FullName;
        var port = FreePort.Next();
        var secret = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        // Access tokens live 120 s at the provider; the hub renews any token before a start (AuthRefreshAge 0).
        await using var provider = await OidcProviderProcess.StartAsync("provider.mjs", [$"http://127.0.0.1:{port}/hub/oidc/uni/callback", secret, "120"], Ct);
        var issuer = provider.Ready.GetProperty("issuer").GetString()!;
        const string P = "Greyhub__Authentication__OpenIdConnect__Providers__0__";
        await using var hub = await GreyhubProcess.StartAsync(new Dictionary<string, string>
        {
            [P + "Name"] = "uni",
            [P + "DisplayName"] = "University SSO",
            [P + "Issuer"] = issuer,
            [P + "ClientId"] = "greyhub",
            [P + "ClientSecret"] = secret,
            [P + "Scopes__0"] = "openid",
            [P + "Scopes__1"] = "profile",
            [P + "Scopes__2"] = "groups",
            [P + "StripDomains__0"] = "uni.example",
            [P + "AllowedGroups__0"] = "physics",
            [P + "EnableAuthState"] = "true",
            [P + "RefreshPreSpawn"] = "true",
            [P + "AuthRefreshAge"] = "00:00:00",
            [P + "SpawnerEnvironment__UPSTREAM_ACCESS_TOKEN"] = "access_token",
            [P + "SpawnerEnvironment__UPSTREAM_NAME"] = "oauth_user.name",
        }, dataDir, null, port, Ct);
        using var admin = await JupyterClient.AdminAsync(hub);

        await using var browser = await Chromium.OpenPageAsync(60_000, b => PageChecks.NewContextAsync(b));
        var page = browser.Page;
        await SignInAtProviderAsync(page, hub, "ada");

        // The admin (admin:auth_state through admin:users) sees the provider's tokens and the claims.
        var state = await AuthStateAsync(admin, "ada");
        var access = state.GetProperty("access_token").GetString()!;
        Assert.False(string.IsNullOrEmpty(state.GetProperty("refresh_token").GetString()));
        Assert.Equal(3, state.GetProperty("id_token").GetString()!.Split('.').Length);
        Assert.Equal("Ada Lovelace", state.GetProperty("oauth_user").GetProperty("name").GetString());
        Assert.True(state.GetProperty("expires_at").GetInt64() > state.GetProperty("issued_at").GetInt64());

        // An admin's token without admin:auth_state reads the user but not the key.
        using (var created = await admin.Http.PostAsJsonAsync("hub/api/users/admin/tokens", new { scopes = new[] { "read:users", "admin:servers", "admin:groups" } }, Ct))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            using var plain = new JupyterClient(hub.Address, (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("token").GetString()!);
            var model = await plain.UserAsync("ada");
            Assert.Equal("ada", model.GetProperty("name").GetString());
            Assert.False(model.TryGetProperty("auth_state", out _), model.ToString());
        }

        // At rest: neither the database file nor its write-ahead log holds a token in clear.
        foreach (var file in Directory.GetFiles(dataDir, "greyhub.sqlite*"))
        {
            var bytes = Encoding.Latin1.GetString(ReadShared(file));
            Assert.DoesNotContain(access, bytes, StringComparison.Ordinal);
            Assert.DoesNotContain(state.GetProperty("refresh_token").GetString()!, bytes, StringComparison.Ordinal);
        }

        // A start renews the access token with the refresh token first; the server gets the new one.
        await admin.StartAndWaitAsync("ada");
        var renewed = await AuthStateAsync(admin, "ada");
        var renewedAccess = renewed.GetProperty("access_token").GetString()!;
        Assert.NotEqual(access, renewedAccess);
        Assert.Contains("Renewed ada's access token at uni before a start", hub.Log);
        using (var userinfo = new HttpRequestMessage(HttpMethod.Get, $"{issuer}/me"))
        {
            userinfo.Headers.Authorization = new AuthenticationHeaderValue("Bearer", renewedAccess);
            using var http = new HttpClient();
            using var answer = await http.SendAsync(userinfo, Ct);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.Equal("ada", (await answer.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("sub").GetString());
        }
        var environment = ProcessEnvironment(await admin.ServerPidAsync("ada"));
        Assert.Equal(renewedAccess, environment["UPSTREAM_ACCESS_TOKEN"]);
        Assert.Equal("Ada Lovelace", environment["UPSTREAM_NAME"]);
        using (var stop = await admin.Http.DeleteAsync("hub/api/users/ada/server", Ct))
        {
            Assert.True(stop.IsSuccessStatusCode, stop.StatusCode.ToString());
        }
        await admin.WaitStoppedAsync("ada", TimeSpan.FromSeconds(60));

        // A refresh token the provider no longer accepts: the start is refused, asking for a new sign-in.
        var broken = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(renewed.GetRawText())!;
        broken["refresh_token"] = JsonSerializer.SerializeToElement("revoked-or-unknown");
        using (var patched = await admin.Http.PatchAsJsonAsync("hub/api/users/ada", new { auth_state = broken }, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        }
        using (var refused = await admin.Http.PostAsync("hub/api/users/ada/server", null, Ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Contains("sign in again", (await refused.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("message").GetString());
        }
        Assert.Equal(JsonValueKind.Null, (await admin.UserAsync("ada")).GetProperty("server").ValueKind);
        // The same refusal in the browser is a page that says what to do.
        await page.GotoAsync(new Uri(hub.Address, "hub/home").ToString());
        await page.ClickAsync("#start-default");
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath.StartsWith("/hub/spawn", StringComparison.Ordinal));
        if (await page.Locator("#spawn-error").CountAsync() == 0)
        {
            await page.ClickAsync("#start");
        }
        await page.Locator("#spawn-error").WaitForAsync();
        Assert.Contains("sign in again", await page.InnerTextAsync("#spawn-error"));
        await PageChecks.CheckAsync(page, "upstream-refresh-refused");

        // While the provider's session lives, signing in again asks nothing (it goes straight back to the hub)...
        await page.GotoAsync(new Uri(hub.Address, "hub/oidc/uni/login").ToString());
        await page.Locator("#home-user").WaitForAsync();
        // ...signing out of the hub ends it at the provider (its own confirmation, then back to the hub's login page)...
        await page.ClickAsync("#logout");
        await page.Locator("button[name=logout]").WaitForAsync();
        Assert.StartsWith(issuer, page.Url);
        await page.ClickAsync("button[name=logout]");
        await page.WaitForURLAsync(url => url.StartsWith(new Uri(hub.Address, "hub/login").ToString(), StringComparison.Ordinal));
        Assert.Contains("Ending the session at uni too", hub.Log);
        Assert.DoesNotContain(await browser.Context.CookiesAsync(), c => c.Name == "jupyterhub-hub-login");
        // ...so the next sign-in asks for credentials again.
        await page.ClickAsync("#oidc-login-uni");
        await page.Locator("input[name=login]").WaitForAsync();
        Assert.StartsWith(issuer, page.Url);
    }

    [Fact]
    public async Task A_github_style_oauth2_provider_signs_users_in_with_their_login_and_organisations()
    {
        var dataDir = Directory.CreateTempSubdirectory("greyhub-oauth2-").FullName;
        var port = FreePort.Next();
        var secret = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        await using var github = await OidcProviderProcess.StartAsync("github.mjs", [$"http://127.0.0.1:{port}/hub/oidc/github/callback", secret], Ct);
        var baseUrl = github.Ready.GetProperty("base").GetString()!;
        const string P = "Greyhub__Authentication__OAuth2__Providers__0__";
        await using var hub = await GreyhubProcess.StartAsync(new Dictionary<string, string>
        {
            [P + "Name"] = "github",
            [P + "DisplayName"] = "GitHub",
            [P + "ClientId"] = "greyhub-github",
            [P + "ClientSecret"] = secret,
            [P + "AuthorizationEndpoint"] = $"{baseUrl}/login/oauth/authorize",
            [P + "TokenEndpoint"] = $"{baseUrl}/login/oauth/access_token",
            [P + "UserInfoEndpoint"] = $"{baseUrl}/user",
            [P + "GroupsEndpoint"] = $"{baseUrl}/user/orgs",
            [P + "Scopes__0"] = "read:user",
            [P + "Scopes__1"] = "read:org",
            [P + "UsernameClaim"] = "login",
            [P + "AllowedGroups__0"] = "physics",
            [P + "ManageGroups"] = "true",
            [P + "EnableAuthState"] = "true",
        }, dataDir, null, port, Ct);
        using var admin = await JupyterClient.AdminAsync(hub);

        await using var browser = await Chromium.OpenPageAsync(60_000, b => PageChecks.NewContextAsync(b));
        var page = browser.Page;
        await page.GotoAsync(new Uri(hub.Address, "hub/login").ToString());
        Assert.Equal("Sign in with GitHub", (await page.InnerTextAsync("#oidc-login-github")).Trim());
        await page.ClickAsync("#oidc-login-github");
        await page.Locator("input[name=login]").WaitForAsync();
        Assert.StartsWith(baseUrl, page.Url);
        await page.FillAsync("input[name=login]", "Octo-Cat");
        await page.FillAsync("input[name=password]", "any");
        await page.ClickAsync("button[type=submit]");
        await page.Locator("#home-user").WaitForAsync();
        // GitHub's login, normalised as every user name is.
        Assert.Equal("octo-cat", (await page.InnerTextAsync("#home-user")).Trim());
        await PageChecks.CheckAsync(page, "home-after-github-login");

        var model = await admin.UserAsync("octo-cat");
        Assert.Equal(["open-source", "physics"], model.GetProperty("groups").EnumerateArray().Select(g => g.GetString()!).Order().ToArray());
        var state = model.GetProperty("auth_state");
        Assert.StartsWith("gho_", state.GetProperty("access_token").GetString());
        Assert.Equal(583231, state.GetProperty("oauth_user").GetProperty("id").GetInt32());
        Assert.Equal("Octo-Cat", state.GetProperty("oauth_user").GetProperty("login").GetString());
        Assert.False(state.TryGetProperty("id_token", out _), "plain OAuth2 has no id_token");

        // Signing out of the hub stays on the hub: OAuth2 has no end-session endpoint.
        await page.ClickAsync("#logout");
        await page.WaitForURLAsync(url => url.StartsWith(new Uri(hub.Address, "hub/login").ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Login_round_trip_through_the_provider_five_times()
    {
        var port = FreePort.Next();
        var secret = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        await using var provider = await OidcProviderProcess.StartAsync("provider.mjs", [$"http://127.0.0.1:{port}/hub/oidc/uni/callback", secret], Ct);
        const string P = "Greyhub__Authentication__OpenIdConnect__Providers__0__";
        await using var hub = await GreyhubProcess.StartAsync(new Dictionary<string, string>
        {
            [P + "Name"] = "uni",
            [P + "Issuer"] = provider.Ready.GetProperty("issuer").GetString()!,
            [P + "ClientId"] = "greyhub",
            [P + "ClientSecret"] = secret,
            [P + "Scopes__0"] = "openid",
            [P + "Scopes__1"] = "profile",
            [P + "Scopes__2"] = "groups",
            [P + "StripDomains__0"] = "uni.example",
            [P + "AllowAll"] = "true",
            [P + "EnableAuthState"] = "true",
        }, Directory.CreateTempSubdirectory("greyhub-oidc-timing-").FullName, null, port, Ct);
        var runs = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            // A fresh browser each time: a login with credentials at the provider, not a silent one.
            await using var browser = await Chromium.OpenPageAsync(60_000, b => PageChecks.NewContextAsync(b));
            runs.Add(await SignInAtProviderAsync(browser.Page, hub, "ada"));
        }
        var median = runs.Order().ElementAt(2);
        var line = $"upstream login round trip (click to home page, credentials and consent typed by Playwright), 5 runs: {string.Join(", ", runs.Select(r => $"{r:F0}"))} ms; median {median:F0} ms";
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        await File.WriteAllTextAsync(Path.Combine(PageChecks.ScreenshotFolder, "upstream-login-round-trip.txt"), line + "\n", Ct);
        Assert.Equal(5, hub.Log.Split('\n').Count(l => l.Contains("ms from the login click to the session", StringComparison.Ordinal)));
    }

    /// <summary>Login page → the provider's form → consent → the hub's home; returns the milliseconds from the click to home.</summary>
    private static async Task<double> SignInAtProviderAsync(IPage page, GreyhubProcess hub, string login)
    {
        await page.GotoAsync(new Uri(hub.Address, "hub/login").ToString());
        var watch = Stopwatch.StartNew();
        await page.ClickAsync("#oidc-login-uni");
        await page.FillAsync("input[name=login]", login);
        await page.FillAsync("input[name=password]", "any");
        await page.ClickAsync("button[type=submit]");
        await page.ClickAsync("button[type=submit]:has-text('Continue')");
        await page.Locator("#home-user").WaitForAsync();
        watch.Stop();
        Assert.Equal(login, (await page.InnerTextAsync("#home-user")).Trim());
        return watch.Elapsed.TotalMilliseconds;
    }

    private static async Task<JsonElement> AuthStateAsync(JupyterClient admin, string user)
    {
        var state = (await admin.UserAsync(user)).GetProperty("auth_state");
        Assert.Equal(JsonValueKind.Object, state.ValueKind);
        return state;
    }

    private static byte[] ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>A running process's environment, from <c>/proc/PID/environ</c> (same user).</summary>
    private static Dictionary<string, string> ProcessEnvironment(int pid) =>
        File.ReadAllText($"/proc/{pid}/environ").Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(e => e.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
}
