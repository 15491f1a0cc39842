using Greyhub.Data.Stores;
using Greyhub.Hub.ApiModels;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Http;
using Greyhub.Hub.Users;
using Greyhub.Scopes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Greyhub.Hub.Tokens;

/// <summary>
/// <c>GET /hub/api/authorizations/token/{token}</c>: who a token belongs to, for HubAuth clients older than JupyterHub
/// 2.0 (deprecated there in favour of <c>GET /hub/api/user</c> with the token itself, and still served by JupyterHub 5).
/// </summary>
internal static class AuthorizationsApi
{
    public static IEndpointRouteBuilder MapAuthorizationsApi(this IEndpointRouteBuilder api)
    {
        // No scope of its own, as in JupyterHub: any token-authenticated caller may ask, and sees the owner's model
        // through its own scopes plus the owner's identify scopes.
        api.MapGet("/authorizations/token/{token}", GetAsync).RequireCaller();
        return api;
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
        Models Models);
}
