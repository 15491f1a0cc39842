using Greyhub.Abstractions.Authentication;
using Greyhub.Data.Stores;
using Greyhub.Hub.ApiModels;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Http;
using Greyhub.Hub.Users;
using Greyhub.Scopes;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Tokens;

/// <summary>
/// JupyterHub's deprecated <c>/hub/api/authorizations</c> endpoints, for HubAuth clients older than JupyterHub 2.0:
/// <c>GET token/{token}</c> (who a token belongs to) and <c>GET cookie/{name}/{value}</c> (who a login cookie belongs
/// to), both still served by JupyterHub 5 in favour of <c>GET /hub/api/user</c>; <c>POST token</c>, removed in 2.0,
/// answers 404 with JupyterHub's pointer to the tokens API.
/// </summary>
internal static class AuthorizationsApi
{
    public static IEndpointRouteBuilder MapAuthorizationsApi(this IEndpointRouteBuilder api)
    {
        // No scope of its own, as in JupyterHub: any token-authenticated caller may ask, and sees the owner's model
        // through its own scopes plus the owner's identify scopes.
        api.MapGet("/authorizations/token/{token}", GetAsync).RequireCaller();
        api.MapGet("/authorizations/cookie/{cookieName}/{cookieValue}", CookieAsync).RequireCaller();
        api.MapPost("/authorizations/token", () => Task.FromException<IResult>(ApiException.NotFound(
            "Deprecated endpoint /hub/api/authorizations/token is removed in JupyterHub 2.0. Use /hub/api/users/:user/tokens instead.")))
            .AllowAnonymous();
        return api;
    }

    private static async Task<IResult> CookieAsync(HttpContext context, string cookieName, string cookieValue, IOptionsMonitor<CookieAuthenticationOptions> cookies,
        TimeProvider time, [AsParameters] Lookup lookup)
    {
        if (context.Caller().ViaCookie)
        {
            throw ApiException.Forbidden();
        }
        // Only the hub's login cookie names a user; one that does not unprotect, has expired, or whose session has
        // ended (logout, a password change, a deleted or blocked user) is "not found", as in JupyterHub.
        if (cookieName != HubCookies.Login
            || cookies.Get(HubAuthentication.Cookie).TicketDataFormat.Unprotect(cookieValue) is not { } ticket
            || ticket.Properties.ExpiresUtc < time.GetUtcNow()
            || ticket.Principal.Identity?.Name is not { } name
            || await lookup.Resolver.FromSessionAsync(name, ticket.Principal.FindFirstValue(HubAuthentication.SessionClaim) ?? "",
                ticket.Principal.FindFirstValue(PasswordStamp.Claim) ?? "", lookup.UserStore, lookup.Shares,
                context.RequestAborted) is not { } owner
            || !await lookup.Refresh.CheckAsync(lookup.Authenticator, owner, context.RequestAborted)
            || await lookup.Users.FindAsync(name, context.RequestAborted) is not { } user)
        {
            throw ApiException.NotFound();
        }
        var scopes = context.Caller().Scopes;
        return JsonResult.Ok(w => lookup.Models.WriteUser(w, user, scopes, includeStopped: false));
    }

    private static async Task<IResult> GetAsync(HttpContext context, string token, [AsParameters] Lookup lookup)
    {
        var caller = context.Caller();
        if (caller.ViaCookie)
        {
            // JupyterHub's @token_authenticated: a browser session may not look tokens up.
            throw ApiException.Forbidden();
        }
        // Unknown, expired or revoked tokens and those of blocked users or removed services are all "not found"; the
        // lookup records the token's activity, as JupyterHub does.
        var owner = await lookup.Resolver.FromTokenAsync(token, lookup.Tokens, lookup.UserStore, lookup.Shares, context.RequestAborted)
            ?? throw ApiException.NotFound();
        // A user whose sign-in the authenticator says expired (refresh_user) is not found either, as on every other route.
        if (owner.IsUser && !await lookup.Refresh.CheckAsync(lookup.Authenticator, owner, context.RequestAborted))
        {
            throw ApiException.NotFound();
        }
        if (owner.IsUser)
        {
            var user = await lookup.Users.FindAsync(owner.Name, context.RequestAborted) ?? throw ApiException.NotFound();
            var scopes = caller.Scopes.Union(TokenScopes.IdentifyScopes(ScopeOwner.User(user.Name, user.Groups)));
            return JsonResult.Ok(w => lookup.Models.WriteUser(w, user, scopes, includeStopped: false));
        }
        var service = lookup.Catalog.Find(owner.Name) ?? throw ApiException.NotFound();
        var serviceScopes = caller.Scopes.Union(TokenScopes.IdentifyScopes(ScopeOwner.Service(service.Name)));
        return JsonResult.Ok(w => lookup.Models.WriteService(w, service, serviceScopes, lookup.Running.PidOf(service.Name)));
    }

    internal readonly record struct Lookup(
        IdentityResolver Resolver,
        TokenStore Tokens,
        UserStore UserStore,
        ShareStore Shares,
        UserService Users,
        ServiceCatalog Catalog,
        IServiceProcesses Running,
        Models Models,
        IUserAuthRefresh Refresh,
        IPasswordAuthenticator Authenticator);
}
