using Greyhub.Abstractions.Compute;
using Greyhub.Compute.Slurm;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Slurm engine.</summary>
public static class SlurmEngineServiceCollectionExtensions
{
    /// <summary>
    /// Adds the Slurm engine (named <c>slurm</c>), configured from <c>Greyhub:Compute:Slurm</c> and validated at start-up;
    /// it is also an <see cref="IJobEndpointReceiver"/> for batchspawner-style endpoint callbacks.
    /// </summary>
    public static IServiceCollection AddSlurmComputeEngine(this IServiceCollection services, Action<SlurmEngineOptions>? configure = null)
    {
        var builder = services.AddOptions<SlurmEngineOptions>().BindConfiguration(SlurmEngineOptions.Section).ValidateOnStart();
        if (configure is not null)
        {
            builder.Configure(configure);
        }
        services.AddSingleton<IValidateOptions<SlurmEngineOptions>, SlurmEngineOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient(SlurmEngine.HttpClientName);
        services.AddSingleton<SlurmEngine>();
        services.AddSingleton<IComputeEngine>(sp => sp.GetRequiredService<SlurmEngine>());
        services.AddSingleton<IJobEndpointReceiver>(sp => sp.GetRequiredService<SlurmEngine>());
        return services;
    }
}
