using Greyhub.Hub.Auth;
using Greyhub.Hub.Login;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OAuth;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Greyhub.Hub.Upstream;

/// <summary>
/// One ASP.NET OpenID Connect scheme per configured provider, named <c>greyhub-oidc-NAME</c>. The handler does the
/// protocol (discovery, code flow with PKCE, id_token signature, issuer, audience, nonce and lifetime); the hub only maps
/// the validated claims to a user (<see cref="UpstreamLoginEvents"/>).
/// </summary>
internal static class UpstreamSchemes
{
    private const string Prefix = "greyhub-oidc-";

    public static string Scheme(string provider) => Prefix + provider;

    public static UpstreamProviderOptions? Provider(UpstreamLoginOptions options, string scheme) =>
        scheme.StartsWith(Prefix, StringComparison.Ordinal) ? options.Find(scheme[Prefix.Length..]) : null;

    /// <summary>Adds each provider's scheme to the authentication options (read once, when the scheme provider starts).</summary>
    public static void AddSchemes(AuthenticationOptions authentication, UpstreamLoginOptions upstream)
    {
        foreach (var provider in upstream.AllProviders())
        {
            var oauth2 = upstream.IsOAuth2(provider);
            authentication.AddScheme(Scheme(provider.Name), scheme =>
            {
                scheme.HandlerType = oauth2 ? typeof(OAuthHandler<OAuthOptions>) : typeof(OpenIdConnectHandler);
                scheme.DisplayName = provider.Label();
            });
        }
    }

    /// <summary>
    /// A query-string callback is a top-level GET from the provider, so SameSite=Lax correlation and nonce cookies come
    /// back over plain http on loopback too; form_post would need SameSite=None, hence Secure.
    /// </summary>
    public static void LaxCookies(params CookieBuilder[] cookies)
    {
        foreach (var cookie in cookies)
        {
            cookie.SameSite = SameSiteMode.Lax;
            cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.Path = "/hub/";
        }
    }
}

/// <summary>Configures the named <see cref="OpenIdConnectOptions"/> of each provider's scheme from its settings.</summary>
internal sealed class UpstreamOpenIdConnectSetup(IOptions<UpstreamLoginOptions> upstream) : IConfigureNamedOptions<OpenIdConnectOptions>
{
    public void Configure(OpenIdConnectOptions options) => Configure(Options.DefaultName, options);

    public void Configure(string? name, OpenIdConnectOptions o)
    {
        if (name is null || UpstreamSchemes.Provider(upstream.Value, name) is not { } provider || upstream.Value.IsOAuth2(provider))
        {
            return;
        }
        var issuer = new Uri(provider.Issuer);
        o.Authority = provider.Issuer;
        o.RequireHttpsMetadata = issuer.Scheme == Uri.UriSchemeHttps;
        o.ClientId = provider.ClientId;
        o.ClientSecret = provider.ClientSecret.Length > 0 ? provider.ClientSecret : null;
        o.ResponseType = OpenIdConnectResponseType.Code;
        o.UsePkce = true;
        // A query-string callback is a top-level GET from the provider, so SameSite=Lax correlation and nonce cookies
        // come back over plain http on loopback too; form_post would need SameSite=None, hence Secure.
        o.ResponseMode = OpenIdConnectResponseMode.Query;
        o.Scope.Clear();
        foreach (var scope in provider.Scopes.Append("openid").Distinct(StringComparer.Ordinal))
        {
            o.Scope.Add(scope);
        }
        o.CallbackPath = $"/hub/oidc/{provider.Name}/callback";
        // Each scheme watches its own paths: the defaults (/signout-oidc, ...) would be shared by every provider.
        o.SignedOutCallbackPath = $"/hub/oidc/{provider.Name}/signout-callback";
        o.RemoteSignOutPath = $"/hub/oidc/{provider.Name}/signout";
        o.SignInScheme = HubAuthentication.Cookie;
        o.MapInboundClaims = false;
        o.GetClaimsFromUserInfoEndpoint = provider.GetClaimsFromUserInfo;
        // Userinfo claims as they come (arrays as JSON text), skipping those the id_token already carried.
        o.ClaimActions.MapAll();
        o.SaveTokens = true;
        o.TokenValidationParameters.NameClaimType = provider.UsernameClaim;
        o.TokenHandler = new SignedIdTokenHandler();
        UpstreamSchemes.LaxCookies(o.CorrelationCookie, o.NonceCookie);
        o.EventsType = typeof(UpstreamLoginEvents);
        o.BackchannelTimeout = TimeSpan.FromSeconds(30);
    }
}

/// <summary>
/// Configures the named <see cref="OAuthOptions"/> of each plain OAuth2 provider (GitHub): the endpoints given, the code
/// flow with PKCE, the tokens kept for <c>auth_state</c>; the user comes from the userinfo document
/// (<see cref="UpstreamOAuthEvents"/>).
/// </summary>
internal sealed class UpstreamOAuthSetup(IOptions<UpstreamLoginOptions> upstream) : IConfigureNamedOptions<OAuthOptions>
{
    public void Configure(OAuthOptions options) => Configure(Options.DefaultName, options);

    public void Configure(string? name, OAuthOptions o)
    {
        if (name is null || UpstreamSchemes.Provider(upstream.Value, name) is not { } provider || !upstream.Value.IsOAuth2(provider))
        {
            return;
        }
        o.ClientId = provider.ClientId;
        o.ClientSecret = provider.ClientSecret;
        o.AuthorizationEndpoint = provider.AuthorizationEndpoint;
        o.TokenEndpoint = provider.TokenEndpoint;
        o.UserInformationEndpoint = provider.UserInfoEndpoint;
        o.UsePkce = true;
        o.Scope.Clear();
        foreach (var scope in provider.Scopes.Distinct(StringComparer.Ordinal))
        {
            o.Scope.Add(scope);
        }
        o.CallbackPath = $"/hub/oidc/{provider.Name}/callback";
        o.SignInScheme = HubAuthentication.Cookie;
        o.SaveTokens = true;
        UpstreamSchemes.LaxCookies(o.CorrelationCookie);
        o.EventsType = typeof(UpstreamOAuthEvents);
        o.BackchannelTimeout = TimeSpan.FromSeconds(30);
    }
}
