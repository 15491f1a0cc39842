using System.Globalization;
using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace Greyhub.Hub.OAuth;

/// <summary>One RSA signing key of the ring: its id, when it starts signing, the key itself.</summary>
internal sealed record SigningKey(string Id, DateTimeOffset SignsFrom, RsaSecurityKey Key);

/// <summary>What the ring publishes and signs with at a moment: the signing key first, then every other published key.</summary>
internal sealed record KeyRingState(SigningKey Signing, IReadOnlyList<SigningKey> Published)
{
    public string Fingerprint => string.Join(',', Published.Select(k => k.Id)) + ">" + Signing.Id;
}

/// <summary>
/// The provider's keys, kept in the data folder's secrets (owner-only files), so id_tokens stay verifiable across
/// restarts. Signing keys rotate: a successor is created and published <c>SigningKeyPrepublish</c> before it signs
/// (clients that cache the JWKS learn it first), and a retired key stays published <c>IdentityTokenLifetime</c>
/// after its successor took over (until the last id_token it signed expires). The key that encrypts authorization
/// codes is symmetric and never published.
/// </summary>
internal sealed class ProviderKeys
{
    private const string Extension = ".pem";
    private readonly string _directory;
    private readonly TimeProvider _time;
    private readonly OpenIdProviderOptions _options;
    private readonly Lock _lock = new();

    public ProviderKeys(string secretsDirectory, TimeProvider time, OpenIdProviderOptions options)
    {
        _directory = Path.Combine(secretsDirectory, "openid-keys");
        _time = time;
        _options = options;
        Directory.CreateDirectory(_directory);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        EncryptionKey = new SymmetricSecurityKey(LoadOrCreateSecret(Path.Combine(_directory, "code-encryption.key")));
    }

    /// <summary>The key that encrypts authorization codes (AES-256).</summary>
    public SymmetricSecurityKey EncryptionKey { get; }

    /// <summary>
    /// The ring at this moment, rotated first: creates the successor when its pre-publication is due, deletes keys
    /// retired long enough. Safe to call often; it writes only when the ring changes.
    /// </summary>
    public KeyRingState Current()
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            var keys = Load();
            if (keys.Count == 0)
            {
                // The first key signs at once: there is nobody yet who could have cached an older key set.
                keys.Add(Create(now));
            }
            var signing = keys.Where(k => k.SignsFrom <= now).MaxBy(k => k.SignsFrom) ?? keys.MinBy(k => k.SignsFrom)!;
            var successorDue = signing.SignsFrom + _options.SigningKeyLifetime;
            if (!keys.Any(k => k.SignsFrom > signing.SignsFrom) && now >= successorDue - _options.SigningKeyPrepublish)
            {
                keys.Add(Create(successorDue > now ? successorDue : now + _options.SigningKeyPrepublish));
            }
            // A key older than the signing one is retired once the next key after it has signed for IdentityTokenLifetime.
            var ordered = keys.OrderBy(k => k.SignsFrom).ToList();
            for (var i = 0; i < ordered.Count - 1; i++)
            {
                var next = ordered[i + 1];
                if (ordered[i] != signing && next.SignsFrom <= now && now >= next.SignsFrom + _options.IdentityTokenLifetime)
                {
                    File.Delete(PathOf(ordered[i]));
                    keys.Remove(ordered[i]);
                }
            }
            return new KeyRingState(signing, [signing, .. keys.Where(k => k != signing).OrderByDescending(k => k.SignsFrom)]);
        }
    }

    private List<SigningKey> Load()
    {
        var keys = new List<SigningKey>();
        foreach (var path in Directory.EnumerateFiles(_directory, "*" + Extension))
        {
            // sign-{unix seconds it signs from}-{key id}.pem
            var parts = Path.GetFileNameWithoutExtension(path).Split('-', 3);
            if (parts.Length != 3 || parts[0] != "sign" || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var from))
            {
                continue;
            }
            var rsa = RSA.Create();
            rsa.ImportFromPem(File.ReadAllText(path));
            keys.Add(new SigningKey(parts[2], DateTimeOffset.FromUnixTimeSeconds(from), new RsaSecurityKey(rsa) { KeyId = parts[2] }));
        }
        return keys;
    }

    private SigningKey Create(DateTimeOffset signsFrom)
    {
        var rsa = RSA.Create(2048);
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var key = new SigningKey(id, DateTimeOffset.FromUnixTimeSeconds(signsFrom.ToUnixTimeSeconds()), new RsaSecurityKey(rsa) { KeyId = id });
        WriteOwnerOnly(PathOf(key), System.Text.Encoding.ASCII.GetBytes(rsa.ExportPkcs8PrivateKeyPem()));
        return key;
    }

    private string PathOf(SigningKey key) =>
        Path.Combine(_directory, $"sign-{key.SignsFrom.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}-{key.Id}{Extension}");

    private static byte[] LoadOrCreateSecret(string path)
    {
        if (File.Exists(path))
        {
            return File.ReadAllBytes(path);
        }
        var key = RandomNumberGenerator.GetBytes(32);
        WriteOwnerOnly(path, key);
        return key;
    }

    /// <summary>Writes a temporary file then renames it, so a crash never leaves half a key.</summary>
    private static void WriteOwnerOnly(string path, byte[] content)
    {
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = OperatingSystem.IsWindows() ? null : UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }
}
