using Greyhub.Abstractions.Compute;
using Greyhub.Data;
using Greyhub.Data.Entities;
using Greyhub.Data.Stores;
using Greyhub.Hub.Http;
using Greyhub.Hub.Observability;
using Greyhub.Hub.Proxy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Greyhub.Hub.Servers;

/// <summary>
/// Stops servers: stopping is written first, then the route goes, the spawner stops the server, its credentials are
/// revoked, and stopped is written last. The same clean-up serves a server found dead by the poller.
/// </summary>
internal sealed partial class ServerStopper(
    IServiceScopeFactory scopes,
    ISpawner spawner,
    SpawnTracker tracker,
    ProxyRouteTable routes,
    ILogger<ServerStopper> logger)
{
    /// <summary>Requests a stop (and optionally removal); the task completes when the server is stopped.</summary>
    public async Task<Task> StopAsync(UserRecord user, ServerRecord server, bool remove, CancellationToken cancellationToken)
    {
        var key = new ServerKey(user.Name, server.Name);
        switch (server.Phase)
        {
            case ServerPhases.Pending when tracker.Spawn(key) is { Completion.IsCompleted: false }:
                throw ApiException.BadRequest($"{key} is pending spawn, please wait");
            case ServerPhases.Stopped:
                if (remove)
                {
                    await using var scope = scopes.CreateAsyncScope();
                    await scope.ServiceProvider.GetRequiredService<ServerStore>().DeleteAsync(server.Id, cancellationToken);
                    scope.ServiceProvider.GetRequiredService<HubState>().Changed();
                }
                return Task.CompletedTask;
            default:
                return tracker.StopOnce(key, () => StopCoreAsync(key, server.Id, remove));
        }
    }

    private async Task StopCoreAsync(ServerKey key, int serverId, bool remove)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        await using var scope = scopes.CreateAsyncScope();
        var provider = scope.ServiceProvider;
        var servers = provider.GetRequiredService<ServerStore>();
        var current = await servers.FindByIdAsync(serverId, CancellationToken.None);
        if (current is null)
        {
            return;
        }
        await servers.TransitionAsync(serverId, current.Phase, ServerPhases.Stopping, current.Url, CancellationToken.None);
        provider.GetRequiredService<HubState>().Changed();
        await CleanUpAsync(provider, key, serverId, ServerState.Parse(current.State), stopServer: true, CancellationToken.None);
        if (remove)
        {
            await servers.DeleteAsync(serverId, CancellationToken.None);
        }
        provider.GetRequiredService<HubMetrics>().StopDuration.WithLabels("success").Observe(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
        LogStopped(logger, key);
    }

    /// <summary>
    /// Takes a server down to stopped: route, process, credentials, then the row (with <paramref name="reason"/> when the
    /// owner did not ask for the stop).
    /// </summary>
    public async Task CleanUpAsync(IServiceProvider provider, ServerKey key, int serverId, ServerState state, bool stopServer, CancellationToken cancellationToken, string? reason = null)
    {
        routes.Remove(key.User, key.Server);
        provider.GetRequiredService<HubMetrics>().ProxyRoutes.Set(routes.All.Count);
        tracker.Forget(key);
        if (stopServer && state.Spawner is { } spawnerState)
        {
            await spawner.StopAsync(spawnerState, cancellationToken);
        }
        await provider.GetRequiredService<ServerCredentials>().RevokeAsync(state, cancellationToken);
        await provider.GetRequiredService<ServerStore>().MarkStoppedAsync(serverId, reason, cancellationToken);
        provider.GetRequiredService<HubState>().Changed();
    }

    [LoggerMessage(EventId = HubEvents.ServerStopped, Level = LogLevel.Information, Message = "Server {Server} stopped")]
    private static partial void LogStopped(ILogger logger, ServerKey server);
}
