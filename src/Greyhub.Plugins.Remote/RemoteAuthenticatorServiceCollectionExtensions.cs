using Greyhub.Abstractions.Authentication;
using Greyhub.Plugins.Remote;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers password authenticators that are plug-ins in other processes.</summary>
public static class RemoteAuthenticatorServiceCollectionExtensions
{
    /// <summary>
    /// Adds the plug-in authenticator <paramref name="name"/>, configured from <c>Greyhub:Authenticator:Remote:&lt;name&gt;</c>
    /// (and <paramref name="configure"/>): an <see cref="IPasswordAuthenticator"/> keyed by that name (what
    /// <c>Greyhub:Authenticator:Type</c> picks), and, when the plug-in has a <c>Command</c>, the supervisor that starts it
    /// with the hub and restarts it when it dies.
    /// </summary>
    public static IServiceCollection AddRemoteAuthenticator(this IServiceCollection services, string name, Action<RemoteEngineOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        services.AddAllRemoteAuthenticatorOptions();
        services.AddPluginHttpClient();
        services.AddOptions<RemoteAuthenticatorsOptions>().PostConfigure(o =>
        {
            if (!o.Remote.TryGetValue(name, out var plugin))
            {
                o.Remote[name] = plugin = new RemoteEngineOptions();
            }
            configure?.Invoke(plugin);
        });
        services.AddKeyedSingleton(name, (sp, _) => AuthenticatorPlugin.Create(sp, name));
        services.AddKeyedSingleton<IPasswordAuthenticator>(name, (sp, _) => sp.GetRequiredKeyedService<AuthenticatorPlugin>(name).Authenticator);
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredKeyedService<AuthenticatorPlugin>(name).Supervisor ?? (IHostedService)new NoSupervisor());
        return services;
    }

    /// <summary>Binds and validates <c>Greyhub:Authenticator:Remote</c> (also what the hub's settings check reads the keys from).</summary>
    public static IServiceCollection AddAllRemoteAuthenticatorOptions(this IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(IValidateOptions<RemoteAuthenticatorsOptions>)))
        {
            services.AddOptions<RemoteAuthenticatorsOptions>().BindConfiguration(RemoteAuthenticatorsOptions.Section).ValidateOnStart();
            services.AddSingleton<IValidateOptions<RemoteAuthenticatorsOptions>, RemoteEngineOptionsValidator>();
        }
        return services;
    }

    /// <summary>One plug-in authenticator's parts, built once.</summary>
    private sealed record AuthenticatorPlugin(RemoteAuthenticator Authenticator, ManagedPlugin? Supervisor)
    {
        public static AuthenticatorPlugin Create(IServiceProvider services, string name)
        {
            var options = services.GetRequiredService<IOptions<RemoteAuthenticatorsOptions>>().Value.Remote[name];
            var time = services.GetRequiredService<TimeProvider>();
            var logs = services.GetRequiredService<ILoggerFactory>();
            var endpoint = new PluginEndpoint(name);
            var client = new PluginClient(endpoint, options, services.GetRequiredService<IHttpClientFactory>(), time, logs.CreateLogger<RemoteAuthenticator>());
            var authenticator = new RemoteAuthenticator(client, options);
            if (options.Command.Count == 0)
            {
                endpoint.Set(options.Url!, options.Secret ?? "");
                return new AuthenticatorPlugin(authenticator, null);
            }
            return new AuthenticatorPlugin(authenticator,
                new ManagedPlugin(endpoint, authenticator.HandshakeAsync, options, time, logs.CreateLogger<ManagedPlugin>()));
        }
    }

    private sealed class NoSupervisor : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
