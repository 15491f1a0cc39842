using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;

namespace Greyhub.Hub.Tests;

/// <summary>
/// The one layout every page shares (language, viewport, the hub's own stylesheet and icons, landmarks, navigation by
/// scope), the assets the hub serves itself, and the login page on it.
/// </summary>
public sealed partial class LayoutPageTests : IAsyncLifetime
{
    private const string Password = "layout-password-1";
    private HubInstance _hub = null!;

    public async ValueTask InitializeAsync()
    {
        _hub = await HubInstance.StartAsync();
        await _hub.SetPasswordAsync("lay", Password);
        await _hub.SetPasswordAsync("boss", Password, admin: true);
    }

    public async ValueTask DisposeAsync() => await _hub.DisposeAsync();

    [Fact]
    public async Task Login_page_is_the_layout_with_labelled_fields_and_nothing_from_elsewhere()
    {
        using var browser = new Browser(_hub);
        var page = await browser.GetAsync("hub/login");
        Assert.Equal(200, page.Status);
        Assert.Equal("text/html", page.ContentType);
        Assert.StartsWith("<!DOCTYPE html>", page.Body.TrimStart(), StringComparison.Ordinal);
        Assert.Contains("<html lang=\"en\">", page.Body, StringComparison.Ordinal);
        Assert.Contains("name=\"viewport\" content=\"width=device-width, initial-scale=1\"", page.Body, StringComparison.Ordinal);
        Assert.Matches("<link rel=\"stylesheet\" href=\"/hub/static/greyhub.css\\?v=[0-9a-f]{12}\" />", page.Body);
        Assert.Matches("<link rel=\"icon\" href=\"/hub/static/favicon.ico\\?v=[0-9a-f]{12}\"", page.Body);
        Assert.Contains("<main id=\"content\"", page.Body, StringComparison.Ordinal);
        Assert.Contains("<header class=\"site-header\">", page.Body, StringComparison.Ordinal);
        // Every input is named by a label.
        foreach (Match input in InputId().Matches(page.Body))
        {
            Assert.Contains($"<label for=\"{input.Groups[1].Value}\">", page.Body, StringComparison.Ordinal);
        }
        // Nothing but the hub itself: no other origin in any src or href, and a policy that says so.
        Assert.DoesNotMatch("(src|href)=\"(https?:)?//", page.Body);
        Assert.Contains("default-src 'self'", page.Header("Content-Security-Policy") ?? "", StringComparison.Ordinal);
        Assert.Contains("no-store", page.Header("Cache-Control") ?? "", StringComparison.Ordinal);
        // Anonymous: no navigation, no logout.
        Assert.DoesNotContain("id=\"logout\"", page.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"first-run\"", page.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_password_is_shown_clearly_on_the_form_with_the_name_kept()
    {
        using var browser = new Browser(_hub);
        var form = await browser.GetAsync("hub/login");
        var failed = await browser.PostFormAsync("hub/login", ("username", "lay"), ("password", "not it"), ("_xsrf", Browser.XsrfOf(form.Body)));
        Assert.Equal(403, failed.Status);
        Assert.Contains("<p class=\"alert error\" id=\"login-error\" role=\"alert\">Invalid username or password.</p>", failed.Body, StringComparison.Ordinal);
        Assert.Contains("value=\"lay\"", failed.Body, StringComparison.Ordinal);
        Assert.Contains("aria-describedby=\"login-error\"", failed.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_name_with_markup_is_encoded_never_run()
    {
        using var browser = new Browser(_hub);
        var form = await browser.GetAsync("hub/login");
        var failed = await browser.PostFormAsync("hub/login", ("username", "\"><script>alert(1)</script>"), ("password", "x"), ("_xsrf", Browser.XsrfOf(form.Body)));
        Assert.DoesNotContain("<script>alert(1)", failed.Body, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", failed.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Navigation_shows_admin_only_with_admin_ui_and_the_users_name_on_logout()
    {
        using var user = new Browser(_hub);
        await user.LoginAsync("lay", Password);
        var home = await user.GetAsync("hub/change-password");
        Assert.Contains("<nav class=\"site-nav\" aria-label=\"Main\">", home.Body, StringComparison.Ordinal);
        Assert.Contains("aria-current=\"page\">Change password</a>", home.Body, StringComparison.Ordinal);
        Assert.Contains("<span id=\"current-user\">lay</span>", home.Body, StringComparison.Ordinal);
        Assert.Contains("id=\"nav-change-password\"", home.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"nav-admin\"", home.Body, StringComparison.Ordinal);

        using var admin = new Browser(_hub);
        await admin.LoginAsync("boss", Password);
        Assert.Contains("id=\"nav-admin\" href=\"/hub/admin\"", (await admin.GetAsync("hub/change-password")).Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("hub/favicon.ico")]
    [InlineData("favicon.ico")]
    public async Task The_favicon_is_served_as_an_icon(string path)
    {
        using var response = await _hub.Client().GetAsync(path, Api.Ct);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("image/x-icon", response.Content.Headers.ContentType?.MediaType);
        var bytes = await response.Content.ReadAsByteArrayAsync(Api.Ct);
        Assert.Equal([0, 0, 1, 0], bytes[..4]);
        Assert.NotNull(response.Headers.ETag);
    }

    [Fact]
    public async Task The_stylesheet_is_cached_for_a_year_only_under_its_version()
    {
        var login = await new Browser(_hub).GetAsync("hub/login");
        var href = StylesheetHref().Match(login.Body).Groups[1].Value;
        using var versioned = await _hub.Client().GetAsync(href.TrimStart('/'), Api.Ct);
        Assert.Equal(200, (int)versioned.StatusCode);
        Assert.Equal("text/css", versioned.Content.Headers.ContentType?.MediaType);
        Assert.Contains("immutable", versioned.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
        Assert.Contains("--accent", await versioned.Content.ReadAsStringAsync(Api.Ct), StringComparison.Ordinal);
        using var bare = await _hub.Client().GetAsync("hub/static/greyhub.css", Api.Ct);
        Assert.Equal("no-cache", bare.Headers.CacheControl?.ToString());
    }

    [GeneratedRegex("<input id=\"([^\"]+)\"")]
    private static partial Regex InputId();

    [GeneratedRegex("<link rel=\"stylesheet\" href=\"([^\"]+)\"")]
    private static partial Regex StylesheetHref();
}

/// <summary>A hub with no user at all: the login page says how to create the first administrator.</summary>
public sealed class FirstRunPageTests
{
    [Fact]
    public async Task With_no_users_the_login_page_explains_how_to_create_the_first_admin()
    {
        await using var hub = await HubInstance.StartAsync();
        // The fixture's own admin (it holds the test's token) is the only user: remove it for this test.
        await using (var scope = hub.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<Greyhub.Data.Stores.UserStore>().DeleteAsync("admin", Api.Ct);
        }
        var page = await new Browser(hub).GetAsync("hub/login");
        Assert.Equal(200, page.Status);
        Assert.Contains("id=\"first-run\"", page.Body, StringComparison.Ordinal);
        Assert.Contains("greyhub users add --admin NAME", page.Body, StringComparison.Ordinal);
        Assert.Contains("Greyhub:Authenticator:InitialAdmin:Name", page.Body, StringComparison.Ordinal);

        await hub.SetPasswordAsync("first", "first-password-1", admin: true);
        Assert.DoesNotContain("id=\"first-run\"", (await new Browser(hub).GetAsync("hub/login")).Body, StringComparison.Ordinal);
    }
}
