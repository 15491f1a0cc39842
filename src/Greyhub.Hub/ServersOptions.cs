namespace Greyhub.Hub;

/// <summary>How the hub runs users' servers (<c>Greyhub:Servers</c>); JupyterHub's names in brackets.</summary>
public sealed class ServersOptions
{
    /// <summary>Allow named servers besides the default one (<c>allow_named_servers</c>).</summary>
    public bool AllowNamedServers { get; set; } = true;

    /// <summary>Most named servers per user; 0 = no limit (<c>named_server_limit_per_user</c>).</summary>
    public int NamedServerLimitPerUser { get; set; } = 10;

    /// <summary>Answer 202 instead of 201 when a start takes longer (<c>slow_spawn_timeout</c>).</summary>
    public TimeSpan SlowSpawnTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Answer 202 instead of 204 when a stop takes longer (<c>slow_stop_timeout</c>).</summary>
    public TimeSpan SlowStopTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest wait for a started server to answer HTTP (<c>Spawner.http_timeout</c>).</summary>
    public TimeSpan HttpTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often running servers are checked (<c>Spawner.poll_interval</c>); one batch call per check.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Most spawns in flight at once; more get 429 (<c>concurrent_spawn_limit</c>).</summary>
    public int ConcurrentSpawnLimit { get; set; } = 100;

    /// <summary>How servers reach the hub's API, e.g. <c>http://10.0.0.5:8000</c>; empty: the hub's own listening address.</summary>
    public string HubConnectUrl { get; set; } = "";

    /// <summary>How often proxy activity is written to the database.</summary>
    public TimeSpan ActivityFlushInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How often the proxy's routes are made to match the database (JupyterHub's <c>check_routes</c>, which it runs at
    /// start, when its proxy restarts and after each activity update, 5 minutes by default). 30 seconds: a proxy that
    /// restarted empty without this hub knowing (one it does not start, or another replica's change) serves again within
    /// half a minute, for one <c>GET /api/routes</c> and one query of the running servers per check (cost grows with
    /// running servers, not with users). A proxy the hub starts is checked every few seconds besides and its routes put
    /// back at once.
    /// </summary>
    public TimeSpan CheckRoutesInterval { get; set; } = TimeSpan.FromSeconds(30);
}
