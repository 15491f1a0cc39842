using Greyhub.Data.Entities;
using Greyhub.Data.Stores;
using Greyhub.Hub.Admission;
using Greyhub.Hub.Background;
using Greyhub.Proxy;
using Prometheus;

namespace Greyhub.Hub.Observability;

/// <summary>
/// Prometheus metrics with JupyterHub's names where one exists. One registry per hub instance, so several
/// hubs in one process (tests) never mix their numbers.
/// </summary>
internal sealed class HubMetrics
{
    private readonly ScopedRunner _scoped;
    private readonly TimeProvider _time;
    private readonly Gauge _totalUsers;
    private readonly Gauge _activeUsers;
    private readonly Gauge _runningServers;
    private readonly ProxyCounters? _proxy;
    private readonly SpawnLine? _line;
    private readonly Gauge _spawnsWaiting;
    private readonly Gauge _spawnsStarting;
    private readonly (ICounter Counter, ProxyCount Count)[] _proxyCounters;

    public HubMetrics(ScopedRunner scoped, TimeProvider time, ProxyCounters? proxy = null, SpawnLine? line = null)
    {
        _scoped = scoped;
        _time = time;
        _proxy = proxy;
        _line = line;
        Registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(Registry);
        RequestDuration = factory.CreateHistogram("jupyterhub_request_duration_seconds", "Request duration for all HTTP requests",
            new HistogramConfiguration
            {
                LabelNames = ["method", "handler", "code"],
                Buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
            });
        _totalUsers = factory.CreateGauge("jupyterhub_total_users", "Total number of users");
        _activeUsers = factory.CreateGauge("jupyterhub_active_users", "Number of users who were active in the given time period",
            new GaugeConfiguration { LabelNames = ["period"] });
        _runningServers = factory.CreateGauge("jupyterhub_running_servers", "The number of user servers currently running");
        LoginAttempts = factory.CreateCounter("greyhub_login_attempts_total", "Login attempts by outcome",
            new CounterConfiguration { LabelNames = ["outcome"] });
        TokensIssued = factory.CreateCounter("greyhub_tokens_issued_total", "API tokens issued");
        var slow = new double[] { 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60, 120, 300 };
        SpawnDuration = factory.CreateHistogram("jupyterhub_server_spawn_duration_seconds", "Time from a start request to a ready server (the wait in line included)",
            new HistogramConfiguration { LabelNames = ["status"], Buckets = slow });
        // JupyterHub's statuses exist from the start, so dashboards and alerts see zeros rather than nothing.
        foreach (var status in new[] { "success", "failure", "already-pending", "throttled", "too-many-users" })
        {
            SpawnDuration.WithLabels(status);
        }
        SpawnQueueWait = factory.CreateHistogram("greyhub_server_spawn_queue_wait_seconds", "Time a start waited in line for a start slot (0 when one was free)",
            new HistogramConfiguration { Buckets = [0.01, 0.1, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600] });
        _spawnsWaiting = factory.CreateGauge("greyhub_spawns_waiting", "Starts waiting in line for a start slot (the queue length)");
        _spawnsStarting = factory.CreateGauge("greyhub_spawns_starting", "Starts holding a start slot (at most Servers:ConcurrentSpawnLimit)");
        StopDuration = factory.CreateHistogram("jupyterhub_server_stop_seconds", "Time taken to stop a server",
            new HistogramConfiguration { LabelNames = ["status"], Buckets = slow });
        PollDuration = factory.CreateHistogram("jupyterhub_server_poll_duration_seconds", "Time taken to poll all running servers in one batch",
            new HistogramConfiguration { Buckets = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5] });
        ServersDied = factory.CreateCounter("greyhub_servers_died_total", "Running servers found ended by the poller or at start-up");
        // JupyterHub has no culler metric (its culler is a separate service); these follow the greyhub_ names.
        Culls = factory.CreateCounter("greyhub_culler_culls_total", "Servers the built-in idle culler stopped, by reason (idle, max_age)",
            new CounterConfiguration { LabelNames = ["reason"] });
        foreach (var reason in new[] { "idle", "max_age" })
        {
            Culls.WithLabels(reason);
        }
        CulledUsers = factory.CreateCounter("greyhub_culler_users_deleted_total", "Users the built-in idle culler deleted (Culler:CullUsers)");
        CullerRuns = factory.CreateCounter("greyhub_culler_runs_total", "Passes of the built-in idle culler over the running servers (on the hub holding the housekeeping lease)");
        ProxyRoutes = factory.CreateGauge("greyhub_proxy_routes", "Routes in the proxy table");
        CheckRoutesDuration = factory.CreateHistogram("jupyterhub_check_routes_duration_seconds", "Time taken to validate all routes in proxy",
            new HistogramConfiguration { Buckets = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10] });
        RoutesAdded = factory.CreateCounter("greyhub_proxy_check_routes_added_total",
            "Routes the route check added to the proxy or pointed to a new target (missing after a proxy restart, another replica's change)");
        RoutesRemoved = factory.CreateCounter("greyhub_proxy_check_routes_removed_total",
            "Stale routes of the hub's the route check removed from the proxy");
        RouteCheckFailures = factory.CreateCounter("greyhub_proxy_check_routes_failures_total",
            "Route checks that failed (the proxy unreachable, say); the next one tries again");
        var requests = factory.CreateCounter("greyhub_proxy_requests_total",
            "Requests the proxy forwarded to servers, by the path that forwarded them (connection: below HTTP; http: YARP)",
            new CounterConfiguration { LabelNames = ["path"] });
        var failures = factory.CreateCounter("greyhub_proxy_failures_total",
            "Forwarded requests the server failed: unreachable (503), bad_response (502), timeout (504), cut_short (ended mid-response)",
            new CounterConfiguration { LabelNames = ["reason"] });
        _proxyCounters =
        [
            (requests.WithLabels("connection"), ProxyCount.ConnectionLevelRequest),
            (requests.WithLabels("http"), ProxyCount.HttpLevelRequest),
            (failures.WithLabels("unreachable"), ProxyCount.Unreachable),
            (failures.WithLabels("bad_response"), ProxyCount.BadResponse),
            (failures.WithLabels("timeout"), ProxyCount.TimedOut),
            (failures.WithLabels("cut_short"), ProxyCount.CutShort),
            (factory.CreateCounter("greyhub_proxy_upstream_connections_total",
                "Connections the connection-level proxy opened to servers (each is kept alive for later requests)"),
                ProxyCount.UpstreamConnection),
            (factory.CreateCounter("greyhub_proxy_handovers_total",
                "Client connections the connection-level proxy handed to the HTTP stack (hub pages, bodies, WebSockets, TLS)"),
                ProxyCount.Handover),
        ];
        factory.CreateGauge("greyhub_build_info", "Greyhub build", new GaugeConfiguration { LabelNames = ["version", "jupyterhub_api"] })
            .WithLabels(Greyhub.Hub.About.HubApi.GreyhubVersion, Greyhub.Hub.About.HubApi.JupyterHubVersion).Set(1);
        Registry.AddBeforeCollectCallback(RefreshAsync);
    }

    public CollectorRegistry Registry { get; }

    public Histogram RequestDuration { get; }

    public Counter LoginAttempts { get; }

    public Counter TokensIssued { get; }

    /// <summary>Spawn durations by outcome (<c>success</c>, <c>failure</c>).</summary>
    public Histogram SpawnDuration { get; }

    /// <summary>How long starts waited in line.</summary>
    public Histogram SpawnQueueWait { get; }

    /// <summary>Stop durations by outcome.</summary>
    public Histogram StopDuration { get; }

    /// <summary>Duration of one batch poll of every running server.</summary>
    public Histogram PollDuration { get; }

    /// <summary>Servers that ended on their own.</summary>
    public Counter ServersDied { get; }

    /// <summary>Servers the idle culler stopped, by reason.</summary>
    public Counter Culls { get; }

    /// <summary>Users the idle culler deleted.</summary>
    public Counter CulledUsers { get; }

    /// <summary>Completed passes of the idle culler.</summary>
    public Counter CullerRuns { get; }

    /// <summary>Routes in the proxy table.</summary>
    public Gauge ProxyRoutes { get; }

    /// <summary>Duration of one route check (JupyterHub's <c>check_routes</c>).</summary>
    public Histogram CheckRoutesDuration { get; }

    /// <summary>Routes the route check added or updated.</summary>
    public Counter RoutesAdded { get; }

    /// <summary>Routes the route check removed.</summary>
    public Counter RoutesRemoved { get; }

    /// <summary>Route checks that failed.</summary>
    public Counter RouteCheckFailures { get; }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        // The admin commands' container has no proxy: its counters stay at zero.
        if (_proxy is not null)
        {
            foreach (var (counter, count) in _proxyCounters)
            {
                counter.IncTo(_proxy.Get(count));
            }
            ProxyRoutes.Set(_proxy.Routes);
        }
        if (_line is not null)
        {
            _spawnsWaiting.Set(_line.Waiting);
            _spawnsStarting.Set(_line.Starting);
        }
        var now = _time.GetUtcNow().UtcDateTime;
        await _scoped.RunAsync(async (UserStore users) =>
        {
            _totalUsers.Set(await users.CountAsync(cancellationToken));
            _activeUsers.WithLabels("24h").Set(await users.CountActiveSinceAsync(now.AddDays(-1), cancellationToken));
            _activeUsers.WithLabels("7d").Set(await users.CountActiveSinceAsync(now.AddDays(-7), cancellationToken));
            _activeUsers.WithLabels("30d").Set(await users.CountActiveSinceAsync(now.AddDays(-30), cancellationToken));
        });
        await _scoped.RunAsync(async (ServerStore servers) => _runningServers.Set(await servers.CountAsync(ServerPhases.Running, cancellationToken)));
    }
}
