using Greyhub.Data;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Pages;
using Microsoft.AspNetCore.Http;

namespace Greyhub.Hub.OAuth;

/// <summary>The confirmation page for a client that is not the user's own server: an XSRF-protected form posting back to the same URL.</summary>
internal static class ConsentPage
{
    public static IResult Render(HttpContext context, OAuthClientRecord client, RequestIdentity user, IReadOnlyList<string> scopes)
    {
        // Nobody may frame this page: a click on "Authorize" must be the user's own.
        context.Response.Headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'";
        context.Response.Headers.XFrameOptions = "DENY";
        return HubPage.Render<ConsentView>(new Dictionary<string, object?>
        {
            [nameof(ConsentView.Client)] = AuthorizeEndpoint.Describe(client),
            [nameof(ConsentView.UserName)] = user.Name,
            [nameof(ConsentView.Scopes)] = scopes,
            [nameof(ConsentView.Action)] = context.Request.Path + context.Request.QueryString,
        });
    }
}
