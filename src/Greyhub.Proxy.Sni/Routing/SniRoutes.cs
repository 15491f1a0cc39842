using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Greyhub.Proxy.Sni;

/// <summary>A backend a server name routes to.</summary>
internal sealed record SniBackend(string Host, int Port);

/// <summary>The thread-safe route table: a concurrent dictionary read once per connection, so lookups never lock.</summary>
internal sealed partial class SniRoutes(ILogger<SniRoutes> logger) : ISniRoutes
{
    private readonly ConcurrentDictionary<string, SniBackend> _routes = new(StringComparer.OrdinalIgnoreCase);

    public void Set(string serverName, string host, int port)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(serverName);
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        var backend = new SniBackend(host, port);
        // Callers set every route again each period (the clusters' reconciler, once a second): only a change is news.
        if (_routes.TryGetValue(serverName, out var current) && current == backend)
        {
            return;
        }
        _routes[serverName] = backend;
        LogRouteSet(serverName, host, port);
    }

    public bool Remove(string serverName)
    {
        ArgumentNullException.ThrowIfNull(serverName);
        var removed = _routes.TryRemove(serverName, out _);
        if (removed)
        {
            LogRouteRemoved(serverName);
        }
        return removed;
    }

    /// <summary>The backend for <paramref name="serverName"/>, if any.</summary>
    public bool TryGet(string serverName, out SniBackend backend) => _routes.TryGetValue(serverName, out backend!);

    [LoggerMessage(EventId = SniEvents.RouteSet, Level = LogLevel.Information, Message = "SNI route {ServerName} -> {Host}:{Port}")]
    private partial void LogRouteSet(string serverName, string host, int port);

    [LoggerMessage(EventId = SniEvents.RouteRemoved, Level = LogLevel.Information, Message = "SNI route {ServerName} removed")]
    private partial void LogRouteRemoved(string serverName);
}
