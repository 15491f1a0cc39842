namespace Greyhub.Data.Entities;

/// <summary>A user's server (default or named) and what the hub knows of it.</summary>
public sealed class ServerEntity
{
    /// <summary>Database id.</summary>
    public int Id { get; set; }

    /// <summary>Owner.</summary>
    public int UserId { get; set; }

    /// <summary>Owner navigation.</summary>
    public UserEntity? User { get; set; }

    /// <summary>Server name; empty for the default server.</summary>
    public string Name { get; set; } = "";

    /// <summary>Lifecycle state: stopped, pending, running, stopping.</summary>
    public string Phase { get; set; } = ServerPhases.Stopped;

    /// <summary>Where the hub reaches the server, when running.</summary>
    public string? Url { get; set; }

    /// <summary>When the server was last started (UTC).</summary>
    public DateTime? Started { get; set; }

    /// <summary>Last activity (UTC).</summary>
    public DateTime? LastActivity { get; set; }

    /// <summary>User options as a JSON object.</summary>
    public string UserOptions { get; set; } = "{}";

    /// <summary>Spawner/engine state as a JSON object, persisted so a restarted hub re-attaches.</summary>
    public string State { get; set; } = "{}";

    /// <summary>
    /// Why the server last stopped when its owner did not stop it (it exited, its job hit a time limit, its container
    /// was removed, its start failed), in words for people; null after a stop the user asked for, and once it starts again.
    /// </summary>
    public string? StopReason { get; set; }
}

/// <summary>Values of <see cref="ServerEntity.Phase"/>.</summary>
public static class ServerPhases
{
    /// <summary>Not running.</summary>
    public const string Stopped = "stopped";

    /// <summary>Start requested, not ready yet.</summary>
    public const string Pending = "pending";

    /// <summary>Running and ready.</summary>
    public const string Running = "running";

    /// <summary>Stop requested.</summary>
    public const string Stopping = "stopping";
}
