using Greyhub.Abstractions.Compute;
using Greyhub.Spawners.Engine;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the engine-backed spawner.</summary>
public static class EngineSpawnerServiceCollectionExtensions
{
    /// <summary>Adds the engine-backed spawner as the hub's <see cref="ISpawner"/>, configured from <c>Greyhub:Spawner</c>.</summary>
    public static IServiceCollection AddEngineSpawner(this IServiceCollection services, Action<EngineSpawnerOptions>? configure = null)
    {
        var builder = services.AddOptions<EngineSpawnerOptions>().BindConfiguration(EngineSpawnerOptions.Section).ValidateOnStart();
        if (configure is not null)
        {
            builder.Configure(configure);
        }
        services.AddSingleton<IValidateOptions<EngineSpawnerOptions>, EngineSpawnerOptionsValidator>();
        services.AddSingleton<EngineSpawner>();
        services.AddSingleton<ISpawner>(sp => sp.GetRequiredService<EngineSpawner>());
        // The servers' command, checked on the hub's machine once the hub listens (local engine only): a spawn waits for the check.
        services.AddHostedServiceAfterStart<EngineSpawnerStartupCheck>();
        return services;
    }

    private sealed class EngineSpawnerOptionsValidator(IEnumerable<IComputeEngine> engines) : IValidateOptions<EngineSpawnerOptions>
    {
        public ValidateOptionsResult Validate(string? name, EngineSpawnerOptions options)
        {
            var problems = options.Validate(EngineSpawnerOptions.Section).ToList();
            var names = engines.Select(e => e.Name).ToList();
            // With no engine registered at all, the composition root reports the unknown name itself.
            if (names.Count > 0 && !names.Contains(options.Engine))
            {
                problems.Add($"{EngineSpawnerOptions.Section}:Engine '{options.Engine}' is unknown; available: {string.Join(", ", names)}");
            }
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
