using Greyhub.Abstractions.Authentication;
using Greyhub.Data.Stores;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Login;

/// <summary>A built-in user changes their own password: the current one must be right, the new one long enough and typed twice.</summary>
internal sealed class PasswordChange(IPasswordAuthenticator authenticator, UserStore users, PasswordHasher<string> hasher, IOptions<HubOptions> options)
{
    /// <summary>Only the built-in authenticator keeps passwords here; other ones (OpenID Connect, a plug-in) own theirs.</summary>
    public bool Available => authenticator is BuiltInAuthenticator;

    public async Task<PasswordChangeResult> ChangeAsync(string userName, string current, string next, string confirm, CancellationToken cancellationToken)
    {
        if (!Available)
        {
            return PasswordChangeResult.Unavailable;
        }
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
