using Microsoft.Extensions.Hosting;

namespace Greyhub.Hub.Background;

/// <summary>
/// A background job of the hub. Its loop runs under <see cref="ThreadPoolHop"/>: a database call or a poll that
/// completes on a socket thread resumes on the pool, never on the thread that serves proxied connections.
/// </summary>
internal abstract class HubBackgroundService : BackgroundService
{
    protected sealed override Task ExecuteAsync(CancellationToken stoppingToken) => ThreadPoolHop.RunAsync(() => RunAsync(stoppingToken));

    /// <summary>The job's loop, until <paramref name="stoppingToken"/> says the hub stops.</summary>
    protected abstract Task RunAsync(CancellationToken stoppingToken);
}
