namespace Greyhub.Plugins.Remote;

/// <summary>
/// Every remote engine, by the name <c>Greyhub:Spawner:Engine</c> picks: <c>Greyhub:Compute:Remote:&lt;name&gt;:...</c>.
/// </summary>
public sealed class RemoteEnginesOptions
{
    /// <summary>Configuration section (the engines are under its <c>Remote</c> key).</summary>
    public const string Section = "Greyhub:Compute";

    /// <summary>The plug-ins, by engine name.</summary>
    public Dictionary<string, RemoteEngineOptions> Remote { get; } = new(StringComparer.Ordinal);
}

/// <summary>
/// Every plug-in authenticator, by the name <c>Greyhub:Authenticator:Type</c> picks:
/// <c>Greyhub:Authenticator:Remote:&lt;name&gt;:...</c>, with the same settings as a plug-in engine.
/// </summary>
public sealed class RemoteAuthenticatorsOptions
{
    /// <summary>Configuration section (the plug-ins are under its <c>Remote</c> key).</summary>
    public const string Section = "Greyhub:Authenticator";

    /// <summary>The plug-ins, by authenticator name.</summary>
    public Dictionary<string, RemoteEngineOptions> Remote { get; } = new(StringComparer.Ordinal);
}

/// <summary>One plug-in engine (or authenticator): where it listens (or how to start it) and how patient the hub is with it.</summary>
public sealed class RemoteEngineOptions
{
    /// <summary>
    /// The plug-in's base address (e.g. <c>http://127.0.0.1:9300/</c>). Optional for a managed plug-in
    /// (<see cref="Command"/> set): the hub then picks a free loopback port at each start.
    /// </summary>
    public Uri? Url { get; set; }

    /// <summary>The shared secret sent as <c>Authorization: Bearer</c>. A managed plug-in without one gets a fresh random secret at each start.</summary>
    public string? Secret { get; set; }

    /// <summary>Longest wait for one call (a stop waits its grace on top).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Further attempts after a call failed for a reason that may pass (unreachable, timed out, 502/503/504). Only idempotent calls, and launches (which carry an idempotency key), are retried.</summary>
    public int Retries { get; set; } = 2;

    /// <summary>Pause before the first retry; each next retry waits one more of it.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>When set, the hub starts the plug-in itself with this program and arguments, and restarts it if it dies.</summary>
    public IList<string> Command { get; } = [];

    /// <summary>Extra environment of a managed plug-in (on top of the hub's own and <c>GREYHUB_PLUGIN_*</c>).</summary>
    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    /// <summary>Where a managed plug-in's output goes; empty means <c>greyhub-plugins/&lt;name&gt;.log</c> in the temporary folder.</summary>
    public string LogFile { get; set; } = "";

    /// <summary>Longest wait for a spawner plug-in's start, from the call to its answer with the server's URL.</summary>
    public TimeSpan SpawnTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Longest wait for a managed plug-in to answer its handshake after a start.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a managed plug-in's health (its handshake) is checked.</summary>
    public TimeSpan HealthInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Failed health checks in a row after which a managed plug-in that still runs is killed and restarted.</summary>
    public int HealthFailures { get; set; } = 3;
}
