namespace Greyhub.Abstractions.Compute;

/// <summary>
/// A spawner that can say when a server ends without being polled. While a started server comes up, the hub waits on
/// this instead of calling <see cref="ISpawner.PollAsync"/> every 100 ms: for a spawner in another process each poll is
/// a call, and a watch is one.
/// </summary>
public interface ISpawnerEndWatch
{
    /// <summary>
    /// A task that completes with the server's status once it no longer runs, and runs until then (or until
    /// <paramref name="cancellationToken"/> is cancelled); null when this spawner cannot watch right now, and the hub
    /// polls instead. A task that fails means the watch was lost (the hub then polls), not that the server ended.
    /// </summary>
    Task<SpawnerStatus>? WatchEnd(string state, CancellationToken cancellationToken);
}
