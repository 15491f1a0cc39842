using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Greyhub.Plugins.Remote;

/// <summary>
/// One plug-in's parts, built once: its address, its engine, its spawner and (when the hub starts it) its supervisor.
/// The engine and the spawner are two views of the same calls; the hub uses the one its configuration picks.
/// </summary>
internal sealed record RemotePlugin(PluginEndpoint Endpoint, RemoteComputeEngine Engine, RemoteSpawner Spawner, ManagedPlugin? Supervisor)
{
    public static RemotePlugin Create(IServiceProvider services, string name)
    {
        var all = services.GetRequiredService<IOptions<RemoteEnginesOptions>>().Value;
        var options = all.Remote[name];
        var time = services.GetRequiredService<TimeProvider>();
        var logs = services.GetRequiredService<ILoggerFactory>();
        var endpoint = new PluginEndpoint(name);
        var client = new PluginClient(endpoint, options, services.GetRequiredService<IHttpClientFactory>(), time, logs.CreateLogger<RemoteComputeEngine>());
        var engine = new RemoteComputeEngine(client, options);
        var spawner = new RemoteSpawner(client, options);
        if (options.Command.Count == 0)
        {
            endpoint.Set(options.Url!, options.Secret ?? "");
            return new RemotePlugin(endpoint, engine, spawner, null);
        }
        return new RemotePlugin(endpoint, engine, spawner, new ManagedPlugin(endpoint, engine.HandshakeAsync, options, time, logs.CreateLogger<ManagedPlugin>()));
    }
}
