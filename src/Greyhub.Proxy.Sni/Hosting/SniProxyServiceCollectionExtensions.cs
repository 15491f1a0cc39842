using Greyhub.Proxy.Sni;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the SNI proxy.</summary>
public static class SniProxyServiceCollectionExtensions
{
    /// <summary>
    /// Adds the SNI proxy: <see cref="ISniRoutes"/> (singleton), a hosted service listening as <paramref name="section"/>
    /// configures (<see cref="SniProxyOptions"/>, validated at start), and <see cref="ISniProxyEndpoint"/> to read where it listens.
    /// </summary>
    public static IServiceCollection AddSniProxy(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        services.AddOptions<SniProxyOptions>().Bind(section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SniProxyOptions>, SniProxyOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SniRoutes>();
        services.TryAddSingleton<ISniRoutes>(sp => sp.GetRequiredService<SniRoutes>());
        services.TryAddSingleton<SniProxyService>();
        services.TryAddSingleton<ISniProxyEndpoint>(sp => sp.GetRequiredService<SniProxyService>());
        services.AddHostedService(sp => sp.GetRequiredService<SniProxyService>());
        return services;
    }
}
