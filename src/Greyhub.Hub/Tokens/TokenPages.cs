using System.Globalization;
using Greyhub.Hub.Audit;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Http;
using Greyhub.Hub.Pages;
using Greyhub.Hub.Users;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Greyhub.Hub.Tokens;

/// <summary><c>/hub/token</c>: create API tokens (shown once), revoke them, and revoke authorized applications.</summary>
internal static class TokenPages
{
    /// <summary>The OAuth client of tokens the hub itself issues (JupyterHub's <c>jupyterhub</c> client): API tokens.</summary>
    public const string HubClientId = "jupyterhub";

    public static IEndpointRouteBuilder MapTokenPages(this IEndpointRouteBuilder hub)
    {
        hub.MapGet("/token", Show).RequireSignedIn();
        hub.MapPost("/token", Create).DisableAntiforgery().RequireSignedIn();
        hub.MapPost("/token/revoke", Revoke).DisableAntiforgery().RequireSignedIn();
        return hub;
    }

    private static async Task<IResult> Show(HttpContext context, UserService users) =>
        await RenderAsync(context, users, newSecret: null, error: null, status: 200);

    private static async Task<IResult> RenderAsync(HttpContext context, UserService users, string? newSecret, string? error, int status)
    {
        // The endpoint requires a signed-in user (RequireSignedIn): the caller is one.
        var user = await users.FindAsync(context.Caller().Name, context.RequestAborted);
        if (user is null)
        {
            return Results.Redirect("/hub/logout");
        }
        return HubPage.Render<TokenPage>(new Dictionary<string, object?>
        {
            [nameof(TokenPage.User)] = user,
            [nameof(TokenPage.NewToken)] = newSecret,
            [nameof(TokenPage.Error)] = error,
        }, status);
    }

    private static async Task<IResult> Create(HttpContext context, IAntiforgery antiforgery, UserService users, TokenService tokens, AuditLog audit)
    {
        var (me, form, refusal) = await AcceptFormAsync(context, antiforgery, users);
        if (me is null || form is null)
        {
            return refusal!;
        }
        var user = await users.FindAsync(me.Name, context.RequestAborted);
        if (user is null)
        {
            return Results.Redirect("/hub/logout");
        }
        var body = new System.Text.Json.Nodes.JsonObject
        {
            ["note"] = form["note"].ToString() is { Length: > 0 } n ? n : "Requested via token page",
        };
        if (long.TryParse(form["expires_in"], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
        {
            body["expires_in"] = seconds;
        }
        var scopes = form["scopes"].ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (scopes.Length > 0)
        {
            body["scopes"] = new System.Text.Json.Nodes.JsonArray([.. scopes.Select(s => (System.Text.Json.Nodes.JsonNode?)s)]);
        }
        try
        {
            var element = System.Text.Json.JsonSerializer.SerializeToElement(body, HubJsonContext.Default.JsonObject);
            // The form is read as the API's body is, so the page and the API check the same way.
            var issued = await tokens.CreateForUserAsync(user, TokenRequest.Read(element), me, context.RequestAborted);
            audit.Record(context, AuditActions.TokenCreate, user.Name,
                TokensApi.TokenTarget(issued.Record.Id), string.Join(' ', issued.Record.Scopes));
            return await RenderAsync(context, users, issued.Secret, null, 200);
        }
        catch (ApiException ex)
        {
            return await RenderAsync(context, users, null, ex.Message, ex.Status);
        }
        catch (HubException ex)
        {
            return await RenderAsync(context, users, null, ex.Message, HubErrorStatus.Of(ex.Kind));
        }
    }

    /// <summary>A form post from the signed-in user with a valid XSRF token, or the answer that refuses it.</summary>
    private static async Task<(Auth.RequestIdentity? Me, IFormCollection? Form, IResult? Refusal)> AcceptFormAsync(
        HttpContext context, IAntiforgery antiforgery, UserService users)
    {
        // The endpoint requires a signed-in user (RequireSignedIn): the caller is one.
        var me = context.Caller();
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return (null, null, await RenderAsync(context, users, null, "The form was not sent by this site; please try again.", 403));
        }
        return (me, await context.Request.ReadFormAsync(context.RequestAborted), null);
    }

    /// <summary>Revokes one API token (<c>token_id</c>), or every token of one authorized application (<c>client_id</c>).</summary>
    private static async Task<IResult> Revoke(HttpContext context, IAntiforgery antiforgery, UserService users, TokenService tokens, AuditLog audit)
    {
        var (me, form, refusal) = await AcceptFormAsync(context, antiforgery, users);
        if (me is null || form is null)
        {
            return refusal!;
        }
        var user = await users.FindAsync(me.Name, context.RequestAborted);
        if (user is null)
        {
            return Results.Redirect("/hub/token");
        }
        var id = form["token_id"].ToString();
        var client = form["client_id"].ToString();
        if (id.StartsWith('a') && int.TryParse(id.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var tokenId)
            && await tokens.FindAsync(user.Id, tokenId, context.RequestAborted) is not null)
        {
            await tokens.RevokeAsync(tokenId, context.RequestAborted);
            audit.Record(context, AuditActions.TokenRevoke, user.Name, TokensApi.TokenTarget(tokenId));
        }
        else if (client.Length > 0 && client != HubClientId)
        {
            // Only the user's own tokens of that client: the list is the user's.
            foreach (var token in (await tokens.ListAsync(user.Id, context.RequestAborted)).Where(t => t.ClientId == client))
            {
                await tokens.RevokeAsync(token.Id, context.RequestAborted);
                audit.Record(context, AuditActions.TokenRevoke, user.Name, TokensApi.TokenTarget(token.Id), $"client {client}");
            }
        }
        return Results.Redirect("/hub/token");
    }
}

/// <summary>Source-generated JSON for the few places that build JSON documents.</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(System.Text.Json.Nodes.JsonObject))]
internal sealed partial class HubJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
