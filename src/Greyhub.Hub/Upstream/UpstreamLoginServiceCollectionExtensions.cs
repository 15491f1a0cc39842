using Greyhub.Hub.Login;
using Greyhub.Hub.Upstream;
using Microsoft.AspNetCore.Authentication;
using Greyhub.Hub.Servers;
using Microsoft.AspNetCore.Authentication.OAuth;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers login through upstream OpenID Connect and OAuth2 providers (<c>Greyhub:Authentication</c>).</summary>
public static class UpstreamLoginServiceCollectionExtensions
{
    /// <summary>
    /// Adds one OpenID Connect or OAuth2 scheme per configured provider, and what uses their tokens: renewal before a
    /// server starts, the servers' environment from <c>auth_state</c>, and the provider's sign-out. The schemes come from the validated options, not from
    /// configuration read at registration, so the settings check and start-up validation see them like any other.
    /// </summary>
    public static IServiceCollection AddGreyhubUpstreamLogin(this IServiceCollection services)
    {
        services.AddOptions<UpstreamLoginOptions>().BindConfiguration(UpstreamLoginOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<UpstreamLoginOptions>, UpstreamLoginOptionsValidator>();
        services.AddOptions<AuthenticationOptions>().Configure<IOptions<UpstreamLoginOptions>>((o, upstream) => UpstreamSchemes.AddSchemes(o, upstream.Value));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<OpenIdConnectOptions>, UpstreamOpenIdConnectSetup>());
        // What AddOpenIdConnect registers: discovery, the state and nonce protectors, the backchannel.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<OpenIdConnectOptions>, OpenIdConnectPostConfigureOptions>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<OAuthOptions>, UpstreamOAuthSetup>());
        // What AddOAuth registers: the state protector and the backchannel.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<OAuthOptions>, OAuthPostConfigureOptions<OAuthOptions, OAuthHandler<OAuthOptions>>>());
        services.AddScoped<UpstreamLoginFlow>();
        services.AddScoped<UpstreamLoginEvents>();
        services.AddScoped<UpstreamOAuthEvents>();
        services.AddScoped<UpstreamUsers>();
        services.AddSingleton<UpstreamTokenRefresh>();
        services.AddScoped<IServerStartHook, UpstreamStartHook>();
        services.AddScoped<IUpstreamSignOut, UpstreamSignOut>();
        return services;
    }
}
