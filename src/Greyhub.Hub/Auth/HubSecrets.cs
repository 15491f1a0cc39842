using System.Security.Cryptography;

namespace Greyhub.Hub.Auth;

/// <summary>
/// Secrets kept in the data folder, created on first start with owner-only permissions, so a restart
/// keeps every token valid and every login session alive.
/// </summary>
internal sealed class HubSecrets
{
    public HubSecrets(string dataDir)
    {
        var dir = Path.Combine(dataDir, "secrets");
        Directory.CreateDirectory(dir);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        TokenKey = LoadOrCreate(Path.Combine(dir, "token-hmac.key"));
        KeysDirectory = Path.Combine(dataDir, "keys");
        Directory.CreateDirectory(KeysDirectory);
    }

    /// <summary>Key of the token hash.</summary>
    public byte[] TokenKey { get; }

    /// <summary>Where ASP.NET Data Protection keeps the cookie keys.</summary>
    public string KeysDirectory { get; }

    private static byte[] LoadOrCreate(string path)
    {
        if (File.Exists(path))
        {
            var existing = File.ReadAllBytes(path);
            if (existing.Length >= 32)
            {
                return existing;
            }
            throw new InvalidOperationException($"Secret file {path} is shorter than 32 bytes; remove it only if you accept that every API token becomes invalid.");
        }
        var key = RandomNumberGenerator.GetBytes(32);
        // Write to a temporary file then rename, so a crash never leaves a half-written key.
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = OperatingSystem.IsWindows() ? null : UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        {
            stream.Write(key);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: false);
        return key;
    }
}
