using System.Security.Claims;
using System.Text.Encodings.Web;
using Greyhub.Data.Stores;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Auth;

/// <summary>
/// Authenticates <c>Authorization: token X</c> / <c>bearer X</c> with the hub's API tokens (hashed, with expiry and
/// scopes). An unknown, expired or revoked token is a failure, never a fallback to the cookie.
/// </summary>
internal sealed class TokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IdentityResolver resolver,
    TokenStore tokens,
    UserStore users,
    ShareStore shares) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!HubAuthentication.TryGetToken(Request, out var token))
        {
            return HubAuthentication.HasTokenHeader(Request) ? AuthenticateResult.Fail("Malformed token") : AuthenticateResult.NoResult();
        }
        var caller = await resolver.FromTokenAsync(token, tokens, users, shares, Context.RequestAborted);
        if (caller is null)
        {
            return AuthenticateResult.Fail("Invalid token");
        }
        var identity = new HubIdentity(caller, [new Claim(ClaimTypes.Name, caller.Name)], Scheme.Name);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
    }

    // The API answers JupyterHub's JSON errors itself (HubAuthorizationResultHandler); a bare 403 is what a token
    // caller gets anywhere else, never a redirect to the login page.
    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = 403;
        return Task.CompletedTask;
    }
}
