namespace Greyhub.Abstractions.Authentication;

/// <summary>
/// Checks a user name and password (JupyterHub's <c>Authenticator.authenticate</c> for form logins).
/// Who may log in afterwards (allowed, blocked, admin) is the hub's rule, not the authenticator's.
/// </summary>
public interface IPasswordAuthenticator
{
    /// <summary>Name that configuration uses to pick this authenticator.</summary>
    string Name { get; }

    /// <summary>Returns the authenticated user, or null when the credentials are wrong.</summary>
    /// <param name="userName">The normalised user name.</param>
    /// <param name="password">The password as typed.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    Task<AuthenticatedUser?> AuthenticateAsync(string userName, string password, CancellationToken cancellationToken);
}

/// <summary>The outcome of a successful authentication.</summary>
/// <param name="Name">User name.</param>
/// <param name="Admin">Admin flag to set, or null to leave it as it is.</param>
public sealed record AuthenticatedUser(string Name, bool? Admin = null);
