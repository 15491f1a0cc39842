using Greyhub.Abstractions.Compute;
using Greyhub.Compute.Local;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the local engine.</summary>
public static class LocalEngineServiceCollectionExtensions
{
    /// <summary>Adds the local process engine, configured from <c>Greyhub:Compute:Local</c>.</summary>
    public static IServiceCollection AddLocalComputeEngine(this IServiceCollection services)
    {
        services.AddOptions<LocalEngineOptions>().BindConfiguration(LocalEngineOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<LocalEngineOptions>, LocalEngineOptionsValidator>();
        services.AddSingleton<LocalProcessEngine>();
        services.AddSingleton<IComputeEngine>(sp => sp.GetRequiredService<LocalProcessEngine>());
        return services;
    }
}
