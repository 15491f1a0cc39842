using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Http;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Greyhub.Hub.OAuth;

/// <summary>
/// OpenIddict runs in degraded mode (no application store: the hub's client registry is the store), so these handlers
/// decide what its application manager would: the client exists, the redirect URI is one it registered (exactly; a
/// server's is a path on the hub's host, as JupyterHub's <c>HubOAuth</c> sends it), a public client uses PKCE.
/// </summary>
internal static class AuthorizeHandlers
{
    /// <summary>The <c>HttpContext.Items</c> key of the redirect URI once validated: from then on errors go back to the client.</summary>
    public const string ValidatedRedirectUri = "greyhub:validated-redirect-uri";

    /// <summary>Runs before OpenIddict's own checks, so that their errors go back to a validated redirect URI.</summary>
    public static OpenIddictServerHandlerDescriptor ValidateClient { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateAuthorizationRequestContext>()
        .UseScopedHandler<ValidateClientHandler>()
        .SetOrder(OpenIddictServerHandlers.Authentication.ValidateRequestParameter.Descriptor.Order - 1_000)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    /// <summary>The consent form posts to the authorize URL with the request in its query: read both.</summary>
    public static OpenIddictServerHandlerDescriptor MergeQueryOnPost { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ExtractAuthorizationRequestContext>()
        .UseSingletonHandler<MergeQueryOnPostHandler>()
        .SetOrder(OpenIddictServerAspNetCoreHandlers.ExtractGetOrPostRequest<ExtractAuthorizationRequestContext>.Descriptor.Order + 1)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    /// <summary>A relative redirect URI (a server's) is answered with a relative Location, as JupyterHub does.</summary>
    public static OpenIddictServerHandlerDescriptor RelativeRedirect { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyAuthorizationResponseContext>()
        .UseSingletonHandler<RelativeRedirectHandler>()
        .SetOrder(OpenIddictServerAspNetCoreHandlers.Authentication.ProcessQueryResponse.Descriptor.Order - 1)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    internal sealed class ValidateClientHandler(ProviderClients clients) : IOpenIddictServerHandler<ValidateAuthorizationRequestContext>
    {
        public async ValueTask HandleAsync(ValidateAuthorizationRequestContext context)
        {
            var request = context.Request;
            if (string.IsNullOrEmpty(request.ClientId))
            {
                context.Reject(OpenIddictConstants.Errors.InvalidRequest, "The request names no client (client_id).");
                return;
            }
            var client = await clients.FindAsync(request.ClientId, context.CancellationToken);
            if (client is null)
            {
                context.Reject(OpenIddictConstants.Errors.InvalidClient,
                    $"There is no OAuth client '{request.ClientId}'. The server may have stopped; start it again from the home page.");
                return;
            }
            if (string.IsNullOrEmpty(request.RedirectUri))
            {
                // OAuth 2 lets a client with one registered redirect URI leave it out (RFC 6749 §3.1.2.3); OpenID Connect does not.
                if (request.HasScope(OpenIddictConstants.Scopes.OpenId) || client.RedirectUris.Count != 1)
                {
                    context.Reject(OpenIddictConstants.Errors.InvalidRequest, "The redirect_uri parameter is required.");
                    return;
                }
                context.SetRedirectUri(client.RedirectUris[0]);
                Validated(context, client.RedirectUris[0]);
            }
            else if (!client.RedirectUris.Contains(request.RedirectUri, StringComparer.Ordinal))
            {
                context.Reject(OpenIddictConstants.Errors.InvalidRequest, $"The redirect_uri is not the one registered for '{client.ClientId}'.");
                return;
            }
            else
            {
                context.SetRedirectUri(request.RedirectUri);
                Validated(context, request.RedirectUri);
            }
            if (client.IsPublic && string.IsNullOrEmpty(request.CodeChallenge))
            {
                context.Reject(OpenIddictConstants.Errors.InvalidRequest, "A public client must use PKCE (code_challenge with S256).");
                return;
            }
            if (!string.IsNullOrEmpty(request.CodeChallenge) && request.CodeChallengeMethod != OpenIddictConstants.CodeChallengeMethods.Sha256)
            {
                context.Reject(OpenIddictConstants.Errors.InvalidRequest, "code_challenge_method must be S256.");
            }
        }
    }

    private static void Validated(ValidateAuthorizationRequestContext context, string redirectUri)
    {
        if (context.Transaction.GetHttpRequest() is { } http)
        {
            http.HttpContext.Items[ValidatedRedirectUri] = redirectUri;
        }
    }

    internal sealed class MergeQueryOnPostHandler : IOpenIddictServerHandler<ExtractAuthorizationRequestContext>
    {
        public ValueTask HandleAsync(ExtractAuthorizationRequestContext context)
        {
            var http = context.Transaction.GetHttpRequest();
            if (http is null || !HttpMethods.IsPost(http.Method) || context.Request is null)
            {
                return default;
            }
            foreach (var (name, values) in http.Query.ToList())
            {
                if (context.Request.GetParameter(name) is null)
                {
                    context.Request.SetParameter(name, values.Count == 1 ? values[0] : new OpenIddictParameter(System.Collections.Immutable.ImmutableArray.Create(values.ToArray())));
                }
            }
            return default;
        }
    }

    internal sealed class RelativeRedirectHandler : IOpenIddictServerHandler<ApplyAuthorizationResponseContext>
    {
        public ValueTask HandleAsync(ApplyAuthorizationResponseContext context)
        {
            var http = context.Transaction.GetHttpRequest()?.HttpContext.Response;
            if (http is null || string.IsNullOrEmpty(context.RedirectUri) || !context.RedirectUri.StartsWith('/')
                || context.ResponseMode != OpenIddictConstants.ResponseModes.Query)
            {
                return default;
            }
            var parameters = context.Response.GetParameters()
                .Where(p => (string?)p.Value is { Length: > 0 })
                .Select(p => (p.Key, (string?)p.Value))
                .ToArray();
            http.Redirect(AuthorizeEndpoint.WithQuery(context.RedirectUri, parameters));
            context.HandleRequest();
            return default;
        }
    }
}
