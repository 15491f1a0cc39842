using Greyhub.Abstractions.Authentication;
using Greyhub.Data.Stores;
using Greyhub.Hub.Auth;
using Greyhub.Hub.OAuth;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Login;

/// <summary>
/// A built-in user changes their own password: the current one must be right, the new one long enough and typed twice.
/// The user's other login sessions end (their cookies carry the old password's stamp, and what they authorized through
/// OAuth is revoked); the session that made the change is signed in again with the new stamp by the caller.
/// </summary>
internal sealed class PasswordChange(
    IPasswordAuthenticator authenticator, UserStore users, OAuthGrants grants, PasswordHasher<string> hasher, IOptions<HubOptions> options)
{
    /// <summary>Only the built-in authenticator keeps passwords here; other ones (OpenID Connect, a plug-in) own theirs.</summary>
    public bool Available => authenticator is BuiltInAuthenticator;

    public async Task<PasswordChangeResult> ChangeAsync(RequestIdentity user, string current, string next, string confirm, CancellationToken cancellationToken)
    {
        if (!Available)
        {
            return PasswordChangeResult.Unavailable;
        }
        var userName = user.Name;
        if (current.Length == 0 || await authenticator.AuthenticateAsync(userName, current, cancellationToken) is null)
        {
            return PasswordChangeResult.WrongCurrent;
        }
        if (next != confirm)
        {
            return PasswordChangeResult.Mismatch;
        }
        if (next.Length < options.Value.Authenticator.MinimumPasswordLength)
        {
            return PasswordChangeResult.TooShort;
        }
        await users.SetPasswordHashAsync(userName, hasher.HashPassword(userName, next), cancellationToken);
        // Also drops every cached caller (HubState), so the other sessions' next request reads the new stamp.
        await grants.RevokeOtherSessionsAsync(user.UserId ?? throw new InvalidOperationException("Only a user changes a password."), user.SessionId, cancellationToken);
        return PasswordChangeResult.Changed;
    }
}

/// <summary>How a password change ended.</summary>
internal enum PasswordChangeResult
{
    Changed,
    WrongCurrent,
    Mismatch,
    TooShort,
    Unavailable,
}
