using System.Security.Cryptography;
using System.Text;

namespace Greyhub.Hub.Auth;

/// <summary>
/// Makes and hashes API tokens. Tokens carry 128 random bits, so a single keyed hash (HMAC-SHA256 with a
/// hub secret) is enough: it is fast on every request and useless to someone who steals only the database.
/// </summary>
internal sealed class TokenHasher(HubSecrets secrets)
{
    /// <summary>A new random token: 32 lowercase hex characters, like JupyterHub's.</summary>
    public static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>The keyed hash stored for <paramref name="token"/>.</summary>
    public string Hash(string token)
    {
        Span<byte> mac = stackalloc byte[32];
        var maxBytes = Encoding.UTF8.GetMaxByteCount(token.Length);
        byte[]? rented = null;
        var buffer = maxBytes <= 512 ? stackalloc byte[maxBytes] : (rented = new byte[maxBytes]);
        var length = Encoding.UTF8.GetBytes(token, buffer);
        HMACSHA256.HashData(secrets.TokenKey, buffer[..length], mac);
        return Convert.ToHexStringLower(mac);
    }

    /// <summary>What the database keeps to help a person recognise a token.</summary>
    public static string Prefix(string token) => token.Length >= 4 ? token[..4] : token;
}
