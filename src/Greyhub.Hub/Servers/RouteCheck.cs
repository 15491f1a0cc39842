using Greyhub.Abstractions.Proxy;
using Greyhub.Data.Entities;
using Greyhub.Data.Stores;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Background;
using Greyhub.Hub.Observability;
using Microsoft.Extensions.Logging;

namespace Greyhub.Hub.Servers;

/// <summary>
/// Makes the proxy's routes match the database (JupyterHub's <c>Proxy.check_routes</c>): every running server has its
/// route to its URL, every service with a URL its route, the hub has its own with an external proxy, and routes the hub marked (<c>jupyterhub</c>) that
/// match nothing go. Routes of servers that are starting or stopping are left to their start or stop, and routes
/// without the mark are someone else's and never touched. Whatever emptied or changed the proxy (its restart, another
/// hub replica, an operator) is put right by the next check.
/// </summary>
internal sealed partial class RouteCheck(
    ScopedRunner scoped,
    ServerRoutes routes,
    SpawnTracker tracker,
    ServerChecks checks,
    ServiceCatalog services,
    HubAddress address,
    HubMetrics metrics,
    ILogger<RouteCheck> logger)
{
    /// <summary>One check; returns how many routes it added (or re-targeted) and removed.</summary>
    public async Task<(int Added, int Removed)> RunAsync(CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        // The database first: a server that becomes ready meanwhile has its route added by its start before it is
        // marked running, so it is never taken for a stale route (it is pending in what was read).
        var checking = checks.Snapshot();
        var active = await scoped.RunAsync((ServerStore servers) => servers.ListActiveAsync(cancellationToken));
        var current = await routes.AllAsync(cancellationToken);
        var wanted = new Dictionary<string, (Uri Target, Func<Task> Add)>(StringComparer.Ordinal);
        var leftAlone = new HashSet<string>(StringComparer.Ordinal);
        if (routes.HasHubRoute)
        {
            var hub = new Uri(address.ConnectUrl);
            wanted[routes.HubPath] = (hub, () => routes.AddHubAsync(hub, cancellationToken));
        }
        foreach (var service in services.All)
        {
            if (service.Url is { } serviceUrl)
            {
                var target = new Uri(serviceUrl);
                wanted[ProxyRoutePath.Normalize(routes.ServicePathOf(service.Name))] =
                    (ServerRoutes.TargetOf(target), () => routes.AddServiceAsync(service.Name, target, cancellationToken));
            }
        }
        foreach (var server in active)
        {
            var key = new ServerKey(server.UserName, server.Name);
            var path = ProxyRoutePath.Normalize(routes.PathOf(server.UserName, server.Name));
            if (server.Phase == ServerPhases.Running && server.Url is { } url && !tracker.IsStopping(key) && !checking.Contains(server.Id))
            {
                var target = new Uri(url);
                wanted[path] = (ServerRoutes.TargetOf(target), () => routes.AddAsync(server.UserName, server.Name, target, cancellationToken));
            }
            else
            {
                // Pending or stopping: its start adds the route, its stop removes it (JupyterHub's "pending" rule);
                // being re-adopted: its check adds the route or removes it.
                leftAlone.Add(path);
            }
        }
        var added = 0;
        foreach (var (path, (target, add)) in wanted)
        {
            if (!current.TryGetValue(path, out var route))
            {
                Log.Missing(logger, path, target);
            }
            else if (!SameTarget(route.Target, target))
            {
                Log.TargetChanged(logger, path, route.Target, target);
            }
            else
            {
                continue;
            }
            await add();
            added++;
        }
        var removed = 0;
        foreach (var (path, route) in current)
        {
            if (ServerRoutes.IsHubs(route) && !wanted.ContainsKey(path) && !leftAlone.Contains(path))
            {
                Log.Stale(logger, path, route.Target);
                await routes.DeleteAsync(path, cancellationToken);
                removed++;
            }
        }
        metrics.RoutesAdded.Inc(added);
        metrics.RoutesRemoved.Inc(removed);
        // Last: a check counts as done (in the histogram's count) with its changes counted.
        metrics.CheckRoutesDuration.Observe(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
        return (added, removed);
    }

    private static bool SameTarget(Uri actual, Uri wanted) =>
        actual.IsAbsoluteUri && string.Equals(actual.AbsoluteUri.TrimEnd('/'), wanted.AbsoluteUri.TrimEnd('/'), StringComparison.OrdinalIgnoreCase);

    private static partial class Log
    {
        [LoggerMessage(EventId = HubEvents.RouteMissing, Level = LogLevel.Warning, Message = "Adding missing route {Path} -> {Target}")]
        public static partial void Missing(ILogger logger, string path, Uri target);

        [LoggerMessage(EventId = HubEvents.RouteTargetChanged, Level = LogLevel.Warning, Message = "Updating route {Path} ({Old} -> {New})")]
        public static partial void TargetChanged(ILogger logger, string path, Uri old, Uri @new);

        [LoggerMessage(EventId = HubEvents.RouteStale, Level = LogLevel.Warning, Message = "Deleting stale route {Path} -> {Target}")]
        public static partial void Stale(ILogger logger, string path, Uri target);
    }
}
