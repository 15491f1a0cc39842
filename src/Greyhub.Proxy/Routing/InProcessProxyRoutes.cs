using System.Text.Json;
using Greyhub.Abstractions.Proxy;
using Microsoft.Extensions.Logging;

namespace Greyhub.Proxy;

/// <summary><see cref="IProxyRoutes"/> over this process's route table: what the hub uses when the proxy runs inside it.</summary>
internal sealed partial class InProcessProxyRoutes(RouteTable table, TimeProvider time, ILogger<InProcessProxyRoutes> logger) : IProxyRoutes
{
    public Task<IReadOnlyDictionary<string, ProxyRouteEntry>> GetRoutesAsync(DateTimeOffset? inactiveSince, CancellationToken cancellationToken)
    {
        var routes = new Dictionary<string, ProxyRouteEntry>(StringComparer.Ordinal);
        foreach (var route in table.All)
        {
            // CHP keeps a route whose last activity is strictly before the time asked.
            if (inactiveSince is not { } since || route.LastActivity < since)
            {
                routes[route.Path] = Entry(route);
            }
        }
        return Task.FromResult<IReadOnlyDictionary<string, ProxyRouteEntry>>(routes);
    }

    public Task<ProxyRouteEntry?> GetRouteAsync(string path, CancellationToken cancellationToken) =>
        Task.FromResult(table.Get(path) is { } route ? Entry(route) : null);

    public Task AddRouteAsync(string path, Uri target, IReadOnlyDictionary<string, JsonElement> data, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (ProxyTarget.Parse(target.OriginalString, out var error) is null)
        {
            throw new ArgumentException($"A route's target is refused: {error}.", nameof(target));
        }
        if (!ProxyTarget.IsPrintable(path))
        {
            throw new ArgumentException("A route path must not hold control characters.", nameof(path));
        }
        var normalized = ProxyRoutePath.Normalize(path);
        // The caller's elements may belong to a document it disposes: the route keeps copies.
        var copy = data.Where(d => d.Key != "target").ToDictionary(d => d.Key, d => d.Value.Clone(), StringComparer.Ordinal);
        table.Set(new ProxyRoute(normalized, target, copy, time.GetUtcNow().UtcDateTime));
        Log.Added(logger, normalized, target.OriginalString);
        return Task.CompletedTask;
    }

    public Task<bool> DeleteRouteAsync(string path, CancellationToken cancellationToken)
    {
        var removed = table.Remove(path);
        if (removed is not null)
        {
            Log.Removed(logger, removed.Path);
        }
        return Task.FromResult(removed is not null);
    }

    private static ProxyRouteEntry Entry(ProxyRoute route) => new(route.Path, route.Target, route.Data, route.LastActivity);

    private static partial class Log
    {
        [LoggerMessage(EventId = ProxyEvents.RouteAdded, Level = LogLevel.Information, Message = "Route added {Path} -> {Target}")]
        public static partial void Added(ILogger logger, string path, string target);

        [LoggerMessage(EventId = ProxyEvents.RouteRemoved, Level = LogLevel.Information, Message = "Route removed {Path}")]
        public static partial void Removed(ILogger logger, string path);
    }
}
