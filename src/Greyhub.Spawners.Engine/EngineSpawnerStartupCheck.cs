using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Greyhub.Spawners.Engine;

/// <summary>
/// Runs <see cref="EngineSpawner.CheckAsync"/> once as the hub starts, beside it rather than before it: the hub serves
/// at once, and a start that comes in meanwhile waits for the same check. A missing program is logged, not fatal: the
/// hub's API, users and tokens work without it, and a program installed later is found by the next start.
/// </summary>
internal sealed class EngineSpawnerStartupCheck(EngineSpawner spawner, ILogger<EngineSpawnerStartupCheck> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await spawner.CheckAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The hub stopped first.
        }
        catch (Exception ex)
        {
            SpawnerLog.CheckFailed(logger, ex);
        }
    }
}
