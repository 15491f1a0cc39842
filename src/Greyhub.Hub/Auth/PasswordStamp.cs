using System.Security.Cryptography;
using System.Text;

namespace Greyhub.Hub.Auth;

/// <summary>
/// What a login cookie remembers of the password it was signed in with: a short digest of the user's password hash
/// (salted, so the digest says nothing about the password). When the password changes, the stamp of every older cookie
/// no longer matches and the cookie is refused. A user without a password (another authenticator) has the empty stamp.
/// </summary>
internal static class PasswordStamp
{
    /// <summary>The login cookie's claim holding the stamp.</summary>
    public const string Claim = "greyhub:password";

    public static string Of(string? passwordHash) =>
        passwordHash is null ? "" : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(passwordHash)).AsSpan(0, 12));
}
