using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Greyhub.Hub.OAuth;

/// <summary>The provider's handlers outside the authorize and token requests: its address, its codes, its discovery document.</summary>
internal static class ProviderHandlers
{
    /// <summary>
    /// The issuer is the hub's own address, <c>{scheme}://{host}{base_url}hub/</c>: clients find the discovery document
    /// at <c>{issuer}.well-known/openid-configuration</c>, and every endpoint is a path under it.
    /// </summary>
    public static OpenIddictServerHandlerDescriptor HubBaseUri { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessRequestContext>()
        .UseSingletonHandler<HubBaseUriHandler>()
        .SetOrder(OpenIddictServerAspNetCoreHandlers.ResolveRequestUri.Descriptor.Order + 1)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    /// <summary>Every code OpenIddict issues is also stored (hashed) in the hub's code table: that is what makes it single-use.</summary>
    public static OpenIddictServerHandlerDescriptor RecordCode { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessSignInContext>()
        .AddFilter<OpenIddictServerHandlerFilters.RequireAuthorizationRequest>()
        .UseScopedHandler<RecordCodeHandler>()
        .SetOrder(OpenIddictServerHandlers.GenerateAuthorizationCode.Descriptor.Order + 1)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    /// <summary>The endpoints the hub serves itself (userinfo, revocation) and the scopes and claims it issues.</summary>
    public static OpenIddictServerHandlerDescriptor Discovery { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<HandleConfigurationRequestContext>()
        .UseSingletonHandler<DiscoveryHandler>()
        .SetOrder(OpenIddictServerHandlers.Discovery.AttachAdditionalMetadata.Descriptor.Order + 1)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    internal sealed class HubBaseUriHandler : IOpenIddictServerHandler<ProcessRequestContext>
    {
        // The base varies only with the scheme and host a request names, and a hub is mostly reached at one: the last
        // one's issuer is kept rather than parsed again for every request.
        private BaseAndIssuer? _last;

        public ValueTask HandleAsync(ProcessRequestContext context)
        {
            if (context.BaseUri is { } baseUri)
            {
                var last = Volatile.Read(ref _last);
                if (last is null || !string.Equals(last.Base, baseUri.OriginalString, StringComparison.Ordinal))
                {
                    last = new BaseAndIssuer(baseUri.OriginalString, new Uri(baseUri, "hub/"));
                    Volatile.Write(ref _last, last);
                }
                context.BaseUri = last.Issuer;
            }
            return default;
        }

        private sealed record BaseAndIssuer(string Base, Uri Issuer);
    }

    internal sealed class RecordCodeHandler(ProviderClients clients, OAuthGrants grants) : IOpenIddictServerHandler<ProcessSignInContext>
    {
        public async ValueTask HandleAsync(ProcessSignInContext context)
        {
            if (context.AuthorizationCode is not { } code || context.Principal is not { } principal)
            {
                return;
            }
            var client = await clients.FindAsync(context.Request.ClientId, context.CancellationToken)
                ?? throw new InvalidOperationException("The client was validated for this request.");
            await grants.RecordCodeAsync(client.Record, ProviderPrincipal.UserId(principal), ProviderPrincipal.SessionId(principal),
                ProviderPrincipal.RedirectUri(principal), ProviderPrincipal.HubScopes(principal), code, context.CancellationToken);
        }
    }

    internal sealed class DiscoveryHandler : IOpenIddictServerHandler<HandleConfigurationRequestContext>
    {
        public ValueTask HandleAsync(HandleConfigurationRequestContext context)
        {
            if (context.Issuer is { } issuer)
            {
                context.UserInfoEndpoint = new Uri(issuer, "api/oauth2/userinfo");
                context.RevocationEndpoint = new Uri(issuer, "api/oauth2/revoke");
                context.RevocationEndpointAuthenticationMethods.UnionWith(
                    [OpenIddictConstants.ClientAuthenticationMethods.ClientSecretBasic, OpenIddictConstants.ClientAuthenticationMethods.ClientSecretPost]);
            }
            context.Scopes.UnionWith(ProviderClient.StandardScopes);
            context.Claims.UnionWith([OpenIddictConstants.Claims.Subject, OpenIddictConstants.Claims.Name, OpenIddictConstants.Claims.PreferredUsername,
                "groups", OpenIddictConstants.Claims.Scope]);
            context.TokenEndpointAuthenticationMethods.Add(OpenIddictConstants.ClientAuthenticationMethods.None);
            return default;
        }
    }
}
