using Microsoft.AspNetCore;
using System.Security.Claims;
using Greyhub.Hub.Observability;
using Microsoft.Extensions.Logging;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Greyhub.Hub.OAuth;

/// <summary>
/// The token endpoint on OpenIddict. OpenIddict checks the request, the code (its encryption, expiry, client,
/// redirect URI, PKCE verifier) and issues the id_token; the hub authenticates the client against its registry and
/// redeems the code in its own store, exactly once: the access token is an ordinary hub API token (hashed in
/// <c>api_tokens</c>), which single-user servers' <c>HubOAuth</c> presents to <c>/hub/api/user</c> as before. A code
/// presented again by its own client revokes that token; by another client it is refused and changes nothing.
/// </summary>
internal static class TokenHandlers
{
    /// <summary>Where the redeemed hub token waits between handling the request and writing the response.</summary>
    private const string ExchangeProperty = "greyhub:exchange";

    public static OpenIddictServerHandlerDescriptor AuthenticateClient { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenRequestContext>()
        .UseScopedHandler<AuthenticateClientHandler>()
        .SetOrder(OpenIddictServerHandlers.Exchange.ValidateAuthentication.Descriptor.Order - 500)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public static OpenIddictServerHandlerDescriptor RedeemCode { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<HandleTokenRequestContext>()
        .UseScopedHandler<RedeemCodeHandler>()
        .SetOrder(int.MinValue + 100_000)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    /// <summary>No JWT access token: the hub token takes its place.</summary>
    public static OpenIddictServerHandlerDescriptor SkipAccessToken { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessSignInContext>()
        .AddFilter<OpenIddictServerHandlerFilters.RequireTokenRequest>()
        .UseSingletonHandler<SkipAccessTokenHandler>()
        .SetOrder(OpenIddictServerHandlers.EvaluateGeneratedTokens.Descriptor.Order + 1)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public static OpenIddictServerHandlerDescriptor AttachHubToken { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessSignInContext>()
        .AddFilter<OpenIddictServerHandlerFilters.RequireTokenRequest>()
        .UseSingletonHandler<AttachHubTokenHandler>()
        .SetOrder(OpenIddictServerHandlers.AttachSignInParameters.Descriptor.Order + 1)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    /// <summary>JupyterHub's error body carries <c>status</c> and <c>message</c> beside RFC 6749's fields.</summary>
    public static OpenIddictServerHandlerDescriptor JupyterHubErrorFields { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyTokenResponseContext>()
        .UseSingletonHandler<JupyterHubErrorFieldsHandler>()
        .SetOrder(OpenIddictServerAspNetCoreHandlers.AttachHttpResponseCode<ApplyTokenResponseContext>.Descriptor.Order + 1)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    internal sealed class AuthenticateClientHandler(ProviderClients clients, ILogger<ProviderClients> logger) : IOpenIddictServerHandler<ValidateTokenRequestContext>
    {
        public async ValueTask HandleAsync(ValidateTokenRequestContext context)
        {
            if (!context.Request.IsAuthorizationCodeGrantType())
            {
                context.Reject(OpenIddictConstants.Errors.UnsupportedGrantType, "Only grant_type=authorization_code is supported.");
                return;
            }
            var client = await clients.FindAsync(context.ClientId, context.CancellationToken);
            if (client is null || !clients.Authenticates(client, context.ClientSecret))
            {
                OAuthLog.ClientAuthenticationFailed(logger, HubLog.Bounded(context.ClientId ?? ""));
                context.Reject(OpenIddictConstants.Errors.InvalidClient, "Client authentication failed");
            }
        }
    }

    internal sealed class RedeemCodeHandler(ProviderClients clients, OAuthGrants grants) : IOpenIddictServerHandler<HandleTokenRequestContext>
    {
        public async ValueTask HandleAsync(HandleTokenRequestContext context)
        {
            if (context.AuthorizationCodePrincipal is not { } principal || await clients.FindAsync(context.Request.ClientId, context.CancellationToken) is not { } client)
            {
                context.Reject(OpenIddictConstants.Errors.InvalidGrant, "Invalid authorization code");
                return;
            }
            var exchange = await grants.ExchangeAsync(client.Record, context.Request.Code!, context.Request.RedirectUri ?? "", context.CancellationToken);
            if (!exchange.Succeeded)
            {
                context.Reject(OpenIddictConstants.Errors.InvalidGrant, exchange.Refusal ?? "Invalid authorization code");
                return;
            }
            context.Transaction.SetProperty(ExchangeProperty, exchange);
            context.SignIn(new ClaimsPrincipal(principal.Identity!));
        }
    }

    internal sealed class SkipAccessTokenHandler : IOpenIddictServerHandler<ProcessSignInContext>
    {
        public ValueTask HandleAsync(ProcessSignInContext context)
        {
            context.GenerateAccessToken = false;
            context.IncludeAccessToken = false;
            context.GenerateRefreshToken = false;
            context.IncludeRefreshToken = false;
            return default;
        }
    }

    internal sealed class AttachHubTokenHandler : IOpenIddictServerHandler<ProcessSignInContext>
    {
        public ValueTask HandleAsync(ProcessSignInContext context)
        {
            if (context.Transaction.GetProperty<TokenExchange>(ExchangeProperty) is not { AccessToken: { } secret } exchange)
            {
                return default;
            }
            context.Response.AccessToken = secret;
            context.Response.TokenType = OpenIddictConstants.TokenTypes.Bearer;
            context.Response.ExpiresIn = (long)exchange.ExpiresIn.TotalSeconds;
            // The hub scopes the token carries (as JupyterHub answers), and the OpenID scopes granted with them.
            var openId = context.Principal?.GetScopes().Where(ProviderClient.StandardScopes.Contains) ?? [];
            context.Response.Scope = string.Join(' ', [.. openId, .. exchange.Token?.Scopes ?? []]);
            return default;
        }
    }

    internal sealed class JupyterHubErrorFieldsHandler : IOpenIddictServerHandler<ApplyTokenResponseContext>
    {
        public ValueTask HandleAsync(ApplyTokenResponseContext context)
        {
            if (string.IsNullOrEmpty(context.Response.Error))
            {
                return default;
            }
            var status = context.Transaction.GetHttpRequest()?.HttpContext.Response.StatusCode ?? 400;
            context.Response["status"] = status;
            context.Response["message"] = context.Response.ErrorDescription ?? context.Response.Error;
            return default;
        }
    }
}
