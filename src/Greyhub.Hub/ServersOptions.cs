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

    /// <summary>
    /// Most starts the engines run at once; 0 = no limit (<c>concurrent_spawn_limit</c>, 100 in JupyterHub). More wait
    /// in line, or get 429 under <see cref="SpawnLimitMode.Reject"/>. 20 by default: a start on the local engine costs
    /// about a core-second of Python imports, so twenty at once keep a large host busy without thrashing it, and since
    /// the line keeps everyone's place nobody is turned away; engines whose starts mostly wait (Slurm, image pulls) want
    /// a higher number.
    /// </summary>
    public int ConcurrentSpawnLimit { get; set; } = 20;

    /// <summary>What a start beyond <see cref="ConcurrentSpawnLimit"/> gets: a place in line (default) or JupyterHub's 429.</summary>
    public SpawnLimitMode ConcurrentSpawnLimitMode { get; set; } = SpawnLimitMode.Queue;

    /// <summary>The range a 429's <c>Retry-After</c> is drawn from in <see cref="SpawnLimitMode.Reject"/> (<c>spawn_throttle_retry_range</c>).</summary>
    public TimeSpan SpawnThrottleRetryMin { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Upper end of the <c>Retry-After</c> range.</summary>
    public TimeSpan SpawnThrottleRetryMax { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Most active servers (starting, waiting in line, running or stopping); more starts get 429; 0 = no limit (<c>active_server_limit</c>).</summary>
    public int ActiveServerLimit { get; set; }

    /// <summary>Most active servers of the members of each named group; a user in several groups must fit in each.</summary>
    public Dictionary<string, int> ActiveServerLimitPerGroup { get; set; } = new(StringComparer.Ordinal);

    /// <summary>How servers reach the hub's API, e.g. <c>http://10.0.0.5:8000</c>; empty: the hub's own listening address.</summary>
    public string HubConnectUrl { get; set; } = "";

    /// <summary>
    /// How long a single-user server may keep the hub's answer about a token (HubAuth's <c>cache_max_age</c>, passed as
    /// <c>--HubAuth.cache_max_age</c>; 5 minutes in HubAuth itself). One second by default, so that revoking a share,
    /// removing a user from a group or revoking a token takes effect on the server within a second rather than five
    /// minutes; the cost is one <c>GET /hub/api/user</c> per browser tab per second in which the tab makes requests.
    /// Whole seconds; <see cref="TimeSpan.Zero"/> passes nothing and leaves HubAuth's own default (its 0 would mean
    /// "forever"), for a server command that takes no Jupyter options. Left out for a server whose command or arguments set
    /// <c>--HubAuth.cache_max_age</c> themselves.
    /// </summary>
    public TimeSpan HubAuthCacheMaxAge { get; set; } = TimeSpan.FromSeconds(1);

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

/// <summary>What a start gets when every start slot is taken.</summary>
public enum SpawnLimitMode
{
    /// <summary>A place in a first-come, first-served line; the API answers 202 at once and the progress stream shows the place.</summary>
    Queue,

    /// <summary>JupyterHub's behaviour: 429 with <c>Retry-After</c>.</summary>
    Reject,
}
