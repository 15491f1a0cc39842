using System.Globalization;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Http;
using Greyhub.Hub.Users;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static Greyhub.Hub.Http.Html;

namespace Greyhub.Hub.Tokens;

/// <summary><c>/hub/token</c>: create API tokens (shown once) and revoke them.</summary>
internal static class TokenPages
{
    private static readonly (string Label, int Seconds)[] Lifetimes =
        [("1 hour", 3600), ("1 day", 86400), ("1 week", 604800), ("30 days", 2592000), ("Never", 0)];

    public static IEndpointRouteBuilder MapTokenPages(this IEndpointRouteBuilder hub)
    {
        hub.MapGet("/token", Show).RequireSignedIn();
        hub.MapPost("/token", Create).DisableAntiforgery().RequireSignedIn();
        hub.MapPost("/token/revoke", Revoke).DisableAntiforgery().RequireSignedIn();
        return hub;
    }

    private static async Task<IResult> Show(HttpContext context, IAntiforgery antiforgery, UserService users, TokenService tokens) =>
        await RenderAsync(context, antiforgery, users, tokens, newSecret: null, error: null, status: 200);

    private static async Task<IResult> RenderAsync(HttpContext context, IAntiforgery antiforgery, UserService users, TokenService tokens,
        string? newSecret, string? error, int status)
    {
        // The endpoint requires a signed-in user (RequireSignedIn): the caller is one.
        var me = context.Caller();
        var user = await users.FindAsync(me.Name, context.RequestAborted);
        if (user is null)
        {
            return Results.Redirect("/hub/logout");
        }
        var list = await tokens.ListAsync(user.Id, context.RequestAborted);
        var xsrf = Xsrf(context, antiforgery);
        var rows = string.Concat(list.Select(t => $"""
            <tr data-token-id="a{t.Id}"><td>{E(t.Note)}</td><td>{E(string.Join(" ", t.Scopes))}</td>
            <td>{t.Created:yyyy-MM-dd HH:mm} UTC</td><td>{(t.LastActivity is { } l ? l.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC" : "never")}</td>
            <td>{(t.ExpiresAt is { } x ? x.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC" : "never")}</td>
            <td><form method="post" action="/hub/token/revoke">{xsrf}<input type="hidden" name="token_id" value="a{t.Id}"><button class="revoke" type="submit">Revoke</button></form></td></tr>
            """));
        var options = string.Concat(Lifetimes.Select(l => $"<option value=\"{l.Seconds}\"{(l.Seconds == 0 ? " selected" : "")}>{l.Label}</option>"));
        var body = $"""
            <div class="card"><h1>Request a new API token</h1>
            {(error is null ? "" : $"<p class=\"error\" id=\"token-error\">{E(error)}</p>")}
            {(newSecret is null ? "" : $"<p>Your new API token (copy it now: it will not be shown again):</p><p class=\"secret\" id=\"new-token\">{E(newSecret)}</p>")}
            <form method="post" action="/hub/token">{xsrf}
            <label for="token-note">Note</label><input id="token-note" name="note" maxlength="200" placeholder="what this token is for">
            <label for="token-expiration">Expires in</label><select id="token-expiration" name="expires_in">{options}</select>
            <label for="token-scopes">Scopes (space-separated; empty = all of your permissions)</label><input id="token-scopes" name="scopes" maxlength="2000">
            <p><button id="request-token" type="submit">Request new API token</button></p></form></div>
            <div class="card"><h2>API tokens</h2>
            <table id="api-tokens"><tr><th>Note</th><th>Scopes</th><th>Created</th><th>Last used</th><th>Expires</th><th></th></tr>{rows}</table></div>
            """;
        return Page("Token", body, me.Name, status, Html.LogoutForm(context, antiforgery));
    }

    private static async Task<IResult> Create(HttpContext context, IAntiforgery antiforgery, UserService users, TokenService tokens)
    {
        var (me, form, refusal) = await AcceptFormAsync(context, antiforgery, users, tokens);
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
            return await RenderAsync(context, antiforgery, users, tokens, issued.Secret, null, 200);
        }
        catch (ApiException ex)
        {
            return await RenderAsync(context, antiforgery, users, tokens, null, ex.Message, ex.Status);
        }
        catch (HubException ex)
        {
            return await RenderAsync(context, antiforgery, users, tokens, null, ex.Message, HubErrorStatus.Of(ex.Kind));
        }
    }

    /// <summary>A form post from the signed-in user with a valid XSRF token, or the answer that refuses it.</summary>
    private static async Task<(Auth.RequestIdentity? Me, IFormCollection? Form, IResult? Refusal)> AcceptFormAsync(
        HttpContext context, IAntiforgery antiforgery, UserService users, TokenService tokens)
    {
        // The endpoint requires a signed-in user (RequireSignedIn): the caller is one.
        var me = context.Caller();
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return (null, null, await RenderAsync(context, antiforgery, users, tokens, null, "The form was not sent by this site; please try again.", 403));
        }
        return (me, await context.Request.ReadFormAsync(context.RequestAborted), null);
    }

    private static async Task<IResult> Revoke(HttpContext context, IAntiforgery antiforgery, UserService users, TokenService tokens)
    {
        var (me, form, refusal) = await AcceptFormAsync(context, antiforgery, users, tokens);
        if (me is null || form is null)
        {
            return refusal!;
        }
        var id = form["token_id"].ToString();
        var user = await users.FindAsync(me.Name, context.RequestAborted);
        if (user is not null && id.StartsWith('a') && int.TryParse(id.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var tokenId)
            && await tokens.FindAsync(user.Id, tokenId, context.RequestAborted) is not null)
        {
            await tokens.RevokeAsync(tokenId, context.RequestAborted);
        }
        return Results.Redirect("/hub/token");
    }
}

/// <summary>Source-generated JSON for the few places that build JSON documents.</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(System.Text.Json.Nodes.JsonObject))]
internal sealed partial class HubJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
