using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Greyhub.Compute.Slurm;

/// <summary>
/// The JWT sent to slurmrestd: a fixed token, a token file (read again when it changes), or tokens minted here with
/// Slurm's <c>jwt_key</c> (HS256, claims <c>sun</c>, <c>iat</c>, <c>exp</c> — what <c>scontrol token</c> issues),
/// renewed when 80 % of their lifetime has passed.
/// </summary>
internal sealed class SlurmTokenSource(SlurmRestOptions options, TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (string Token, DateTimeOffset Renew)> _minted = new(StringComparer.Ordinal);
    private (DateTime Written, string Token)? _fromFile;

    /// <summary>True when tokens can be made for any user (needed to run jobs as other users).</summary>
    public bool CanMint => !string.IsNullOrEmpty(options.JwtKeyFile);

    public async Task<string> TokenAsync(string user, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(options.Token))
        {
            return options.Token;
        }
        if (!string.IsNullOrEmpty(options.TokenFile))
        {
            var written = File.GetLastWriteTimeUtc(options.TokenFile);
            if (_fromFile is { } cached && cached.Written == written)
            {
                return cached.Token;
            }
            var text = (await File.ReadAllTextAsync(options.TokenFile, cancellationToken)).Trim();
            var token = text.StartsWith("SLURM_JWT=", StringComparison.Ordinal) ? text["SLURM_JWT=".Length..] : text;
            _fromFile = (written, token);
            return token;
        }
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (_minted.TryGetValue(user, out var m) && m.Renew > now)
            {
                return m.Token;
            }
        }
        var key = await File.ReadAllBytesAsync(options.JwtKeyFile!, cancellationToken);
        var minted = Mint(key, user, now, options.TokenLifetime);
        lock (_lock)
        {
            _minted[user] = (minted, now + options.TokenLifetime * 0.8);
        }
        return minted;
    }

    /// <summary>An HS256 JWT as slurmctld's auth/jwt accepts it.</summary>
    public static string Mint(byte[] key, string user, DateTimeOffset now, TimeSpan lifetime)
    {
        var header = Base64Url("{\"alg\":\"HS256\",\"typ\":\"JWT\"}"u8);
        var claims = new JsonObject
        {
            ["exp"] = now.Add(lifetime).ToUnixTimeSeconds(),
            ["iat"] = now.ToUnixTimeSeconds(),
            ["sun"] = user,
        };
        var payload = Base64Url(Encoding.UTF8.GetBytes(claims.ToJsonString(new JsonSerializerOptions())));
        var signature = Base64Url(HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(header + "." + payload)));
        return header + "." + payload + "." + signature;
    }

    private static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
