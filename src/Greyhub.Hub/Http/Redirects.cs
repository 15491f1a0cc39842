namespace Greyhub.Hub.Http;

/// <summary>Where a page may send the browser after a form: only back into this site.</summary>
internal static class Redirects
{
    /// <summary>
    /// A redirect target after login: only a local absolute path under the hub's base URL, never another host
    /// (<c>//evil</c>, <c>/\evil</c>, <c>https://evil</c>) — the open-redirect class of CVE-2026-33709.
    /// </summary>
    public static string SafeNext(string? next, string fallback)
    {
        if (string.IsNullOrEmpty(next) || next.Length > 2048 || next[0] != '/' || next.StartsWith("//", StringComparison.Ordinal)
            || next.Contains('\\', StringComparison.Ordinal) || next.Any(char.IsControl))
        {
            return fallback;
        }
        return Uri.TryCreate(next, UriKind.Relative, out _) ? next : fallback;
    }
}
