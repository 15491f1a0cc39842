using Greyhub.Abstractions.Compute;
using Greyhub.Plugins.Remote;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers compute engines that are plug-ins in other processes.</summary>
public static class RemoteEngineServiceCollectionExtensions
{
    /// <summary>
    /// Adds the plug-in engine <paramref name="name"/>, configured from <c>Greyhub:Compute:Remote:&lt;name&gt;</c> (and
    /// <paramref name="configure"/>): an <see cref="IComputeEngine"/> of that name, and, when the plug-in has a
    /// <c>Command</c>, the supervisor that starts it with the hub and restarts it when it dies.
    /// </summary>
    public static IServiceCollection AddRemoteComputeEngine(this IServiceCollection services, string name, Action<RemoteEngineOptions>? configure = null)
    {
        AddRemotePlugin(services, name, configure);
        services.AddSingleton<IComputeEngine>(sp => sp.GetRequiredKeyedService<RemotePlugin>(name).Engine);
        return services;
    }

    /// <summary>
    /// Makes the plug-in <paramref name="name"/> (configured under <c>Greyhub:Compute:Remote:&lt;name&gt;</c>, e.g. the
    /// JupyterHub bridge) the hub's <see cref="ISpawner"/>, replacing the engine-backed spawner; a managed plug-in is
    /// started with the hub and restarted when it dies.
    /// </summary>
    public static IServiceCollection AddRemoteSpawner(this IServiceCollection services, string name, Action<RemoteEngineOptions>? configure = null)
    {
        AddRemotePlugin(services, name, configure);
        services.RemoveAll<ISpawner>();
        services.AddSingleton<RemoteSpawner>(sp => sp.GetRequiredKeyedService<RemotePlugin>(name).Spawner);
        services.AddSingleton<ISpawner>(sp => sp.GetRequiredService<RemoteSpawner>());
        return services;
    }

    private static void AddRemotePlugin(IServiceCollection services, string name, Action<RemoteEngineOptions>? configure)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (services.Any(d => d.IsKeyedService && Equals(d.ServiceKey, name) && d.ServiceType == typeof(RemotePlugin)))
        {
            return; // one process and one supervisor per plug-in, whether it serves as engine, spawner or both
        }
        if (!services.Any(d => d.ServiceType == typeof(RemoteEngineMarker)))
        {
            services.AddSingleton<RemoteEngineMarker>();
            services.AddAllRemoteEngineOptions();
            services.AddPluginHttpClient();
        }
        services.AddOptions<RemoteEnginesOptions>().PostConfigure(o =>
        {
            if (!o.Remote.TryGetValue(name, out var engine))
            {
                o.Remote[name] = engine = new RemoteEngineOptions();
            }
            configure?.Invoke(engine);
        });
        services.AddKeyedSingleton(name, (sp, _) => RemotePlugin.Create(sp, name));
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredKeyedService<RemotePlugin>(name).Supervisor ?? (IHostedService)new Unmanaged());
    }

    /// <summary>Binds and validates <c>Greyhub:Compute:Remote</c> (also what the hub's settings check reads the keys from).</summary>
    public static IServiceCollection AddAllRemoteEngineOptions(this IServiceCollection services)
    {
        services.AddOptions<RemoteEnginesOptions>().BindConfiguration(RemoteEnginesOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RemoteEnginesOptions>, RemoteEngineOptionsValidator>());
        return services;
    }

    /// <summary>The one HTTP client every plug-in call uses (engines and authenticators), added once.</summary>
    internal static IServiceCollection AddPluginHttpClient(this IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(PluginHttpClientMarker)))
        {
            services.AddSingleton<PluginHttpClientMarker>();
            // Each call sets its own timeout, so the client's is off.
            services.AddHttpClient(PluginClient.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan)
                .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10), UseProxy = false });
            services.TryAddSingleton(TimeProvider.System);
        }
        return services;
    }

    private sealed class PluginHttpClientMarker;

    private sealed class RemoteEngineMarker;

    private sealed class Unmanaged : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
