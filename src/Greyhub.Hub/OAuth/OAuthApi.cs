using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace Greyhub.Hub.OAuth;

/// <summary>The hub as OAuth2 provider: <c>/hub/api/oauth2/authorize</c> and <c>/hub/api/oauth2/token</c>.</summary>
internal static class OAuthApi
{
    /// <summary>Maps the provider's endpoints on the <c>/hub/api</c> group.</summary>
    public static IEndpointRouteBuilder MapOAuthApi(this IEndpointRouteBuilder api)
    {
        // The handlers read their forms themselves, after their own XSRF or client checks.
        api.MapGet("/oauth2/authorize", AuthorizeEndpoint.GetAsync);
        api.MapPost("/oauth2/authorize", AuthorizeEndpoint.PostAsync).DisableAntiforgery();
        api.MapPost("/oauth2/token", TokenEndpoint.PostAsync).DisableAntiforgery();
        return api;
    }
}
