using Greyhub.Data;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Pages;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace Greyhub.Hub.OAuth;

/// <summary>
/// <c>/hub/api/oauth2/authorize</c> (RFC 6749 §4.1.1): a browser page, not a JSON endpoint, as in JupyterHub. A
/// problem with the client or its redirect URI is shown to the user and never redirected (§4.1.2.1); anything else
/// goes back to the client's registered redirect URI.
/// </summary>
internal static class AuthorizeEndpoint
{
    public static Task<IResult> GetAsync(HttpContext context, OAuthClients clients, ClientAccess access, OAuthGrants grants, ILoggerFactory loggers) =>
        HandleAsync(context, clients, access, grants, loggers, decision: null);

    public static async Task<IResult> PostAsync(HttpContext context, IAntiforgery antiforgery, OAuthClients clients, ClientAccess access, OAuthGrants grants,
        ILoggerFactory loggers)
    {
        // The identity middleware drops a cookie identity whose POST fails the XSRF check; say so rather than ask for a login.
        if (context.Features.Get<XsrfFailed>() is not null)
        {
            return ErrorPage(context, 403, "The authorization form was not sent by this site. Go back and try again.");
        }
        if (SignedIn(context) is null)
        {
            return ToLogin(context);
        }
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return ErrorPage(context, 403, "The authorization form was not sent by this site. Go back and try again.");
        }
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        return await HandleAsync(context, clients, access, grants, loggers, form["decision"].ToString());
    }

    private static async Task<IResult> HandleAsync(HttpContext context, OAuthClients clients, ClientAccess access, OAuthGrants grants, ILoggerFactory loggers,
        string? decision)
    {
        context.Response.Headers.CacheControl = "no-store";
        if (SignedIn(context) is not { } user)
        {
            // JupyterHub sends the browser to the login page here, although the path is under /hub/api.
            return ToLogin(context);
        }
        var query = context.Request.Query;
        if (!One(query, "client_id", out var clientId) || clientId.Length == 0)
        {
            return ErrorPage(context, 400, "The request names no client (client_id).");
        }
        var client = await clients.FindAsync(clientId, context.RequestAborted);
        if (client is null)
        {
            return ErrorPage(context, 400, $"There is no OAuth client '{clientId}'. The server may have stopped; start it again from the home page.");
        }
        if (!One(query, "redirect_uri", out var redirectUri))
        {
            return ErrorPage(context, 400, "The request names more than one redirect_uri.");
        }
        if (redirectUri.Length > 0 && !string.Equals(redirectUri, client.RedirectUri, StringComparison.Ordinal))
        {
            return ErrorPage(context, 400, $"The redirect_uri is not the one registered for '{clientId}'.");
        }
        redirectUri = client.RedirectUri;
        var stateOk = One(query, "state", out var state);
        if (!stateOk || !One(query, "scope", out var scope) || !One(query, "response_type", out var responseType))
        {
            return Back(redirectUri, "invalid_request", stateOk ? state : null, "A parameter is repeated");
        }
        if (responseType != "code")
        {
            return Back(redirectUri, responseType.Length == 0 ? "invalid_request" : "unsupported_response_type", state,
                responseType.Length == 0 ? "response_type is required" : "Only response_type=code is supported");
        }
        var requested = query.ContainsKey("scope") ? scope.Split(' ', StringSplitOptions.RemoveEmptyEntries) : null;
        var verdict = await access.DecideAsync(user, client, requested, context.RequestAborted);
        if (!verdict.Allowed)
        {
            var logger = loggers.CreateLogger("Greyhub.OAuth");
            OAuthLog.AccessRefused(logger, user.Name, client.ClientId);
            return ErrorPage(context, 403, $"{user.Name} may not access {Describe(client)}.");
        }
        switch (decision)
        {
            case null when verdict.NeedsConsent:
                return ConsentPage.Render(context, client, user, verdict.Scopes);
            case null or "authorize":
                var code = await grants.IssueCodeAsync(client, user, redirectUri, verdict.Scopes, context.RequestAborted);
                return Results.Redirect(WithQuery(redirectUri, ("code", code), ("state", state)));
            case "deny":
                return Back(redirectUri, "access_denied", state, "The user denied access");
            default:
                return ErrorPage(context, 400, "The form must say authorize or deny.");
        }
    }

    /// <summary>Appends parameters to a redirect URI that may already have a query; empty values are left out.</summary>
    public static string WithQuery(string uri, params ReadOnlySpan<(string Name, string? Value)> parameters)
    {
        var result = new System.Text.StringBuilder(uri);
        var separator = uri.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        foreach (var (name, value) in parameters)
        {
            if (string.IsNullOrEmpty(value))
            {
                continue;
            }
            result.Append(separator).Append(name).Append('=').Append(Uri.EscapeDataString(value));
            separator = '&';
        }
        return result.ToString();
    }

    public static string Describe(OAuthClientRecord client) =>
        client.Description.Length > 0 ? $"{client.Description} ({client.ClientId})" : client.ClientId;

    private static RequestIdentity? SignedIn(HttpContext context) =>
        context.Identity() is { IsUser: true, ViaCookie: true, UserId: not null } user ? user : null;

    private static IResult ToLogin(HttpContext context) =>
        Results.Redirect("/hub/login?next=" + Uri.EscapeDataString(context.Request.Path + context.Request.QueryString));

    private static IResult Back(string redirectUri, string error, string? state, string description) =>
        Results.Redirect(WithQuery(redirectUri, ("error", error), ("error_description", description), ("state", state)));

    private static IResult ErrorPage(HttpContext context, int status, string message) =>
        HubPage.Error(status, message, "Authorization failed", "oauth-error");

    /// <summary>Reads a parameter given at most once (RFC 6749 §3.1); absent reads as empty.</summary>
    private static bool One(IQueryCollection query, string name, out string value)
    {
        var values = query.TryGetValue(name, out var v) ? v : StringValues.Empty;
        value = values.Count == 1 ? values[0] ?? "" : "";
        return values.Count <= 1;
    }
}
