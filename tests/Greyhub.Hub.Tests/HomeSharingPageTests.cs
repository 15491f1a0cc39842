using System.Net;
using System.Text.RegularExpressions;
using Greyhub.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Greyhub.Hub.Tests;

/// <summary>
/// The home page's services list and sharing forms, and the accept-share page, read as a browser reads them (cookies,
/// anti-forgery tokens, redirects): services shown by <c>display</c> and access; a share made, listed, seen by the other
/// user and revoked; an invitation made, shown once, accepted, and refused once expired or unknown; someone without
/// <c>shares</c> sees no forms and is refused by the form endpoint.
/// </summary>
public sealed partial class HomeSharingPageTests : IAsyncLifetime
{
    private const string Password = "sharing-password-1";
    private HubInstance _hub = null!;

    public async ValueTask InitializeAsync()
    {
        _hub = await HubInstance.StartAsync(
            // hana may share (as JupyterHub 5: shares!user and reading names are granted by a role); nemo and olga may not.
            "Greyhub:Roles:0:Name=sharers", "Greyhub:Roles:0:Users:0=hana", "Greyhub:Roles:0:Scopes:0=shares!user",
            "Greyhub:Roles:0:Scopes:1=read:users:name", "Greyhub:Roles:0:Scopes:2=read:groups:name",
            "Greyhub:Roles:1:Name=docs-readers", "Greyhub:Roles:1:Users:0=hana",
            "Greyhub:Roles:1:Scopes:0=access:services!service=docs", "Greyhub:Roles:1:Scopes:1=access:services!service=hidden",
            // Three services with URLs: shown, shown but not accessible to hana, accessible but not displayed.
            "Greyhub:Services:0:Name=docs", "Greyhub:Services:0:Url=http://127.0.0.1:9/",
            "Greyhub:Services:1:Name=grading", "Greyhub:Services:1:Url=http://127.0.0.1:9/",
            "Greyhub:Services:2:Name=hidden", "Greyhub:Services:2:Url=http://127.0.0.1:9/", "Greyhub:Services:2:Display=false");
        foreach (var user in new[] { "hana", "nemo", "olga" })
        {
            await _hub.SetPasswordAsync(user, Password);
        }
    }

    public async ValueTask DisposeAsync() => await _hub.DisposeAsync();

    [Fact]
    public async Task The_home_page_lists_the_displayed_services_the_user_may_access()
    {
        using var hana = await SignedInAsync("hana");
        var home = (await hana.GetAsync("hub/home")).Body;
        Assert.Contains("<h2 id=\"services-heading\">Services</h2>", home, StringComparison.Ordinal);
        Assert.Contains("<a id=\"service-docs\" href=\"/services/docs/\">docs</a>", home, StringComparison.Ordinal);
        Assert.DoesNotContain("service-grading", home, StringComparison.Ordinal);
        Assert.DoesNotContain("service-hidden", home, StringComparison.Ordinal);

        // nemo may access none of them: no list at all.
        using var nemo = await SignedInAsync("nemo");
        Assert.DoesNotContain("services-heading", (await nemo.GetAsync("hub/home")).Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_share_made_on_the_home_page_is_listed_seen_by_the_other_user_and_revoked()
    {
        using var hana = await SignedInAsync("hana");
        var home = (await hana.GetAsync("hub/home")).Body;
        Assert.Contains("id=\"share-form-default\"", home, StringComparison.Ordinal);
        Assert.Contains("id=\"shares-none-default\"", home, StringComparison.Ordinal);

        // Without the page's token the form is refused and nothing is shared.
        var forged = await hana.PostFormAsync("hub/home/share/hana", ("action", "grant"), ("kind", "user"), ("with", "nemo"), ("scopes", "access:servers"));
        Assert.Equal(403, forged.Status);
        Assert.Contains("The form was not sent by this site", forged.Body, StringComparison.Ordinal);

        var shared = await hana.PostFormAsync("hub/home/share/hana",
            ("_xsrf", Browser.XsrfOf(home)), ("action", "grant"), ("kind", "user"), ("with", "nemo"), ("scopes", "access:servers"));
        Assert.Equal(200, shared.Status);
        Assert.Contains("Shared with nemo: access:servers!server=hana/.", shared.Body, StringComparison.Ordinal);
        Assert.Contains("data-share=\"user:nemo\"", shared.Body, StringComparison.Ordinal);
        Assert.Contains("<code>access:servers!server=hana/</code>", shared.Body, StringComparison.Ordinal);

        // The same share through the REST API: the form called the same rules.
        var api = _hub.Client(await _hub.TokenForAsync("hana"));
        var listed = (await api.GetApiAsync("hub/api/shares/hana/")).Is(200).Root;
        Assert.Equal("nemo", Assert.Single(listed.EnumerateArray()).GetProperty("user").GetProperty("name").GetString());

        using var nemo = await SignedInAsync("nemo");
        var nemoHome = (await nemo.GetAsync("hub/home")).Body;
        Assert.Contains("data-shared=\"hana\"", nemoHome, StringComparison.Ordinal);
        Assert.Contains("href=\"/user/hana/\"", nemoHome, StringComparison.Ordinal);
        // nemo has no shares scope: no sharing section, and the form endpoint refuses him even with a good token.
        Assert.DoesNotContain("id=\"sharing\"", nemoHome, StringComparison.Ordinal);
        var refused = await nemo.PostFormAsync("hub/home/share/nemo",
            ("_xsrf", Browser.XsrfOf(nemoHome)), ("action", "grant"), ("kind", "user"), ("with", "hana"), ("scopes", "access:servers"));
        Assert.Equal(403, refused.Status);
        var notHis = await nemo.PostFormAsync("hub/home/share/hana",
            ("_xsrf", Browser.XsrfOf(nemoHome)), ("action", "revoke"), ("kind", "user"), ("with", "nemo"));
        Assert.Equal(403, notHis.Status);

        // A scope the page does not offer, and an unknown user, are errors shown in the panel.
        var odd = await hana.PostFormAsync("hub/home/share/hana",
            ("_xsrf", Browser.XsrfOf(home)), ("action", "grant"), ("kind", "user"), ("with", "nemo"), ("scopes", "admin:users"));
        Assert.Equal(400, odd.Status);
        Assert.Contains("admin:users is not a scope this page shares.", odd.Body, StringComparison.Ordinal);
        var nobody = await hana.PostFormAsync("hub/home/share/hana",
            ("_xsrf", Browser.XsrfOf(home)), ("action", "grant"), ("kind", "user"), ("with", "zed"), ("scopes", "access:servers"));
        Assert.Equal(400, nobody.Status);
        Assert.Contains("No such user: zed", nobody.Body, StringComparison.Ordinal);

        var revoked = await hana.PostFormAsync("hub/home/share/hana", ("_xsrf", Browser.XsrfOf(home)), ("action", "revoke"), ("kind", "user"), ("with", "nemo"));
        Assert.Equal(200, revoked.Status);
        Assert.Contains("nemo no longer has access.", revoked.Body, StringComparison.Ordinal);
        Assert.Empty((await api.GetApiAsync("hub/api/shares/hana/")).Is(200).Root.EnumerateArray());
        Assert.Contains("id=\"shared-none\"", (await nemo.GetAsync("hub/home")).Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invitation_is_shown_once_accepted_on_the_accept_page_and_refused_when_expired_or_unknown()
    {
        using var hana = await SignedInAsync("hana");
        var home = (await hana.GetAsync("hub/home")).Body;
        var made = await hana.PostFormAsync("hub/home/share/hana", ("_xsrf", Browser.XsrfOf(home)), ("action", "code"), ("expires_in", "3600"), ("scopes", "access:servers"));
        Assert.Equal(200, made.Status);
        var link = AcceptLink().Match(made.Body);
        Assert.True(link.Success, "no invitation link on the page after making one");
        var accept = new Uri(WebUtility.HtmlDecode(link.Groups[1].Value));
        Assert.Equal(_hub.Address.Authority, accept.Authority);
        Assert.Equal("/hub/accept-share", accept.AbsolutePath);
        // Shown once: the next visit lists the invitation by id, never its link.
        var again = (await hana.GetAsync("hub/home")).Body;
        Assert.Matches("data-code=\"sc_\\d+\"", again);
        Assert.DoesNotContain(accept.Query, again, StringComparison.Ordinal);

        // Not signed in: the login page first, which comes back to the invitation.
        using var olga = new Browser(_hub);
        var toLogin = await olga.GetAsync(accept.PathAndQuery);
        Assert.Equal(302, toLogin.Status);
        var login = new Uri(_hub.Address, toLogin.Location).PathAndQuery;
        Assert.StartsWith("/hub/login?next=", login, StringComparison.Ordinal);
        var back = await olga.LoginAsync("olga", Password, Uri.UnescapeDataString(login["/hub/login?next=".Length..]));
        Assert.Equal(accept.PathAndQuery, back);

        var page = await olga.GetAsync(back);
        Assert.Equal(200, page.Status);
        Assert.Contains("<strong id=\"accept-owner\">hana</strong>", page.Body, StringComparison.Ordinal);
        Assert.Contains("<code class=\"muted\">access:servers</code> (applies to server hana/)", page.Body, StringComparison.Ordinal);
        Assert.Contains("id=\"accept-not-running\"", page.Body, StringComparison.Ordinal);
        var code = Uri.UnescapeDataString(accept.Query["?code=".Length..]);
        Assert.Equal(403, (await olga.PostFormAsync("hub/accept-share", ("code", code))).Status);
        var accepted = await olga.PostFormAsync("hub/accept-share", ("_xsrf", Browser.XsrfOf(page.Body)), ("code", code));
        Assert.Equal(302, accepted.Status);
        Assert.Equal("/user/hana/", accepted.Location);
        Assert.Contains("data-shared=\"hana\"", (await olga.GetAsync("hub/home")).Body, StringComparison.Ordinal);

        // The owner cannot accept their own; an unknown code and an expired one get pages that say so.
        var own = await hana.GetAsync(accept.PathAndQuery);
        Assert.Equal(400, own.Status);
        Assert.Contains("This is your own server", own.Body, StringComparison.Ordinal);
        var unknown = await olga.GetAsync("hub/accept-share?code=not-a-code");
        Assert.Equal(404, unknown.Status);
        Assert.Contains("This invitation is not valid", unknown.Body, StringComparison.Ordinal);
        var none = await olga.GetAsync("hub/accept-share");
        Assert.Equal(400, none.Status);
        await using (var scope = _hub.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<HubDbContext>();
            await db.ShareCodes.ExecuteUpdateAsync(s => s.SetProperty(c => c.ExpiresAt, TimeProvider.System.GetUtcNow().UtcDateTime.AddMinutes(-1)), Api.Ct);
        }
        var expired = await olga.GetAsync(accept.PathAndQuery);
        Assert.Equal(404, expired.Status);
        Assert.Contains("This invitation has expired", expired.Body, StringComparison.Ordinal);
        var late = await olga.PostFormAsync("hub/accept-share", ("_xsrf", Browser.XsrfOf(page.Body)), ("code", code));
        Assert.Equal(404, late.Status);
    }

    private async Task<Browser> SignedInAsync(string user)
    {
        var browser = new Browser(_hub);
        await browser.LoginAsync(user, Password);
        return browser;
    }

    [GeneratedRegex("<input id=\"accept-url-default\" class=\"copy-source\" type=\"text\" readonly value=\"([^\"]+)\"")]
    private static partial Regex AcceptLink();
}
