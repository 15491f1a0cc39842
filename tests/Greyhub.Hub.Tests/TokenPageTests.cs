using System.Text.RegularExpressions;
using Greyhub.Data.Stores;
using Greyhub.Hub.OAuth;
using Microsoft.Extensions.DependencyInjection;

namespace Greyhub.Hub.Tests;

/// <summary>
/// The token page (API tokens created, listed and revoked; authorized applications listed apart, as JupyterHub does)
/// and the change-password page.
/// </summary>
public sealed partial class TokenPageTests : IAsyncLifetime
{
    private const string Password = "token-password-1";
    private HubInstance _hub = null!;

    public async ValueTask InitializeAsync()
    {
        _hub = await HubInstance.StartAsync();
        await _hub.SetPasswordAsync("tina", Password);
        await _hub.SetPasswordAsync("pete", Password);
    }

    public async ValueTask DisposeAsync() => await _hub.DisposeAsync();

    [Fact]
    public async Task Api_tokens_and_authorized_applications_are_listed_apart_and_each_can_be_revoked()
    {
        using var browser = new Browser(_hub);
        await browser.LoginAsync("tina", Password);
        var page = await browser.GetAsync("hub/token");
        Assert.Equal(200, page.Status);
        Assert.Contains("id=\"no-authorized-apps\"", page.Body, StringComparison.Ordinal);

        // A token from the form, shown once, listed with its scopes and times.
        var created = await browser.PostFormAsync("hub/token", ("_xsrf", Browser.XsrfOf(page.Body)), ("note", "for my script"),
            ("expires_in", "86400"), ("scopes", "read:users:name!user"));
        Assert.Equal(200, created.Status);
        var secret = NewToken().Match(created.Body);
        Assert.True(secret.Success, "the new token is not shown");
        Assert.Contains("<td data-label=\"Note\">for my script</td>", created.Body, StringComparison.Ordinal);
        Assert.Contains("<code>read:users:name!user", created.Body, StringComparison.Ordinal);
        Assert.Contains("\">in 23 hours</time>", created.Body, StringComparison.Ordinal);
        Assert.DoesNotContain(secret.Groups[1].Value, (await browser.GetAsync("hub/token")).Body, StringComparison.Ordinal);

        // An OAuth token of tina's server: an authorized application, not an API token.
        await using (var scope = _hub.Services.CreateAsyncScope())
        {
            var services = scope.ServiceProvider;
            await services.GetRequiredService<OAuthClients>().UpsertAsync("jupyterhub-user-tina", "client-secret-1", "/user/tina/oauth_callback",
                "Server at /user/tina/", ["access:servers!server=tina/"], Api.Ct);
            var tina = (await services.GetRequiredService<UserStore>().FindAsync("tina", Api.Ct))!;
            await services.GetRequiredService<TokenStore>().CreateAsync("oauth-hash-of-tina", "oaut", tina.Id, null, ["access:servers!server=tina/"],
                "Server at /user/tina/", "session-1", "jupyterhub-user-tina", TimeProvider.System.GetUtcNow().UtcDateTime, TimeProvider.System.GetUtcNow().UtcDateTime.AddDays(14), Api.Ct);
        }
        page = await browser.GetAsync("hub/token");
        var apiTokens = Table().Match(page.Body.Split("id=\"authorized-apps\"")[0]).Value;
        Assert.Contains("for my script", apiTokens, StringComparison.Ordinal);
        Assert.DoesNotContain("jupyterhub-user-tina", apiTokens, StringComparison.Ordinal);
        var apps = page.Body[page.Body.IndexOf("id=\"authorized-apps\"", StringComparison.Ordinal)..];
        Assert.Contains("<td data-label=\"Application\">Server at /user/tina/ (jupyterhub-user-tina)</td>", apps, StringComparison.Ordinal);
        Assert.Contains("<code>access:servers!server=tina/</code>", apps, StringComparison.Ordinal);

        // Revoking the application removes its tokens, and nothing else.
        var revoked = await browser.PostFormAsync("hub/token/revoke", ("_xsrf", Browser.XsrfOf(page.Body)), ("client_id", "jupyterhub-user-tina"));
        Assert.Equal("/hub/token", revoked.Location);
        page = await browser.GetAsync("hub/token");
        Assert.Contains("id=\"no-authorized-apps\"", page.Body, StringComparison.Ordinal);
        Assert.Contains("for my script", page.Body, StringComparison.Ordinal);

        // Revoking the API token: gone from the list and from the API.
        var id = TokenRow().Match(page.Body).Groups[1].Value;
        await browser.PostFormAsync("hub/token/revoke", ("_xsrf", Browser.XsrfOf(page.Body)), ("token_id", id));
        Assert.DoesNotContain("for my script", (await browser.GetAsync("hub/token")).Body, StringComparison.Ordinal);
        Assert.Equal(403, (await Api.SendAsync(_hub.Client(secret.Groups[1].Value), "GET", "hub/api/user")).Code);
    }

    [Fact]
    public async Task Revoke_only_touches_the_callers_own_tokens()
    {
        var petes = await _hub.TokenForAsync("pete");
        using var browser = new Browser(_hub);
        await browser.LoginAsync("tina", Password);
        var page = await browser.GetAsync("hub/token");
        // Pete's tokens (ids 1..20) cannot be revoked from tina's page.
        for (var id = 1; id <= 20; id++)
        {
            await browser.PostFormAsync("hub/token/revoke", ("_xsrf", Browser.XsrfOf(page.Body)), ("token_id", "a" + id));
        }
        Assert.Equal(200, (await Api.SendAsync(_hub.Client(petes), "GET", "hub/api/user")).Code);
    }

    [Fact]
    public async Task Change_password_works_and_rejects_a_wrong_current_password()
    {
        await _hub.SetPasswordAsync("cleo", "cleo-old-password");
        using var browser = new Browser(_hub);
        await browser.LoginAsync("cleo", "cleo-old-password");
        var form = await browser.GetAsync("hub/change-password");
        Assert.Equal(200, form.Status);
        Assert.Contains("<label for=\"current-password\">", form.Body, StringComparison.Ordinal);
        Assert.Contains("autocomplete=\"new-password\"", form.Body, StringComparison.Ordinal);

        var wrong = await browser.PostFormAsync("hub/change-password", ("_xsrf", Browser.XsrfOf(form.Body)),
            ("current_password", "not-the-password"), ("new_password", "cleo-new-password"), ("confirm_password", "cleo-new-password"));
        Assert.Equal(403, wrong.Status);
        Assert.Contains("<p class=\"alert error\" id=\"password-error\" role=\"alert\">The current password is not right.</p>", wrong.Body, StringComparison.Ordinal);
        var mismatch = await browser.PostFormAsync("hub/change-password", ("_xsrf", Browser.XsrfOf(form.Body)),
            ("current_password", "cleo-old-password"), ("new_password", "cleo-new-password"), ("confirm_password", "cleo-new-passwort"));
        Assert.Equal(400, mismatch.Status);
        Assert.Contains("not the same", mismatch.Body, StringComparison.Ordinal);
        var tooShort = await browser.PostFormAsync("hub/change-password", ("_xsrf", Browser.XsrfOf(form.Body)),
            ("current_password", "cleo-old-password"), ("new_password", "short"), ("confirm_password", "short"));
        Assert.Equal(400, tooShort.Status);
        Assert.Contains("too short", tooShort.Body, StringComparison.Ordinal);
        // Without the form's XSRF token the change is refused (the login cookie alone is not enough).
        var forged = await browser.PostFormAsync("hub/change-password",
            ("current_password", "cleo-old-password"), ("new_password", "forged-password-1"), ("confirm_password", "forged-password-1"));
        Assert.Equal(403, forged.Status);

        var changed = await browser.PostFormAsync("hub/change-password", ("_xsrf", Browser.XsrfOf(form.Body)),
            ("current_password", "cleo-old-password"), ("new_password", "cleo-new-password"), ("confirm_password", "cleo-new-password"));
        Assert.Equal(200, changed.Status);
        Assert.Contains("id=\"password-changed\"", changed.Body, StringComparison.Ordinal);

        // The new password signs in; the old and the forged ones do not.
        using var again = new Browser(_hub);
        await again.LoginAsync("cleo", "cleo-new-password");
        foreach (var old in new[] { "cleo-old-password", "forged-password-1" })
        {
            using var other = new Browser(_hub);
            var login = await other.GetAsync("hub/login");
            Assert.Equal(403, (await other.PostFormAsync("hub/login", ("username", "cleo"), ("password", old), ("_xsrf", Browser.XsrfOf(login.Body)))).Status);
        }
    }

    [Fact]
    public async Task Changing_the_password_ends_the_other_sessions_and_what_they_authorized_and_keeps_this_one()
    {
        await _hub.SetPasswordAsync("dora", "dora-old-password");
        using var here = new Browser(_hub);
        using var there = new Browser(_hub);
        await here.LoginAsync("dora", "dora-old-password");
        await there.LoginAsync("dora", "dora-old-password");
        Assert.Equal(200, (await there.GetAsync("hub/home")).Status);
        // What a server's OAuth issues to each session, and an API token (of no session), which a password change keeps.
        await using (var scope = _hub.Services.CreateAsyncScope())
        {
            var services = scope.ServiceProvider;
            await services.GetRequiredService<OAuthClients>().UpsertAsync("jupyterhub-user-dora", "client-secret-2", "/user/dora/oauth_callback",
                "Server at /user/dora/", ["access:servers!server=dora/"], Api.Ct);
            var dora = (await services.GetRequiredService<UserStore>().FindAsync("dora", Api.Ct))!;
            var now = TimeProvider.System.GetUtcNow().UtcDateTime;
            var tokens = services.GetRequiredService<TokenStore>();
            foreach (var (hash, session) in new[] { ("oauth-of-here", here.SessionId), ("oauth-of-there", there.SessionId) })
            {
                await tokens.CreateAsync(hash, "oaut", dora.Id, null, ["access:servers!server=dora/"], "Server at /user/dora/", session,
                    "jupyterhub-user-dora", now, now.AddDays(14), Api.Ct);
            }
        }
        var apiToken = await _hub.TokenForAsync("dora");

        var form = await here.GetAsync("hub/change-password");
        var changed = await here.PostFormAsync("hub/change-password", ("_xsrf", Browser.XsrfOf(form.Body)),
            ("current_password", "dora-old-password"), ("new_password", "dora-new-password"), ("confirm_password", "dora-new-password"));
        Assert.Equal(200, changed.Status);
        Assert.Contains("id=\"password-changed\"", changed.Body, StringComparison.Ordinal);
        Assert.Contains("your other browsers and devices were signed out", changed.Body, StringComparison.Ordinal);

        // The browser that changed it stays signed in; the other one is sent to the login page on its next request.
        Assert.Equal(200, (await here.GetAsync("hub/home")).Status);
        var refused = await there.GetAsync("hub/home");
        Assert.Equal(302, refused.Status);
        Assert.Contains("/hub/login?next=", refused.Location, StringComparison.Ordinal);
        await using (var scope = _hub.Services.CreateAsyncScope())
        {
            var tokens = scope.ServiceProvider.GetRequiredService<TokenStore>();
            Assert.NotNull(await tokens.FindByHashAsync("oauth-of-here", Api.Ct));
            Assert.Null(await tokens.FindByHashAsync("oauth-of-there", Api.Ct));
        }
        Assert.Equal(200, (await Api.SendAsync(_hub.Client(apiToken), "GET", "hub/api/user")).Code);
        // The other browser signs in again with the new password.
        await there.LoginAsync("dora", "dora-new-password");
        Assert.Equal(200, (await there.GetAsync("hub/home")).Status);
    }

    [GeneratedRegex("<code class=\"secret\" id=\"new-token\">([0-9a-f]{32})</code>")]
    private static partial Regex NewToken();

    [GeneratedRegex("<table id=\"api-tokens\"[\\s\\S]*?</table>")]
    private static partial Regex Table();

    [GeneratedRegex("name=\"token_id\" value=\"(a\\d+)\"")]
    private static partial Regex TokenRow();
}
