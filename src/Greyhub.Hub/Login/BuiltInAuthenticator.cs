using Greyhub.Abstractions.Authentication;
using Greyhub.Data.Stores;
using Microsoft.AspNetCore.Identity;

namespace Greyhub.Hub.Login;

/// <summary>
/// Users and passwords kept in the hub's database, hashed with ASP.NET Core Identity's PBKDF2 hasher.
/// A wrong user and a wrong password take the same time, so user names do not leak.
/// </summary>
internal sealed class BuiltInAuthenticator(UserStore users, PasswordHasher<string> hasher) : IPasswordAuthenticator
{
    // A hash of a random password, checked when the user has none, to keep timing uniform.
    private static readonly string DummyHash = new PasswordHasher<string>().HashPassword("", Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)));

    public string Name => "builtin";

    public async Task<AuthenticatedUser?> AuthenticateAsync(string userName, string password, CancellationToken cancellationToken)
    {
        var hash = await users.GetPasswordHashAsync(userName, cancellationToken);
        var result = hasher.VerifyHashedPassword(userName, hash ?? DummyHash, password);
        if (hash is null || result == PasswordVerificationResult.Failed)
        {
            return null;
        }
        if (result == PasswordVerificationResult.SuccessRehashNeeded)
        {
            await users.SetPasswordHashAsync(userName, hasher.HashPassword(userName, password), cancellationToken);
        }
        return new AuthenticatedUser(userName);
    }
}
