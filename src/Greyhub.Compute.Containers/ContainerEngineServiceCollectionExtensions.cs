using Greyhub.Abstractions.Compute;
using Greyhub.Compute.Containers;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the containers engine.</summary>
public static class ContainerEngineServiceCollectionExtensions
{
    /// <summary>
    /// Adds the containers engine (name <c>containers</c>), configured from <c>Greyhub:Compute:Containers</c> and
    /// validated at start-up.
    /// </summary>
    public static IServiceCollection AddContainerComputeEngine(this IServiceCollection services)
    {
        services.AddOptions<ContainerEngineOptions>().BindConfiguration(ContainerEngineOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ContainerEngineOptions>, ContainerEngineOptionsValidator>());
        services.AddSingleton<ContainerEngine>();
        services.AddSingleton<IComputeEngine>(sp => sp.GetRequiredService<ContainerEngine>());
        return services;
    }
}
