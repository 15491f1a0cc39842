using Greyhub.Hub.Auth;
using Greyhub.Hub.Http;
using Greyhub.Scopes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using System.Net.Http.Headers;

namespace Greyhub.Hub.OAuth;

/// <summary>
/// The hub as OAuth2 and OpenID provider. OpenIddict answers <c>/hub/api/oauth2/token</c>, discovery and JWKS itself;
/// the authorize page, userinfo and revocation are endpoints here, since they answer with the hub's pages and tokens.
/// </summary>
internal static class OAuthApi
{
    /// <summary>Maps the provider's endpoints on the <c>/hub/api/oauth2</c> group.</summary>
    public static IEndpointRouteBuilder MapOAuthApi(this IEndpointRouteBuilder oauth, HubApiEndpoint api)
    {
        // Authorize is open: it sends an anonymous browser to the login page and checks the consent form's XSRF token
        // itself (it is a page, so it answers with pages). Revocation authenticates the client, not a user.
        oauth.MapGet("/authorize", AuthorizeEndpoint.GetAsync).AllowAnonymous().WithMetadata(ProviderRequests.Instance);
        oauth.MapPost("/authorize", AuthorizeEndpoint.PostAsync).DisableAntiforgery().AllowAnonymous().WithMetadata(ProviderRequests.Instance);
        oauth.MapMethods("/userinfo", [HttpMethods.Get, HttpMethods.Post], UserInfo).RequireCaller().DisableAntiforgery().WithMetadata(api);
        oauth.MapPost("/revoke", RevokeAsync).DisableAntiforgery().AllowAnonymous().WithMetadata(api);
        return oauth;
    }

    /// <summary>OpenID Connect userinfo for the bearer of a token the provider issued (a hub token), within its scopes.</summary>
    private static IResult UserInfo(HttpContext context)
    {
        var caller = context.Caller();
        if (!caller.IsUser)
        {
            return OAuthError(403, "insufficient_scope", "userinfo describes users; this token is a service's");
        }
        var self = ResourceRef.User(caller.Name, caller.Groups);
        var groups = caller.Scopes.CanAccess("read:users:groups", self);
        return JsonResult.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteString("sub", caller.Name);
            w.WriteString("name", caller.Name);
            w.WriteString("preferred_username", caller.Name);
            if (groups)
            {
                w.WriteStartArray("groups");
                foreach (var group in caller.Groups)
                {
                    w.WriteStringValue(group);
                }
                w.WriteEndArray();
            }
            w.WriteEndObject();
        });
    }

    /// <summary>
    /// RFC 7009 revocation: the authenticated client revokes a token it was issued. An unknown token, or another
    /// client's, is answered 200 as well and left alone (the answer tells nothing about tokens).
    /// </summary>
    private static async Task<IResult> RevokeAsync(HttpContext context, ProviderClients clients, OAuthGrants grants)
    {
        context.Response.Headers.CacheControl = "no-store";
        if (!context.Request.HasFormContentType)
        {
            return OAuthError(400, "invalid_request", "The revocation request must be an application/x-www-form-urlencoded form");
        }
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var (clientId, secret) = (form["client_id"].ToString(), form["client_secret"].ToString());
        if (AuthenticationHeaderValue.TryParse(context.Request.Headers.Authorization.ToString(), out var header)
            && header.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase) && header.Parameter is { } basic)
        {
            try
            {
                var decoded = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(basic));
                var colon = decoded.IndexOf(':', StringComparison.Ordinal);
                (clientId, secret) = colon <= 0 ? ("", "") : (Uri.UnescapeDataString(decoded[..colon]), Uri.UnescapeDataString(decoded[(colon + 1)..]));
            }
            catch (FormatException)
            {
                (clientId, secret) = ("", "");
            }
        }
        var client = await clients.FindAsync(clientId, context.RequestAborted);
        if (client is null || !clients.Authenticates(client, secret))
        {
            return OAuthError(401, "invalid_client", "Client authentication failed");
        }
        var token = form["token"].ToString();
        if (token.Length == 0)
        {
            return OAuthError(400, "invalid_request", "The token parameter is required");
        }
        await grants.RevokeAsync(client.Record, token, context.RequestAborted);
        return Results.Ok();
    }

    private static JsonResult OAuthError(int status, string error, string description) => new(status, w =>
    {
        w.WriteStartObject();
        w.WriteString("error", error);
        w.WriteString("error_description", description);
        w.WriteNumber("status", status);
        w.WriteString("message", description);
        w.WriteEndObject();
    });
}
