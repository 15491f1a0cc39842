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

    /// <summary>
    /// JupyterHub's <c>Authenticator.custom_html</c> and <c>login_service</c>: what the sign-in form shows instead of the
    /// hub's user name and password fields, or null for the hub's own form (the default). Asked on each sign-in page, so
    /// an implementation answers from what it already knows rather than making a call each time.
    /// </summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<LoginFormText?> GetLoginFormAsync(CancellationToken cancellationToken) => Task.FromResult<LoginFormText?>(null);

    /// <summary>
    /// When the hub asks <see cref="RefreshUserAsync"/> (JupyterHub's <c>auth_refresh_age</c> and <c>refresh_pre_spawn</c>),
    /// or null when this authenticator never refreshes (the default: nothing is asked, nothing is kept per user).
    /// </summary>
    AuthRefreshPolicy? RefreshPolicy => null;

    /// <summary>
    /// JupyterHub's <c>Authenticator.refresh_user</c>: whether what the hub knows of <paramref name="user"/> is still
    /// good, better (an updated user), or expired (the user must sign in again).
    /// </summary>
    /// <param name="user">The user as the hub knows it now, with its decrypted <c>auth_state</c>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="AuthenticatorUnavailableException">The authenticator could not answer.</exception>
    Task<AuthRefresh> RefreshUserAsync(AuthenticatedUser user, CancellationToken cancellationToken) => Task.FromResult(AuthRefresh.Fresh);
}

/// <summary>When the hub refreshes a user's authentication (JupyterHub's <c>auth_refresh_age</c> and <c>refresh_pre_spawn</c>).</summary>
/// <param name="MaxAge">How old a user's authentication may be before a request refreshes it; zero: never on requests.</param>
/// <param name="BeforeSpawn">Refresh before every server start, whatever its age (a failed refresh refuses the start).</param>
public sealed record AuthRefreshPolicy(TimeSpan MaxAge, bool BeforeSpawn);

/// <summary>What <see cref="IPasswordAuthenticator.RefreshUserAsync"/> found.</summary>
/// <param name="Valid">False: the authentication expired, the user must sign in again.</param>
/// <param name="Updated">A newer admin flag, groups or <c>auth_state</c> to apply (its name is ignored: a refresh cannot rename); null: nothing changed.</param>
public sealed record AuthRefresh(bool Valid, AuthenticatedUser? Updated = null)
{
    /// <summary>Still good, nothing to change (JupyterHub's <c>True</c>).</summary>
    public static AuthRefresh Fresh { get; } = new(true);

    /// <summary>Expired: sign in again (JupyterHub's <c>False</c> or <c>None</c>).</summary>
    public static AuthRefresh Expired { get; } = new(false);
}

/// <summary>An authenticator's own sign-in form (JupyterHub's <c>custom_html</c> and <c>login_service</c>).</summary>
/// <param name="CustomHtml">
/// The form's fields and text, as the authenticator wrote them (untrusted: the hub sanitises it, and posts its fields
/// named <c>username</c> and <c>password</c> to <see cref="IPasswordAuthenticator.AuthenticateAsync"/>); null for the hub's fields.
/// </param>
/// <param name="LoginService">The service's name for the button, "Sign in with …"; null for "Sign in".</param>
public sealed record LoginFormText(string? CustomHtml, string? LoginService);

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

    /// <summary>Creates the error with a message for the log, a reason for the sign-in page and its cause.</summary>
    /// <param name="message">Everything the operator needs (addresses, calls, the answer's excerpt): for the log only.</param>
    /// <param name="reason">What went wrong in a few words, safe to show to anyone signing in: see <see cref="Reason"/>.</param>
    /// <param name="innerException">The cause.</param>
    public AuthenticatorUnavailableException(string message, string reason, Exception? innerException)
        : base(message, innerException)
    {
        Reason = reason;
    }

    /// <summary>
    /// What went wrong in a few words ("did not answer in time"), completing "the authenticator …", with no address,
    /// secret or answer in it: the sign-in page shows it. Null when there is nothing more to say than "unavailable".
    /// </summary>
    public string? Reason { get; }

    /// <summary>
    /// True when the authenticator could not be asked at all (not reachable, no answer in time), false when it answered
    /// with an error or something unreadable. A refresh lets the request through only when transient.
    /// </summary>
    public bool Transient { get; init; }
}
