using Greyhub.Data.Stores;
using Greyhub.Hub.Background;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Servers;

/// <summary>
/// Copies the proxy's per-route activity into servers and users now and then (JupyterHub's
/// <c>last_activity_interval</c> and <c>update_last_activity</c>), so requests through the proxy never write to the
/// database themselves. Activity is read back from the routes' <c>last_activity</c> through <see cref="ServerRoutes"/>,
/// whichever proxy holds them, and mapped to servers by the routes' <c>user</c> and <c>server_name</c>.
/// </summary>
internal sealed partial class ActivityFlushJob(ServerRoutes routes, ScopedRunner scoped, IOptions<HubOptions> options, TimeProvider time, ILogger<ActivityFlushJob> logger) : HubBackgroundService
{
    private readonly Dictionary<(string User, string Server), long> _flushed = [];

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Servers.ActivityFlushInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await TryFlushAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        // Activity since the last tick is not lost on a clean shutdown.
        await TryFlushAsync(CancellationToken.None);
    }

    /// <summary>A failed flush (a busy database, say) is logged and retried at the next tick, never fatal to the hub.</summary>
    private async Task TryFlushAsync(CancellationToken cancellationToken)
    {
        try
        {
            await FlushAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.FlushFailed(logger, e);
        }
    }

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        var current = await routes.ListAsync(cancellationToken);
        var changed = new List<((string User, string Server) Key, DateTime At)>();
        foreach (var (user, server, lastActivity) in current)
        {
            if (!_flushed.TryGetValue((user, server), out var last) || last != lastActivity.UtcTicks)
            {
                changed.Add(((user, server), lastActivity.UtcDateTime));
            }
        }
        if (changed.Count > 0)
        {
            await scoped.RunAsync(async (ServerStore servers) =>
            {
                // Routes name servers; the database keys them by id. Only running servers have routes: the lookup stays small.
                var ids = (await servers.ListActiveAsync(cancellationToken)).ToDictionary(s => (s.UserName, s.Name), s => s.Id);
                var activity = changed.Where(c => ids.ContainsKey(c.Key)).Select(c => (ids[c.Key], c.At)).ToList();
                if (activity.Count > 0)
                {
                    await servers.RecordActivityAsync(activity, cancellationToken);
                }
            });
        }
        // Marked only once written, so a failed flush is retried with the same activity; routes gone are forgotten.
        _flushed.Clear();
        foreach (var (user, server, lastActivity) in current)
        {
            _flushed[(user, server)] = lastActivity.UtcTicks;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = HubEvents.ActivityFlushFailed, Level = LogLevel.Warning, Message = "Could not record proxy activity; retrying at the next flush")]
        public static partial void FlushFailed(ILogger logger, Exception error);
    }
}
