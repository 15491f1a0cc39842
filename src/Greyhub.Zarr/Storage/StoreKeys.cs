namespace Greyhub.Zarr.Storage;

/// <summary>Key checks shared by the stores.</summary>
internal static class StoreKeys
{
    public static string Validate(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length == 0 || key[0] == '/' || key[^1] == '/' || key.Contains('\\', StringComparison.Ordinal) || key.Contains('\0', StringComparison.Ordinal))
        {
            throw new ZarrException($"invalid store key '{key}'");
        }
        foreach (var segment in key.Split('/'))
        {
            if (segment.Length == 0 || segment is "." or "..")
            {
                throw new ZarrException($"invalid store key '{key}'");
            }
        }
        return key;
    }
}
