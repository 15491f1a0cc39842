using System.Net;
using System.Text;
using System.Text.Json;
using Greyhub.Hub.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;

namespace Greyhub.Hub.Tests;

/// <summary>
/// Every route the hub maps, walked as an attacker would: each declares who may call it (endpoint metadata, never a
/// path comparison), and a request carrying only an admin's login cookie — no XSRF token, a foreign Origin — changes
/// nothing on any unsafe method, under any letter case or percent-encoding of its path.
/// </summary>
public sealed class RouteSecurityTests : IAsyncLifetime
{
    private const string Password = "walker-password-1";
    private HubInstance _hub = null!;
    private Browser _admin = null!;

    public async ValueTask InitializeAsync()
    {
        _hub = await HubInstance.StartAsync();
        await _hub.SetPasswordAsync("walker", Password, admin: true);
        _admin = new Browser(_hub);
        await _admin.LoginAsync("walker", Password);
    }

    public async ValueTask DisposeAsync()
    {
        _admin.Dispose();
        await _hub.DisposeAsync();
    }

    private IReadOnlyList<RouteEndpoint> Endpoints =>
        [.. _hub.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()];

    [Fact]
    public void Every_endpoint_declares_who_may_call_it()
    {
        var undeclared = Endpoints.Where(e =>
            e.Metadata.GetMetadata<IAllowAnonymous>() is null
            && e.Metadata.GetMetadata<ScopeRequirement>() is null
            && e.Metadata.GetMetadata<CallerRequirement>() is null
            && e.Metadata.GetMetadata<SignedInRequirement>() is null).Select(e => e.DisplayName).ToList();
        Assert.True(Endpoints.Count > 40, $"only {Endpoints.Count} endpoints found");
        Assert.Empty(undeclared);
    }

    [Fact]
    public async Task The_cookie_is_real_a_write_with_its_xsrf_token_succeeds()
    {
        // The control for the walk below: the same cookie with the XSRF header creates a user, so refusals there are the XSRF rule's.
        var xsrf = Browser.XsrfOf((await _admin.GetAsync("hub/home")).Body);
        var name = Api.Unique("control");
        using var request = new HttpRequestMessage(HttpMethod.Post, "hub/api/users/" + name) { Content = Json("{}") };
        request.Headers.Add("X-XSRFToken", xsrf);
        using var response = await _admin.Client.SendAsync(request, Api.Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task A_cookie_alone_changes_nothing_on_any_unsafe_route_in_any_spelling()
    {
        var before = await SnapshotAsync();
        var failures = new List<string>();
        var tried = 0;
        foreach (var endpoint in Endpoints)
        {
            var methods = endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IHttpMethodMetadata>()?.HttpMethods
                ?? ["POST", "PUT", "PATCH", "DELETE"];
            var path = Concrete(endpoint.RoutePattern);
            var anonymous = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null;
            foreach (var method in methods.Where(m => m is not ("GET" or "HEAD" or "OPTIONS")))
            {
                foreach (var variant in Spellings(path))
                {
                    tried++;
                    var withCookie = await SendAsync(Plain(), method, variant, cookies: CookieHeader);
                    if (anonymous)
                    {
                        // Open endpoints answer as they do to a stranger (the cookie counts for nothing), or refuse outright.
                        var without = await SendAsync(Plain(), method, variant);
                        if (withCookie.Status != without.Status && withCookie.Status != 403)
                        {
                            failures.Add($"{method} {variant}: {withCookie.Status} with the cookie, {without.Status} without");
                        }
                    }
                    else if (withCookie.Status is < 300 or >= 500 || (withCookie.Status is >= 300 and < 400 && !withCookie.Location.StartsWith("/hub/login", StringComparison.Ordinal)))
                    {
                        failures.Add($"{method} {variant}: {withCookie.Status} {withCookie.Location} {withCookie.Body[..Math.Min(200, withCookie.Body.Length)]}");
                    }
                }
            }
        }
        Assert.True(tried > 150, $"only {tried} requests tried");
        Assert.Empty(failures);
        Assert.Equal(before, await SnapshotAsync());
    }

    [Theory]
    [InlineData("hub/API/users/")]
    [InlineData("HUB/api/users/")]
    [InlineData("hub/%61pi/users/")]
    public async Task Api_rules_follow_the_route_not_its_spelling(string prefix)
    {
        var admin = _hub.Client(_hub.AdminToken);
        // The body limit: a 3 MB body is refused before it is stored, as JSON.
        var big = await SendAsync(admin, "POST", prefix + Api.Unique("big"), "{\"admin\": false, \"x\": \"" + new string('a', 3 << 20) + "\"}");
        Assert.Equal(413, big.Status);
        Assert.Equal(413, JsonDocument.Parse(big.Body).RootElement.GetProperty("status").GetInt32());
        // Bad JSON: JupyterHub's 400, never a 500 with a stack.
        var bad = await SendAsync(admin, "POST", prefix + Api.Unique("bad"), "{not json");
        Assert.Equal(400, bad.Status);
        Assert.Contains("Invalid JSON", JsonDocument.Parse(bad.Body).RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        // A cookie-only write: the XSRF error, as JSON.
        var forged = await SendAsync(Plain(), "POST", prefix + Api.Unique("forged"), "{\"admin\": true}", CookieHeader);
        Assert.Equal(403, forged.Status);
        Assert.Equal("'_xsrf' argument missing from POST", JsonDocument.Parse(forged.Body).RootElement.GetProperty("message").GetString());
    }

    /// <summary>The route with each parameter given a value that names real things where it matters (the admin itself).</summary>
    private static string Concrete(RoutePattern pattern)
    {
        var sb = new StringBuilder();
        foreach (var segment in pattern.PathSegments)
        {
            sb.Append('/');
            foreach (var part in segment.Parts)
            {
                sb.Append(part switch
                {
                    RoutePatternLiteralPart literal => literal.Content,
                    RoutePatternParameterPart { Name: "name" or "user" } => "walker",
                    RoutePatternParameterPart { Name: "tokenId" } => "a1",
                    RoutePatternParameterPart { Name: "code" } => "500",
                    RoutePatternParameterPart p => p.IsCatchAll ? "x/y" : "s1",
                    RoutePatternSeparatorPart s => s.Content,
                    _ => "",
                });
            }
        }
        if (pattern.RawText?.EndsWith('/') == true)
        {
            sb.Append('/');
        }
        return sb.ToString().TrimStart('/');
    }

    /// <summary>The path as written, upper-cased, with a capitalised segment, and with a percent-encoded letter.</summary>
    private static IEnumerable<string> Spellings(string path)
    {
        yield return path;
        yield return path.ToUpperInvariant();
        var segments = path.Split('/');
        if (segments.Length > 1)
        {
            yield return string.Join('/', segments.Select((s, i) => i == 1 && s.Length > 0 ? char.ToUpperInvariant(s[0]) + s[1..] : s));
            var letter = path.IndexOf('u', StringComparison.Ordinal);
            if (letter > 0)
            {
                yield return path[..letter] + "%75" + path[(letter + 1)..];
            }
        }
    }

    /// <summary>Every cookie the signed-in admin's browser holds for the hub's pages (login, session, XSRF).</summary>
    private string CookieHeader => _admin.Cookies.GetCookieHeader(new Uri(_hub.Address, "hub/"));

    /// <summary>A client without a cookie jar; nothing follows redirects.</summary>
    private HttpClient Plain() => _hub.Client();

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<(int Status, string Location, string Body)> SendAsync(HttpClient client, string method, string path,
        string body = "{\"admin\": true, \"usernames\": [\"forged-user\"], \"groups\": [\"forged-group\"]}", string? cookies = null)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = Json(body) };
        request.Headers.Add("Origin", "http://attacker.invalid");
        if (cookies is not null)
        {
            // Sent by hand: a cookie jar would withhold /hub/-scoped cookies from /HUB/..., hiding the spelling under test.
            request.Headers.Add("Cookie", cookies);
        }
        using var response = await client.SendAsync(request, Api.Ct);
        return ((int)response.StatusCode, response.Headers.Location?.OriginalString ?? "", await response.Content.ReadAsStringAsync(Api.Ct));
    }

    /// <summary>What a forged write could change: users (and who is admin), groups, the admin's tokens and servers.</summary>
    private async Task<string> SnapshotAsync()
    {
        var admin = _hub.Client(_hub.AdminToken);
        var users = (await admin.GetApiAsync("hub/api/users?include_stopped_servers=1")).Is(200).Root;
        var groups = (await admin.GetApiAsync("hub/api/groups")).Is(200).Root;
        var tokens = (await admin.GetApiAsync("hub/api/users/walker/tokens")).Is(200).Root;
        var summary = users.EnumerateArray()
            .Where(u => !u.GetProperty("name").GetString()!.StartsWith("control-", StringComparison.Ordinal))
            .Select(u => $"{u.GetProperty("name").GetString()}:{u.GetProperty("admin").GetBoolean()}:{u.GetProperty("servers").GetRawText()}");
        return string.Join(";", summary) + "|" + groups.GetRawText() + "|" + tokens.GetProperty("api_tokens").GetArrayLength();
    }
}
