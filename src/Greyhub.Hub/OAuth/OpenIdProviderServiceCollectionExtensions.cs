using Greyhub.Hub;
using Greyhub.Hub.OAuth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the hub's OAuth2 / OpenID provider on OpenIddict.</summary>
public static class OpenIdProviderServiceCollectionExtensions
{
    /// <summary>
    /// Adds the provider: OpenIddict's server in degraded mode (the hub's client registry and code table are its
    /// stores), at JupyterHub's endpoints, with discovery and JWKS under the issuer <c>{scheme}://{host}{base_url}hub/</c>,
    /// keys from the data folder's secrets, and <c>Greyhub:OpenIdProvider</c> for third-party clients.
    /// </summary>
    public static IServiceCollection AddGreyhubOpenIdProvider(this IServiceCollection services)
    {
        services.AddOptions<OpenIdProviderOptions>().BindConfiguration(OpenIdProviderOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<OpenIdProviderOptions>, OpenIdProviderOptionsValidator>();
        services.AddScoped<OAuthClients>();
        services.AddScoped<OAuthGrants>();
        services.AddScoped<ClientAccess>();
        services.AddScoped<ProviderClients>();
        services.AddSingleton(sp => new ProviderKeys(Path.Combine(sp.GetRequiredService<IOptions<HubOptions>>().Value.DataDir, "secrets"),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<OpenIdProviderOptions>>().Value));
        services.AddSingleton<ProviderKeyRotation>();
        services.AddHostedServiceAfterStart(sp => sp.GetRequiredService<ProviderKeyRotation>());

        services.AddOpenIddict().AddServer(o =>
        {
            // Relative to the issuer (see ProviderHandlers.HubBaseUri): /hub/api/oauth2/..., /hub/.well-known/...
            o.SetAuthorizationEndpointUris("api/oauth2/authorize")
                .SetTokenEndpointUris("api/oauth2/token")
                .SetConfigurationEndpointUris(".well-known/openid-configuration")
                .SetJsonWebKeySetEndpointUris(".well-known/jwks");
            o.AllowAuthorizationCodeFlow();
            o.EnableDegradedMode();
            o.DisableTokenStorage();
            o.DisableAuthorizationStorage();
            // Hub scopes are open-ended (access:servers!server=alice/gpu); ClientAccess decides them.
            o.DisableScopeValidation();
            o.SetAuthorizationCodeLifetime(OAuthGrants.CodeLifetime);
            o.UseAspNetCore()
                .EnableAuthorizationEndpointPassthrough()
                .EnableErrorPassthrough()
                // The hub runs behind the proxy on loopback or behind a TLS-terminating one; it does not demand HTTPS itself.
                .DisableTransportSecurityRequirement();
            // OpenID requests must name a registered redirect URI; a server's is relative, which OpenIddict refuses.
            o.RemoveEventHandler(OpenIddictServerHandlers.Authentication.ValidateRedirectUriParameter.Descriptor);
            o.AddEventHandler(ProviderHandlers.HubBaseUri);
            o.AddEventHandler(ProviderHandlers.RecordCode);
            o.AddEventHandler(ProviderHandlers.Discovery);
            o.AddEventHandler(AuthorizeHandlers.ValidateClient);
            o.AddEventHandler(AuthorizeHandlers.MergeQueryOnPost);
            o.AddEventHandler(AuthorizeHandlers.RelativeRedirect);
            o.AddEventHandler(TokenHandlers.AuthenticateClient);
            o.AddEventHandler(TokenHandlers.RedeemCode);
            o.AddEventHandler(TokenHandlers.SkipAccessToken);
            o.AddEventHandler(TokenHandlers.AttachHubToken);
            o.AddEventHandler(TokenHandlers.JupyterHubErrorFields);
        });
        // The authentication middleware asks OpenIddict's handler about every request; the gate in its place asks it only
        // about requests routed where the provider's may land (ProviderRequests), keeping it off the API's hot paths.
        services.AddTransient<ProviderRequestGate>();
        services.PostConfigure<AuthenticationOptions>(o =>
            o.SchemeMap[OpenIddictServerAspNetCoreDefaults.AuthenticationScheme].HandlerType = typeof(ProviderRequestGate));
        // Keys and time come from the hub's services, read each time the options are built (ProviderKeyRotation rebuilds them).
        services.AddOptions<OpenIddictServerOptions>().Configure<ProviderKeys, TimeProvider, IOptions<OpenIdProviderOptions>>((o, keys, time, provider) =>
        {
            var ring = keys.Current();
            foreach (var key in ring.Published)
            {
                o.SigningCredentials.Add(new SigningCredentials(key.Key, SecurityAlgorithms.RsaSha256));
            }
            o.EncryptionCredentials.Add(new EncryptingCredentials(keys.EncryptionKey, SecurityAlgorithms.Aes256KW, SecurityAlgorithms.Aes256CbcHmacSha512));
            o.TimeProvider = time;
            o.IdentityTokenLifetime = provider.Value.IdentityTokenLifetime;
        });
        return services;
    }
}
