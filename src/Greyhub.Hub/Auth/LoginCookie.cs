using System.Security.Claims;
using Greyhub.Data.Stores;
using Greyhub.Abstractions.Authentication;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;

namespace Greyhub.Hub.Auth;

/// <summary>The login cookie scheme's settings.</summary>
internal static class LoginCookie
{
    public static void Configure(CookieAuthenticationOptions o, HubOptions hub)
    {
        o.Cookie.Name = HubCookies.Login;
        o.Cookie.Path = "/hub/";
        o.Cookie.HttpOnly = true;
        o.Cookie.SameSite = SameSiteMode.Lax;
        o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        o.ExpireTimeSpan = hub.CookieMaxAge;
        o.SlidingExpiration = true;
        o.LoginPath = "/hub/login";
        o.LogoutPath = "/hub/logout";
        o.ReturnUrlParameter = "next";
        o.EventsType = typeof(LoginCookieEvents);
    }
}

/// <summary>
/// Resolves the cookie's user and session to a caller with the user's current scopes; a deleted or blocked user is
/// signed out, and so is a cookie signed in with a password that has changed since (<see cref="PasswordStamp"/>).
/// </summary>
internal sealed class LoginCookieEvents(IdentityResolver resolver, UserStore users, ShareStore shares, IUserAuthRefresh refresh) : CookieAuthenticationEvents
{
    public override async Task ValidatePrincipal(CookieValidatePrincipalContext context)
    {
        var principal = context.Principal;
        if (principal?.Identity?.Name is not { } name)
        {
            context.RejectPrincipal();
            return;
        }
        var session = principal.FindFirstValue(HubAuthentication.SessionClaim) ?? "";
        // A cookie from before stamps existed has none: it is refused for a user with a password (signed in again once).
        var stamp = principal.FindFirstValue(PasswordStamp.Claim) ?? "";
        var caller = await resolver.FromSessionAsync(name, session, stamp, users, shares, context.HttpContext.RequestAborted);
        if (caller is null)
        {
            context.RejectPrincipal();
            return;
        }
        // The authenticator's refresh_user said the sign-in expired: signed out, as JupyterHub asks for a new login.
        if (caller.IsUser && !await refresh.CheckAsync(
            context.HttpContext.RequestServices.GetRequiredService<IPasswordAuthenticator>(), caller, context.HttpContext.RequestAborted))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(HubAuthentication.Cookie);
            return;
        }
        // The same claims as the cookie (a sliding renewal writes them back), plus the resolved caller.
        context.ReplacePrincipal(new ClaimsPrincipal(new HubIdentity(caller, principal.Claims, HubAuthentication.Cookie)));
    }
}
