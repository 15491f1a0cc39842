using Greyhub.Abstractions.Authentication;
using Microsoft.Extensions.DependencyInjection;

namespace Greyhub.Hub.Tests;

/// <summary>
/// Browsers get styled error pages (404 for unknown paths anywhere, 403 for a forged form, 500 without a trace); the
/// API keeps JupyterHub's JSON errors, decided by the endpoint's metadata.
/// </summary>
public sealed class ErrorPageTests : IAsyncLifetime
{
    private const string Password = "errors-password-1";
    private HubInstance _hub = null!;

    public async ValueTask InitializeAsync()
    {
        _hub = await HubInstance.StartAsync();
        await _hub.SetPasswordAsync("oops", Password);
    }

    public async ValueTask DisposeAsync() => await _hub.DisposeAsync();

    [Theory]
    [InlineData("hub/no-such-page")]
    [InlineData("no/such/thing")]
    [InlineData("hub/static/missing.css")]
    [InlineData("hub/nothing.png")]
    public async Task Unknown_paths_get_the_styled_404_signed_in_or_not(string path)
    {
        var anonymous = await new Browser(_hub).GetAsync(path);
        Assert.Equal(404, anonymous.Status);
        Assert.Equal("text/html", anonymous.ContentType);
        Assert.Contains("<h1>Page not found</h1>", anonymous.Body, StringComparison.Ordinal);
        Assert.Contains("/hub/static/greyhub.css", anonymous.Body, StringComparison.Ordinal);
        Assert.Contains(">Sign in</a>", anonymous.Body, StringComparison.Ordinal);

        if (!path.StartsWith("hub/", StringComparison.Ordinal))
        {
            // The login cookie is scoped to /hub/: elsewhere everyone is anonymous.
            return;
        }
        using var browser = new Browser(_hub);
        await browser.LoginAsync("oops", Password);
        var signedIn = await browser.GetAsync(path);
        Assert.Equal(404, signedIn.Status);
        Assert.Contains("<h1>Page not found</h1>", signedIn.Body, StringComparison.Ordinal);
        Assert.Contains("<span id=\"current-user\">oops</span>", signedIn.Body, StringComparison.Ordinal);
        Assert.Contains(">Go to your home page</a>", signedIn.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_api_keeps_its_json_errors()
    {
        var missing = await Api.SendAsync(_hub.Client(_hub.AdminToken), "GET", "hub/api/no-such-endpoint");
        Assert.Equal(404, missing.Code);
        Assert.Equal(404, missing.Root.GetProperty("status").GetInt32());
        var refused = await Api.SendAsync(_hub.Client(), "GET", "hub/api/users");
        Assert.Equal(403, refused.Code);
        Assert.Equal(403, refused.Root.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task A_form_posted_without_its_xsrf_token_gets_the_styled_403_that_says_why()
    {
        using var browser = new Browser(_hub);
        await browser.LoginAsync("oops", Password);
        var forged = await browser.PostFormAsync("hub/token", ("note", "forged"));
        Assert.Equal(403, forged.Status);
        Assert.Equal("text/html", forged.ContentType);
        Assert.Contains("<h1>Forbidden</h1>", forged.Body, StringComparison.Ordinal);
        Assert.Contains("The form was not sent by this site", forged.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_error_route_single_user_servers_link_to_is_the_styled_page()
    {
        var page = await new Browser(_hub).GetAsync("hub/error/503");
        Assert.Equal(503, page.Status);
        Assert.Contains("<p class=\"code\" aria-hidden=\"true\">503</p>", page.Body, StringComparison.Ordinal);
        Assert.Contains("<h1>Service Unavailable</h1>", page.Body, StringComparison.Ordinal);
    }
}

/// <summary>An exception inside a page's handler: the 500 page, never the exception's text or a stack trace.</summary>
public sealed class ServerErrorPageTests
{
    [Fact]
    public async Task An_unhandled_exception_is_a_styled_500_without_a_trace()
    {
        await using var hub = await HubInstance.StartWithAsync(
            builder => builder.Services.AddScoped<IPasswordAuthenticator, BrokenAuthenticator>(), null);
        using var browser = new Browser(hub);
        var form = await browser.GetAsync("hub/login");
        var page = await browser.PostFormAsync("hub/login", ("username", "anyone"), ("password", "whatever"), ("_xsrf", Browser.XsrfOf(form.Body)));
        Assert.Equal(500, page.Status);
        Assert.Equal("text/html", page.ContentType);
        Assert.Contains("<h1>Something went wrong</h1>", page.Body, StringComparison.Ordinal);
        Assert.DoesNotContain(BrokenAuthenticator.Detail, page.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", page.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("BrokenAuthenticator", page.Body, StringComparison.Ordinal);
    }

    private sealed class BrokenAuthenticator : IPasswordAuthenticator
    {
        public const string Detail = "connection string with a secret in it";

        public string Name => "broken";

        public Task<AuthenticatedUser?> AuthenticateAsync(string userName, string password, CancellationToken cancellationToken) =>
            throw new InvalidOperationException(Detail);
    }
}
