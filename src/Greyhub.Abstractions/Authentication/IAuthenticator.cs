using System.Text.Json.Nodes;

namespace Greyhub.Abstractions.Authentication;

/// <summary>
/// Checks a user name and password (JupyterHub's <c>Authenticator.authenticate</c> for form logins).
/// Who may log in afterwards (allowed, blocked, admin) is the hub's rule, not the authenticator's.
/// </summary>
public interface IPasswordAuthenticator
{
    /// <summary>Name that configuration uses to pick this authenticator (<c>Greyhub:Authenticator:Type</c>).</summary>
    string Name { get; }

    /// <summary>Returns the authenticated user, or null when the credentials are wrong.</summary>
    /// <param name="userName">The normalised user name.</param>
    /// <param name="password">The password as typed.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <exception cref="AuthenticatorUnavailableException">The authenticator could not give an answer (down, slow, broken).</exception>
    Task<AuthenticatedUser?> AuthenticateAsync(string userName, string password, CancellationToken cancellationToken);

    /// <summary>
    /// JupyterHub's <c>Authenticator.pre_spawn_start</c>: environment variables to add to a server of
    /// <paramref name="user"/> before it starts (the hub's own <c>JUPYTERHUB_*</c> ones win). None by default.
    /// </summary>
    /// <param name="user">The user as the hub knows it now, with its decrypted <c>auth_state</c>.</param>
    /// <param name="serverName">The server's name ("" for the default server).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<IReadOnlyDictionary<string, string>> PreSpawnStartAsync(AuthenticatedUser user, string serverName, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyDictionary<string, string>>(AuthenticatedUser.NoEnvironment);

    /// <summary>
    /// JupyterHub's <c>Authenticator.post_spawn_stop</c>: a server of <paramref name="user"/> has stopped (to clean up
    /// what <see cref="PreSpawnStartAsync"/> set up). Nothing by default; a failure is logged and changes nothing.
    /// </summary>
    /// <param name="user">The user as the hub knows it now, with its decrypted <c>auth_state</c>.</param>
    /// <param name="serverName">The server's name ("" for the default server).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task PostSpawnStopAsync(AuthenticatedUser user, string serverName, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>The outcome of a successful authentication.</summary>
/// <param name="Name">User name.</param>
/// <param name="Admin">Admin flag to set, or null to leave it as it is.</param>
/// <param name="Groups">
/// The user's groups when the authenticator manages them (JupyterHub's <c>manage_groups</c>): the hub makes the user a
/// member of exactly these. Null leaves the user's groups to the hub.
/// </param>
/// <param name="AuthState">State to keep for the user (tokens, claims), stored encrypted; null leaves the stored one.</param>
public sealed record AuthenticatedUser(string Name, bool? Admin = null, IReadOnlyList<string>? Groups = null, JsonObject? AuthState = null)
{
    /// <summary>An empty environment.</summary>
    public static IReadOnlyDictionary<string, string> NoEnvironment { get; } = new Dictionary<string, string>();
}

/// <summary>
/// The authenticator could not answer (it is down, too slow, or its answer made no sense): not a wrong password. The
/// login page says the login service is unavailable; the message names the authenticator and the cause for the log.
/// </summary>
public sealed class AuthenticatorUnavailableException : Exception
{
    /// <summary>Creates the error.</summary>
    public AuthenticatorUnavailableException()
    {
    }

    /// <summary>Creates the error with a message.</summary>
    public AuthenticatorUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the error with a message and its cause.</summary>
    public AuthenticatorUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
