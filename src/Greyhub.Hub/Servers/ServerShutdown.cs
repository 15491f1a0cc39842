using Greyhub.Data.Entities;
using Greyhub.Data.Stores;
using Greyhub.Hub.Audit;
using Greyhub.Hub.Background;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Greyhub.Hub.Servers;

/// <summary>
/// At a clean stop, stops every running server when the shutdown request asked for it (<c>servers: true</c>); otherwise
/// servers keep running and the next start re-adopts them (<see cref="ServerRecovery"/>). Registered after
/// the proxy's service, so it stops first: routes are removed while the proxy still answers.
/// </summary>
internal sealed partial class ServerShutdown(HubShutdown shutdown, ScopedRunner scoped, ServerStopper stopper, AuditLog audit, ILogger<ServerShutdown> logger)
    : IHostedService
{
    // Stops run a few at a time: each waits for its process, and the host's shutdown timeout bounds them all.
    private const int Parallel = 16;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (shutdown.Requested is not { StopServers: true } plan)
        {
            return;
        }
        var running = (await scoped.RunAsync((ServerStore servers) => servers.ListActiveAsync(cancellationToken)))
            .Where(s => s.Phase == ServerPhases.Running).ToList();
        LogStopping(logger, running.Count);
        await System.Threading.Tasks.Parallel.ForEachAsync(running, new ParallelOptions { MaxDegreeOfParallelism = Parallel, CancellationToken = cancellationToken },
            async (server, _) =>
            {
                audit.Record(AuditActions.ServerStop, AuditActor.Hub, server.UserName, server.Name, $"hub shutdown requested by {plan.RequestedBy}");
                await stopper.StopRunningAsync(server);
            });
    }

    [LoggerMessage(EventId = HubEvents.ShutdownStoppingServers, Level = LogLevel.Information, Message = "Stopping {Count} running servers, as the shutdown request asked")]
    private static partial void LogStopping(ILogger logger, int count);
}
