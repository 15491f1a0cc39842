using System.Globalization;

namespace Greyhub.Hub.Http;

/// <summary>JupyterHub's timestamp format: ISO 8601 UTC with microseconds and a trailing Z.</summary>
internal static class Iso
{
    public static string Format(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Parses an ISO 8601 timestamp as JupyterHub accepts it (naive = UTC); false when malformed.</summary>
    public static bool TryParse(string? text, out DateTime utc)
    {
        utc = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var parsed))
        {
            utc = parsed.UtcDateTime;
            return true;
        }
        return false;
    }
}
