using Greyhub.Data;
using Greyhub.Hub.Auth;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using static Greyhub.Hub.Http.Html;

namespace Greyhub.Hub.OAuth;

/// <summary>The confirmation page for a client that is not the user's own server: an XSRF-protected form posting back to the same URL.</summary>
internal static class ConsentPage
{
    public static IResult Render(HttpContext context, IAntiforgery antiforgery, OAuthClientRecord client, RequestIdentity user, IReadOnlyList<string> scopes)
    {
        // Nobody may frame this page: a click on "Authorize" must be the user's own.
        context.Response.Headers.ContentSecurityPolicy = "frame-ancestors 'none'";
        context.Response.Headers.XFrameOptions = "DENY";
        var action = context.Request.Path + context.Request.QueryString;
        var items = string.Concat(scopes.Select(s => $"<li><code>{E(s)}</code></li>"));
        var body = $"""
            <div class="card" style="max-width:36rem;margin:2rem auto">
            <h1>Authorize access</h1>
            <p id="oauth-client"><strong>{E(AuthorizeEndpoint.Describe(client))}</strong> asks to act as <strong>{E(user.Name)}</strong> with:</p>
            <ul id="oauth-scopes">{items}</ul>
            <form method="post" action="{E(action)}">
            {Xsrf(context, antiforgery)}
            <button id="oauth-authorize" name="decision" value="authorize" type="submit">Authorize</button>
            <button id="oauth-deny" name="decision" value="deny" type="submit">Deny</button>
            </form></div>
            """;
        return Page("Authorize access", body, user.Name);
    }
}
