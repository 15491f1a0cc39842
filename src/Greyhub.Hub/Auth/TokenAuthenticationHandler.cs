using System.Security.Claims;
using System.Text.Encodings.Web;
using Greyhub.Abstractions.Authentication;
using Greyhub.Data.Stores;
using Microsoft.Extensions.DependencyInjection;
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
    ShareStore shares,
    IUserAuthRefresh refresh) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
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
        // As JupyterHub's get_current_user: a token's user whose authentication expired (refresh_user) is not authenticated.
        if (caller.IsUser && !await refresh.CheckAsync(Context.RequestServices.GetRequiredService<IPasswordAuthenticator>(), caller, Context.RequestAborted))
        {
            return AuthenticateResult.Fail("Authentication expired: sign in again");
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
