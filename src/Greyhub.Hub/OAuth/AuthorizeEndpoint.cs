using Microsoft.AspNetCore;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Pages;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;

namespace Greyhub.Hub.OAuth;

/// <summary>
/// <c>/hub/api/oauth2/authorize</c>, after OpenIddict validated the request (client, redirect URI, response type, PKCE):
/// a browser page, as in JupyterHub. A problem found before the redirect URI was validated is shown to the user and
/// never redirected (RFC 6749 §4.1.2.1); the user's answer goes back to the client through OpenIddict. The user is the
/// login cookie's or, as JupyterHub accepts, a user's API token's (<c>Authorization: token</c>); a token authorizes no
/// more than its own scopes.
/// </summary>
internal static class AuthorizeEndpoint
{
    public static Task<IResult> GetAsync(HttpContext context, ProviderClients clients, ClientAccess access, ILoggerFactory loggers) =>
        HandleAsync(context, clients, access, loggers, decision: null);

    public static async Task<IResult> PostAsync(HttpContext context, IAntiforgery antiforgery, ProviderClients clients, ClientAccess access, ILoggerFactory loggers)
    {
        // The identity middleware drops a cookie identity whose POST fails the XSRF check; say so rather than ask for a login.
        if (context.Features.Get<XsrfFailed>() is not null)
        {
            return ErrorPage(403, "The authorization form was not sent by this site. Go back and try again.");
        }
        if (context.GetOpenIddictServerResponse() is not { Error: not null } && Authorizing(context) is { ViaCookie: true }
            && !await antiforgery.IsRequestValidAsync(context))
        {
            // The form's XSRF token guards a cookie's session; a request carrying a token cannot be forged by another site.
            return ErrorPage(403, "The authorization form was not sent by this site. Go back and try again.");
        }
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        return await HandleAsync(context, clients, access, loggers, form["decision"].ToString());
    }

    private static async Task<IResult> HandleAsync(HttpContext context, ProviderClients clients, ClientAccess access, ILoggerFactory loggers, string? decision)
    {
        context.Response.Headers.CacheControl = "no-store";
        // OpenIddict passes its validation errors through: those found before the redirect URI was validated are
        // the user's to read; the others go back to the client with the state.
        if (context.GetOpenIddictServerResponse() is { Error: not null } error)
        {
            return context.Items[AuthorizeHandlers.ValidatedRedirectUri] is string back
                ? Results.Redirect(WithQuery(back, ("error", error.Error), ("error_description", error.ErrorDescription),
                    ("state", context.GetOpenIddictServerRequest()?.State)))
                : ErrorPage(400, error.ErrorDescription ?? error.Error);
        }
        if (context.GetOpenIddictServerRequest() is not { } request)
        {
            return ErrorPage(400, "This is not an authorization request.");
        }
        if (context.Identity() is { IsUser: false } service)
        {
            return ErrorPage(403, $"Service {service.Name} cannot authorize OAuth clients; only users can.");
        }
        if (Authorizing(context) is not { } user)
        {
            // JupyterHub sends the browser to the login page here, although the path is under /hub/api.
            return Results.Redirect("/hub/login?next=" + Uri.EscapeDataString(context.Request.Path + context.Request.QueryString));
        }
        if (await clients.FindAsync(request.ClientId, context.RequestAborted) is not { } client)
        {
            return ErrorPage(400, $"There is no OAuth client '{request.ClientId}'.");
        }
        var requested = request.Scope is null ? null : request.GetScopes().ToList();
        var openId = requested is null ? [] : requested.Where(client.OpenIdScopes.Contains).ToList();
        var hubRequested = requested?.Where(s => !ProviderClient.StandardScopes.Contains(s)).ToList();
        var verdict = await access.DecideAsync(user, client.Record, hubRequested, context.RequestAborted);
        if (!verdict.Allowed)
        {
            var logger = loggers.CreateLogger("Greyhub.OAuth");
            OAuthLog.AccessRefused(logger, user.Name, client.ClientId);
            return ErrorPage(403, $"{user.Name} may not access {Describe(client.Record)}.");
        }
        switch (decision)
        {
            case null when verdict.NeedsConsent:
                return ConsentPage.Render(context, client.Record, user, [.. openId, .. verdict.Scopes]);
            case null or "authorize":
                var redirectUri = request.RedirectUri ?? client.RedirectUris[0];
                return Results.SignIn(ProviderPrincipal.Create(user, redirectUri, openId, verdict.Scopes), null,
                    OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
            case "deny":
                return Results.Forbid(new AuthenticationProperties(new Dictionary<string, string?>
                {
                    [OpenIddictServerAspNetCoreConstants.Properties.Error] = OpenIddictConstants.Errors.AccessDenied,
                    [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = "The user denied access",
                }), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
            default:
                return ErrorPage(400, "The form must say authorize or deny.");
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
            result.Append(separator).Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
            separator = '&';
        }
        return result.ToString();
    }

    public static string Describe(Greyhub.Data.OAuthClientRecord client) =>
        client.Description.Length > 0 ? $"{client.Description} ({client.ClientId})" : client.ClientId;

    private static RequestIdentity? Authorizing(HttpContext context) =>
        context.Identity() is { IsUser: true, UserId: not null } user ? user : null;

    private static IResult ErrorPage(int status, string message) =>
        HubPage.Error(status, message, "Authorization failed", "oauth-error");
}
