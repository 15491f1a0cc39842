using System.Globalization;
using Greyhub.Hub.Audit;
using Greyhub.Hub.ApiModels;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Http;
using Greyhub.Hub.Users;
using Greyhub.Scopes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Greyhub.Hub.Tokens;

/// <summary><c>/hub/api/users/{name}/tokens</c>.</summary>
internal static class TokensApi
{
    public static IEndpointRouteBuilder MapTokensApi(this IEndpointRouteBuilder api)
    {
        api.MapGet("/users/{name}/tokens", List).RequireScope(ScopeTarget.User, "read:tokens");
        // JupyterHub checks the `tokens` filter itself on this endpoint (no needs_scope) and answers 403, not 404,
        // whether the user is missing or out of the caller's reach. Open to anonymous callers, as there: one without a
        // token or cookie proves who it is with a password in the body (ApiPasswordLogin), or is refused (403).
        api.MapPost("/users/{name}/tokens", Create).AllowAnonymous();
        api.MapGet("/users/{name}/tokens/{tokenId}", Get).RequireScope(ScopeTarget.User, "read:tokens");
        api.MapDelete("/users/{name}/tokens/{tokenId}", Delete).RequireScope(ScopeTarget.User, "tokens");
        api.MapAuthorizationsApi();
        return api;
    }

    /// <summary>The user the route names (the endpoint's scope metadata has authorized the caller), or 404.</summary>
    private static async Task<Data.UserRecord> LoadAsync(HttpContext context, UserService users, string name) =>
        await users.FindAsync(name, context.RequestAborted) ?? throw ApiException.NotFound($"No such user: {name}");

    private static async Task<IResult> List(HttpContext context, string name, UserService users, TokenService tokens, HubRoles roles)
    {
        var user = await LoadAsync(context, users, name);
        var list = await tokens.ListAsync(user.Id, context.RequestAborted);
        return JsonResult.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("api_tokens");
            foreach (var t in list)
            {
                Models.WriteToken(w, t, secret: null, EffectiveScopes(t, user, roles));
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private static async Task<IResult> Create(HttpContext context, string name, UserService users, TokenService tokens, HubRoles roles, AuditLog audit, IApiPasswordLogin passwords)
    {
        var body = await JsonBody.ReadObjectAsync(context.Request, required: false, context.RequestAborted);
        var caller = context.Identity() ?? await passwords.CallerAsync(context, body);
        var user = await users.FindAsync(name, context.RequestAborted);
        if (user is null || !caller.Scopes.CanAccess("tokens", ResourceRef.User(name, user.Groups)))
        {
            throw ApiException.Forbidden($"{(caller.IsUser ? "User" : "Service")} {name} not found or no permissions to generate tokens");
        }
        var issued = await tokens.CreateForUserAsync(user, TokenRequest.Read(body), caller, context.RequestAborted);
        audit.Record(context, AuditActions.TokenCreate, user.Name, TokenTarget(issued.Record.Id), string.Join(' ', issued.Record.Scopes));
        return JsonResult.Created(w => Models.WriteToken(w, issued.Record, issued.Secret, EffectiveScopes(issued.Record, user, roles)));
    }

    private static async Task<IResult> Get(HttpContext context, string name, string tokenId, UserService users, TokenService tokens, HubRoles roles)
    {
        var user = await LoadAsync(context, users, name);
        var token = await tokens.FindAsync(user.Id, ParseId(tokenId), context.RequestAborted)
            ?? throw ApiException.NotFound($"No such token: {tokenId}");
        return JsonResult.Ok(w => Models.WriteToken(w, token, secret: null, EffectiveScopes(token, user, roles)));
    }

    private static async Task<IResult> Delete(HttpContext context, string name, string tokenId, UserService users, TokenService tokens, AuditLog audit)
    {
        var user = await LoadAsync(context, users, name);
        var id = ParseId(tokenId);
        _ = await tokens.FindAsync(user.Id, id, context.RequestAborted) ?? throw ApiException.NotFound($"No such token: {tokenId}");
        await tokens.RevokeAsync(id, context.RequestAborted);
        audit.Record(context, AuditActions.TokenRevoke, user.Name, TokenTarget(id));
        return Results.NoContent();
    }

    /// <summary>
    /// The token model's <c>scopes</c>: what the token can do now (JupyterHub's <c>get_scopes_for(token)</c>, so
    /// <c>inherit</c> shows the owner's scopes), not the raw request. Group filters of other users are not looked up
    /// here; only the owner's own groups count, which can under-report but never over-report.
    /// </summary>
    private static IReadOnlyList<string> EffectiveScopes(Data.TokenRecord token, Data.UserRecord owner, HubRoles roles) =>
        TokenScopes.Resolve(token.Scopes, ScopeOwner.User(owner.Name, owner.Groups), roles.ScopesOfUser(owner.Name, owner.Admin, owner.Groups), roles.Definitions).Scopes;

    /// <summary>A token as the audit log names it: its API id.</summary>
    internal static string TokenTarget(int id) => "a" + id.ToString(CultureInfo.InvariantCulture);

    /// <summary>Token ids are <c>a{n}</c> (API tokens); anything else names no token.</summary>
    private static int ParseId(string tokenId) =>
        tokenId.Length > 1 && tokenId[0] == 'a' && int.TryParse(tokenId.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? id
            : throw ApiException.NotFound($"No such token: {tokenId}");
}
