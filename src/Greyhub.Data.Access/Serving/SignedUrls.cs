using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Greyhub.Data.Access.Datasets;
using Greyhub.Hub.Auth;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace Greyhub.Data.Access.Serving;

/// <summary>A signed URL as issued: both forms, the prefix it covers and when it expires.</summary>
internal sealed record SignedUrl(string QueryUrl, string PathUrl, string Prefix, DateTimeOffset ExpiresAt);

/// <summary>What checking a signature found.</summary>
internal enum SignatureCheck
{
    /// <summary>Signed by this hub, unexpired, and the key is under the signed prefix.</summary>
    Valid,

    /// <summary>Signed by this hub but past its expiry.</summary>
    Expired,

    /// <summary>Not a signature of this hub for this dataset and key (tampered, or another dataset or prefix).</summary>
    Invalid,
}

/// <summary>
/// Short-lived URLs for clients that cannot send a header: HMAC-SHA256 over dataset, prefix and expiry with a key
/// derived from the hub's token secret (so every hub sharing the data folder's secret accepts them). Two forms:
/// <c>/data/{dataset}/{prefix}?exp=..&amp;sig=..[&amp;prefix=..]</c> for one file or a browser, and
/// <c>/data/{dataset}/~sig.{exp}.{prefix}.{sig}/{prefix}</c> for Zarr and fsspec, which append keys to the path and
/// would lose a query string. Whoever holds one reads what it covers until it expires, as with object-store
/// presigned URLs.
/// </summary>
internal sealed class SignedUrls(HubSecrets secrets, TimeProvider time, IOptions<DataAccessOptions> options)
{
    /// <summary>The first segment of a key that carries a path-form signature.</summary>
    public const string PathMarker = "~sig.";

    private readonly byte[] _key = HKDF.DeriveKey(HashAlgorithmName.SHA256, secrets.TokenKey, 32, salt: [], info: "greyhub data signed urls"u8.ToArray());

    /// <summary>Signs <paramref name="prefix"/> of <paramref name="dataset"/> for <paramref name="lifetime"/> (the default when null, at most the maximum).</summary>
    public SignedUrl Issue(string dataset, string prefix, TimeSpan? lifetime)
    {
        prefix = prefix.Trim('/');
        var life = lifetime ?? options.Value.SignedUrlLifetime;
        if (life > options.Value.SignedUrlMaxLifetime)
        {
            life = options.Value.SignedUrlMaxLifetime;
        }
        var expires = time.GetUtcNow() + life;
        var exp = expires.ToUnixTimeSeconds();
        var sig = Sign(dataset, prefix, exp);
        var path = DataPaths.Dataset(dataset) + EscapeKey(prefix);
        var query = $"?exp={exp.ToString(CultureInfo.InvariantCulture)}&sig={sig}" + (prefix.Length > 0 ? "&prefix=" + Uri.EscapeDataString(prefix) : "");
        var token = $"{PathMarker}{exp.ToString(CultureInfo.InvariantCulture)}.{WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(prefix))}.{sig}";
        var pathUrl = DataPaths.Dataset(dataset) + token + "/" + EscapeKey(prefix);
        return new SignedUrl(path + query, pathUrl.TrimEnd('/') + "/", prefix, DateTimeOffset.FromUnixTimeSeconds(exp));
    }

    /// <summary>Checks the query form (<c>exp</c>, <c>sig</c>, optional <c>prefix</c>) for <paramref name="key"/>.</summary>
    public SignatureCheck CheckQuery(string dataset, string key, string? exp, string? sig, string? prefix) =>
        Check(dataset, key, exp, sig, prefix ?? "");

    /// <summary>Checks a path-form token (the segment after <see cref="PathMarker"/>) for <paramref name="key"/>.</summary>
    public SignatureCheck CheckPathToken(string dataset, string key, string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            return SignatureCheck.Invalid;
        }
        string prefix;
        try
        {
            prefix = Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(parts[1]));
        }
        catch (FormatException)
        {
            return SignatureCheck.Invalid;
        }
        return Check(dataset, key, parts[0], parts[2], prefix);
    }

    private SignatureCheck Check(string dataset, string key, string? exp, string? sig, string prefix)
    {
        if (!long.TryParse(exp, NumberStyles.None, CultureInfo.InvariantCulture, out var expires) || sig is null)
        {
            return SignatureCheck.Invalid;
        }
        var expected = Encoding.ASCII.GetBytes(Sign(dataset, prefix, expires));
        var given = Encoding.ASCII.GetBytes(sig);
        if (!CryptographicOperations.FixedTimeEquals(expected, given))
        {
            return SignatureCheck.Invalid;
        }
        if (prefix.Length > 0 && !(key == prefix || key.StartsWith(prefix + "/", StringComparison.Ordinal)))
        {
            return SignatureCheck.Invalid;
        }
        return time.GetUtcNow().ToUnixTimeSeconds() >= expires ? SignatureCheck.Expired : SignatureCheck.Valid;
    }

    private string Sign(string dataset, string prefix, long exp)
    {
        var message = Encoding.UTF8.GetBytes($"{dataset}\n{prefix}\n{exp.ToString(CultureInfo.InvariantCulture)}");
        return WebEncoders.Base64UrlEncode(HMACSHA256.HashData(_key, message));
    }

    private static string EscapeKey(string key) => string.Join('/', key.Split('/').Select(Uri.EscapeDataString));
}
