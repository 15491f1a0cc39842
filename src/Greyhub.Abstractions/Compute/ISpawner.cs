using System.Text.Json;

namespace Greyhub.Abstractions.Compute;

/// <summary>
/// JupyterHub's Spawner contract in C#: starts, polls and stops one user's server. A spawner keeps no memory of its
/// own: everything it needs to find a server again is the opaque state it saves through
/// <see cref="ISpawnContext.SaveStateAsync"/> (before it waits for anything) and returns in
/// <see cref="SpawnedServer"/>; the hub stores it, so a restarted hub polls and stops the same server.
/// </summary>
public interface ISpawner
{
    /// <summary>Name that configuration uses to pick this spawner.</summary>
    string Name { get; }

    /// <summary>Named choices a user may pick with <c>{"profile": NAME}</c> in <c>user_options</c> (the options form).</summary>
    IReadOnlyList<SpawnerProfile> Profiles { get; }

    /// <summary>
    /// Validates <c>user_options</c> and returns them normalised as a JSON object (the profile named, defaults
    /// filled). Throws <see cref="UserOptionsException"/> with a message for the user when they are invalid.
    /// </summary>
    string ValidateUserOptions(JsonElement? userOptions);

    /// <summary>Starts the server and returns once it runs and its URL is known (not necessarily answering yet).</summary>
    Task<SpawnedServer> StartAsync(SpawnRequest request, ISpawnContext context, CancellationToken cancellationToken);

    /// <summary>The status of many servers in one call, from their saved states (same order).</summary>
    Task<IReadOnlyList<SpawnerStatus>> PollAsync(IReadOnlyList<string> states, CancellationToken cancellationToken);

    /// <summary>Stops the server (graceful, then forced). Stopping a stopped server is not an error.</summary>
    Task StopAsync(string state, CancellationToken cancellationToken);

    /// <summary>The last <paramref name="maxBytes"/> of the server's output, for error pages and logs.</summary>
    Task<string> ReadLogAsync(string state, int maxBytes, CancellationToken cancellationToken);
}

/// <summary>What the hub asks a spawner to start.</summary>
public sealed record SpawnRequest
{
    /// <summary>Owner's name.</summary>
    public required string UserName { get; init; }

    /// <summary>Server name; empty for the default server.</summary>
    public string ServerName { get; init; } = "";

    /// <summary>Whether the owner is an admin (JupyterHub's <c>user.admin</c>, which some spawners read).</summary>
    public bool Admin { get; init; }

    /// <summary>The owner's groups (JupyterHub's <c>user.groups</c>, which some spawners read).</summary>
    public IReadOnlyList<string> Groups { get; init; } = [];

    /// <summary>The server's URL prefix, e.g. <c>/user/alice/</c>; the server must serve under it.</summary>
    public required string ServicePrefix { get; init; }

    /// <summary>The JupyterHub environment the hub gives every server (API token, URLs, OAuth client, ...).</summary>
    public required IReadOnlyDictionary<string, string> HubEnvironment { get; init; }

    /// <summary>
    /// Arguments the hub adds after the configured command and arguments (<c>--Class.trait=value</c>), each left out
    /// when the command already sets that option itself: what the operator wrote wins.
    /// </summary>
    public IReadOnlyList<string> HubArguments { get; init; } = [];

    /// <summary>Validated, normalised <c>user_options</c> (a JSON object), as returned by <see cref="ISpawner.ValidateUserOptions"/>.</summary>
    public string UserOptions { get; init; } = "{}";

    /// <summary>
    /// The state this spawner saved for the server's last run, null for its first: JupyterHub loads a spawner's stored
    /// state before each start (then clears what a new start must not reuse), so a spawner may reuse a name it chose.
    /// </summary>
    public string? PreviousState { get; init; }
}

/// <summary>The hub's side of a start: where progress goes and where state is stored.</summary>
public interface ISpawnContext
{
    /// <summary>Reports progress (0–100) and a message for the user's progress bar.</summary>
    void Report(int progress, string message);

    /// <summary>Stores the spawner's state now, before the spawner waits for anything, so a hub killed mid-start still finds the server.</summary>
    Task SaveStateAsync(string state, CancellationToken cancellationToken);
}

/// <summary>A started server.</summary>
/// <param name="Url">Where the hub reaches it, including its prefix (e.g. <c>http://127.0.0.1:40123/user/alice/</c>).</param>
/// <param name="State">Opaque state to store and pass back to poll and stop.</param>
public sealed record SpawnedServer(Uri Url, string State);

/// <summary>A server's status from a poll.</summary>
/// <param name="Running">True while the server is running (or still starting).</param>
/// <param name="Url">Where it listens, when known.</param>
/// <param name="ExitCode">The exit code when it ended and the code is known.</param>
/// <param name="Reason">Why it is not running, in words for people.</param>
public sealed record SpawnerStatus(bool Running, Uri? Url = null, int? ExitCode = null, string? Reason = null);

/// <summary>A named choice of what to run (JupyterHub's profile list / options form).</summary>
/// <param name="Name">Identifier used in <c>user_options</c>.</param>
/// <param name="DisplayName">Title shown on the spawn page.</param>
/// <param name="Description">One line shown under the title.</param>
public sealed record SpawnerProfile(string Name, string DisplayName, string Description);

/// <summary>Invalid <c>user_options</c>; the message is shown to the user (400).</summary>
public sealed class UserOptionsException(string message) : Exception(message);

/// <summary>A start that failed; the message says why, and <see cref="LogTail"/> holds the server's last output.</summary>
public sealed class SpawnFailedException(string message, string logTail = "", Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The last lines of the server's output, when any.</summary>
    public string LogTail { get; } = logTail;
}
