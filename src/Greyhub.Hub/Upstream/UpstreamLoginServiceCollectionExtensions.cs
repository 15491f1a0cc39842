using Greyhub.Hub.Login;
using Greyhub.Hub.Upstream;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers login through upstream OpenID Connect providers (<c>Greyhub:Authentication</c>).</summary>
public static class UpstreamLoginServiceCollectionExtensions
{
    /// <summary>
    /// Adds one OpenID Connect scheme per configured provider. The schemes come from the validated options, not from
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
        services.AddScoped<UpstreamLoginEvents>();
        services.AddScoped<UpstreamUsers>();
        return services;
    }
}
