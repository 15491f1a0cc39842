using Greyhub.Hub.Culling;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the built-in idle culler.</summary>
internal static class CullingServiceCollectionExtensions
{
    /// <summary>The idle culler, configured from <c>Greyhub:Culler</c> (validated at start-up), run as a hosted service.</summary>
    public static IServiceCollection AddIdleCuller(this IServiceCollection services)
    {
        services.AddOptions<CullerOptions>().BindConfiguration(CullerOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CullerOptions>, CullerOptionsValidator>();
        services.AddSingleton<IdleCuller>();
        services.AddHostedServiceAfterStart<IdleCullerJob>();
        return services;
    }
}
