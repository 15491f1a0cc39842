using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Greyhub.Hub.Tests;

/// <summary>
/// A hub with two third-party OpenID clients, and one of them running: a small ASP.NET Core app on loopback signing
/// users in with the standard OpenID Connect handler through the hub's discovery document (<c>dash</c>, confidential,
/// may ask for groups). <c>cli</c> is a public client (PKCE) that may ask only for <c>openid profile</c>.
/// </summary>
public sealed class OpenIdHub : IAsyncLifetime
{
    public const string DashSecret = "dash-secret-0123456789";
    public const string CliRedirect = "http://127.0.0.1:1/cb";

    private WebApplication _app = null!;

    public HubInstance Hub { get; private set; } = null!;

    /// <summary>The third-party app's address.</summary>
    public Uri App { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        // The app first: the hub must know its redirect URI, and the app reads the hub's discovery document only at the first login.
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddAuthentication(o =>
            {
                o.DefaultScheme = "app";
                o.DefaultChallengeScheme = "greyhub";
            })
            .AddCookie("app", o => o.Cookie.Name = "third-party-app")
            .AddOpenIdConnect("greyhub", o =>
            {
                o.ClientId = "dash";
                o.ClientSecret = DashSecret;
                o.RequireHttpsMetadata = false;
                o.ResponseType = "code";
                o.ResponseMode = "query";
                o.UsePkce = true;
                o.Scope.Clear();
                foreach (var scope in new[] { "openid", "profile", "groups" })
                {
                    o.Scope.Add(scope);
                }
                o.MapInboundClaims = false;
                o.GetClaimsFromUserInfoEndpoint = true;
                o.SaveTokens = true;
                // Plain http on loopback: the correlation and nonce cookies cannot be Secure here.
                o.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.CorrelationCookie.SameSite = SameSiteMode.Lax;
                o.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.NonceCookie.SameSite = SameSiteMode.Lax;
            });
        builder.Services.AddOptions<Microsoft.AspNetCore.Authentication.OpenIdConnect.OpenIdConnectOptions>("greyhub")
            .Configure(o => o.Authority = Hub.Address + "hub/");
        _app = builder.Build();
        _app.UseAuthentication();
        _app.MapGet("/login", () => Results.Challenge(new AuthenticationProperties { RedirectUri = "/me" }, ["greyhub"]));
        _app.MapGet("/me", async (HttpContext context) =>
        {
            var result = await context.AuthenticateAsync("app");
            if (!result.Succeeded)
            {
                return Results.Unauthorized();
            }
            return Results.Json(new
            {
                claims = result.Principal!.Claims.Select(c => new[] { c.Type, c.Value }).ToArray(),
                access_token = result.Properties!.GetTokenValue("access_token"),
                id_token = result.Properties.GetTokenValue("id_token"),
            });
        });
        await _app.StartAsync();
        App = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/");
        Hub = await HubInstance.StartAsync(
            "Greyhub:OpenIdProvider:Clients:0:ClientId=dash",
            "Greyhub:OpenIdProvider:Clients:0:ClientSecret=" + DashSecret,
            "Greyhub:OpenIdProvider:Clients:0:Description=Dashboard",
            "Greyhub:OpenIdProvider:Clients:0:RedirectUris:0=" + App + "signin-oidc",
            "Greyhub:OpenIdProvider:Clients:1:ClientId=cli",
            "Greyhub:OpenIdProvider:Clients:1:Public=true",
            "Greyhub:OpenIdProvider:Clients:1:RedirectUris:0=" + CliRedirect,
            "Greyhub:OpenIdProvider:Clients:1:AllowedScopes:0=openid",
            "Greyhub:OpenIdProvider:Clients:1:AllowedScopes:1=profile");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        await Hub.DisposeAsync();
    }

    /// <summary>A user in a group, signed in to the hub.</summary>
    public async Task<(string User, string Group, Browser Browser)> MemberAsync(string prefix)
    {
        var user = await OAuthTesting.UserAsync(Hub, prefix);
        var group = Api.Unique("physics");
        (await Hub.Client(Hub.AdminToken).PostApiAsync($"hub/api/groups/{group}", new { users = new[] { user } })).Is(201);
        return (user, group, await OAuthTesting.SignedInAsync(Hub, user));
    }

    /// <summary>A PKCE pair: the verifier and its S256 challenge.</summary>
    public static (string Verifier, string Challenge) Pkce()
    {
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        return (verifier, Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
    }

    public static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The claims of a JWT, read without checking it (the tests that need checking use the OIDC handler).</summary>
    public static JsonElement Payload(string jwt)
    {
        var part = jwt.Split('.')[1].Replace('-', '+').Replace('_', '/');
        return JsonDocument.Parse(Convert.FromBase64String(part.PadRight(part.Length + (4 - part.Length % 4) % 4, '='))).RootElement.Clone();
    }

    public static JsonElement Header(string jwt)
    {
        var part = jwt.Split('.')[0].Replace('-', '+').Replace('_', '/');
        return JsonDocument.Parse(Convert.FromBase64String(part.PadRight(part.Length + (4 - part.Length % 4) % 4, '='))).RootElement.Clone();
    }

    /// <summary>The public client's authorize URL.</summary>
    public static string CliAuthorizeUrl(string challenge, string scope = "openid profile groups", string state = "cli-state", string redirect = CliRedirect) =>
        "hub/api/oauth2/authorize?client_id=cli&response_type=code&scope=" + Uri.EscapeDataString(scope) + "&redirect_uri=" + Uri.EscapeDataString(redirect)
        + "&state=" + state + "&nonce=n-1" + (challenge.Length > 0 ? "&code_challenge=" + challenge + "&code_challenge_method=S256" : "");

    /// <summary>Takes the public client through consent; returns the code from the redirect.</summary>
    public static async Task<string> CliCodeAsync(Browser browser, string challenge, string scope = "openid profile groups")
    {
        var url = CliAuthorizeUrl(challenge, scope);
        var consent = await browser.GetAsync(url);
        Assert.True(consent.Status == 200, $"consent: {consent}");
        var authorized = await browser.PostFormAsync(url, ("_xsrf", Browser.XsrfOf(consent.Body)), ("decision", "authorize"));
        Assert.True(authorized.Status == 302, $"authorize: {authorized}");
        Assert.StartsWith(CliRedirect + "?", authorized.Location);
        Assert.Equal("cli-state", authorized.LocationQuery["state"]);
        return authorized.LocationQuery["code"];
    }

    public Task<ApiResponse> CliTokenAsync(string code, string? verifier) =>
        OAuthTesting.PostTokenAsync(Hub.Client(), [("client_id", "cli"), ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", CliRedirect),
            .. verifier is null ? Array.Empty<(string, string)>() : [("code_verifier", verifier)]]);
}
