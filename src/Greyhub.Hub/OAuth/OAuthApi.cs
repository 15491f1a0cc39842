using Greyhub.Hub.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace Greyhub.Hub.OAuth;

/// <summary>The hub as OAuth2 provider: <c>/hub/api/oauth2/authorize</c> and <c>/hub/api/oauth2/token</c>.</summary>
internal static class OAuthApi
{
    /// <summary>Maps the provider's endpoints on the <c>/hub/api/oauth2</c> group.</summary>
    public static IEndpointRouteBuilder MapOAuthApi(this IEndpointRouteBuilder oauth, HubApiEndpoint api)
    {
        // Both are open: authorize sends an anonymous browser to the login page and checks the consent form's XSRF
        // token itself (it is a page, so it answers with pages); the token endpoint authenticates the client, not a
        // user, and answers JSON.
        oauth.MapGet("/authorize", AuthorizeEndpoint.GetAsync).AllowAnonymous();
        oauth.MapPost("/authorize", AuthorizeEndpoint.PostAsync).DisableAntiforgery().AllowAnonymous();
        oauth.MapPost("/token", TokenEndpoint.PostAsync).DisableAntiforgery().AllowAnonymous().WithMetadata(api);
        return oauth;
    }
}
