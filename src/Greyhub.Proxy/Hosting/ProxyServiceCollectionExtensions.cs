using Greyhub.Abstractions.Proxy;
using Greyhub.Proxy;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the proxy brick.</summary>
public static class ProxyServiceCollectionExtensions
{
    /// <summary>
    /// The route table, both forwarding paths and <see cref="IProxyRoutes"/> over the table (in-process), with
    /// <see cref="ProxyOptions"/> bound to <c>Greyhub:Proxy</c> and validated at start. Put the connection-level path on
    /// listeners with <c>ListenOptions.UseGreyhubProxy()</c> and the HTTP-level one in the pipeline with <c>UseGreyhubProxy()</c>.
    /// </summary>
    public static IServiceCollection AddGreyhubProxy(this IServiceCollection services)
    {
        services.AddHttpForwarder();
        services.AddOptions<ProxyOptions>().BindConfiguration(ProxyOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ProxyOptions>, ProxyOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<RouteTable>();
        services.TryAddSingleton(sp => new ProxyCounters(sp.GetRequiredService<RouteTable>()));
        services.TryAddSingleton<ProxyErrorResponder>();
        services.TryAddSingleton<ProxyClientConnections>();
        services.TryAddSingleton<ProxyConnectionMiddleware>();
        services.TryAddSingleton<YarpUpstream>();
        services.TryAddSingleton<IProxyRoutes, InProcessProxyRoutes>();
        services.AddHostedService<ProxyConnectionSweeper>();
        return services;
    }

    /// <summary>
    /// What CHP's REST API needs (map it with <c>MapProxyApi()</c>): the token scheme and the policy every endpoint requires.
    /// </summary>
    public static IServiceCollection AddGreyhubProxyApi(this IServiceCollection services)
    {
        services.AddAuthentication(ProxyTokenAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ProxyTokenAuthenticationHandler>(ProxyTokenAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder().AddPolicy(ProxyTokenAuthenticationHandler.Policy, policy => policy
            .AddAuthenticationSchemes(ProxyTokenAuthenticationHandler.SchemeName)
            .RequireAuthenticatedUser());
        return services;
    }
}
