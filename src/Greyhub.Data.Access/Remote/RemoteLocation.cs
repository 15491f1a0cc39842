namespace Greyhub.Data.Access.Remote;

/// <summary>
/// A dataset whose bytes are a remote HTTP store: its base URL (ending in <c>/</c>) and, when the remote needs one, a
/// request header encrypted with Data Protection (<see cref="RemoteCredentials"/>). Kept in the datasets table's
/// <c>location</c> column as the URL, then a newline and the protected header when there is one, so remote datasets
/// need no schema change; <see cref="Display"/> is all the API ever shows of it.
/// </summary>
internal sealed record RemoteLocation(Uri Base, string? ProtectedHeader)
{
    private const char Separator = '\n';

    /// <summary>Whether a stored or requested location names a remote store rather than a folder.</summary>
    public static bool IsRemote(string location) =>
        location.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || location.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    /// <summary>The remote location a stored location holds, or null for a folder.</summary>
    public static RemoteLocation? TryParse(string stored)
    {
        if (!IsRemote(stored))
        {
            return null;
        }
        var newline = stored.IndexOf(Separator, StringComparison.Ordinal);
        var url = newline < 0 ? stored : stored[..newline];
        return Uri.TryCreate(url, UriKind.Absolute, out var uri)
            ? new RemoteLocation(uri, newline < 0 ? null : stored[(newline + 1)..])
            : null;
    }

    /// <summary>What the location column stores.</summary>
    public string Stored => ProtectedHeader is null ? Base.AbsoluteUri : Base.AbsoluteUri + Separator + ProtectedHeader;

    /// <summary>A stored location as administrators may see it: a folder, or a remote URL without its credential.</summary>
    public static string Display(string stored) =>
        IsRemote(stored) && stored.IndexOf(Separator, StringComparison.Ordinal) is var newline and >= 0 ? stored[..newline] : stored;

    /// <summary>
    /// The URL of <paramref name="key"/> (already checked with the local datasets' key rules): each segment escaped, so
    /// a <c>?</c>, <c>#</c> or <c>%</c> in a key stays part of that key's path upstream instead of starting a query.
    /// </summary>
    public Uri UrlFor(string key) =>
        key.Length == 0 ? Base : new Uri(Base.AbsoluteUri + string.Join('/', key.Split('/').Select(Uri.EscapeDataString)));

    /// <summary>
    /// Why <paramref name="text"/> cannot be a remote store's URL, or null: it must be an absolute http(s) URL without
    /// user information, query or fragment, whose path has no dot segments, backslashes or escaped dots, slashes,
    /// backslashes or NUL (a remote server might decode those into a path leaving the allowed prefix).
    /// </summary>
    public static string? UrlProblem(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return $"'{text}' is not an absolute http or https URL.";
        }
        if (uri.UserInfo.Length > 0 || text.Contains('@', StringComparison.Ordinal))
        {
            return $"'{text}' holds user information; give a remote credential as remote_header instead.";
        }
        if (text.Contains('?', StringComparison.Ordinal) || text.Contains('#', StringComparison.Ordinal))
        {
            return $"'{text}' has a query or fragment; a store URL is a path.";
        }
        if (text.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)) || text.Contains('\\', StringComparison.Ordinal))
        {
            return $"'{text}' holds whitespace, control characters or backslashes.";
        }
        var path = text[(text.IndexOf("//", StringComparison.Ordinal) + 2)..];
        path = path.IndexOf('/', StringComparison.Ordinal) is var slash and >= 0 ? path[slash..] : "/";
        foreach (var segment in path.Split('/'))
        {
            if (segment is "." or ".." || ContainsEscape(segment, "%2e") || ContainsEscape(segment, "%2f")
                || ContainsEscape(segment, "%5c") || ContainsEscape(segment, "%00"))
            {
                return $"'{text}' has dot segments or escaped dots, slashes, backslashes or NUL in its path.";
            }
        }
        return PathProblem(path) is { } problem ? $"'{text}' {problem}" : null;
    }

    /// <summary>
    /// Why the part of <paramref name="url"/> after <paramref name="prefix"/> (which it lies under) could be read by a
    /// remote server as leaving the prefix, or null; checked on every redirect.
    /// </summary>
    public static string? RemainderProblem(Uri url, Uri prefix) =>
        PathProblem(url.AbsolutePath[prefix.AbsolutePath.Length..].Insert(0, "/"));

    // Servers differ in what they make of ';' (path parameters), double escapes, overlong UTF-8 and '//': none of them
    // belong in a store's path, so a path holding one is refused rather than guessed about.
    private static string? PathProblem(string path)
    {
        var segments = path.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            var segment = segments[i];
            if (segment.Length == 0 && i > 0 && i < segments.Length - 1)
            {
                return "has an empty segment ('//') in its path.";
            }
            for (var j = 0; j < segment.Length; j++)
            {
                var c = segment[j];
                if (c is ';' || c > '~' || char.IsControl(c))
                {
                    return "has ';' or characters outside printable ASCII in its path.";
                }
                if (c != '%')
                {
                    continue;
                }
                if (j + 2 >= segment.Length || !byte.TryParse(segment.AsSpan(j + 1, 2), System.Globalization.NumberStyles.HexNumber, null, out var escaped)
                    || escaped is < 0x20 or > 0x7e || escaped is (byte)'%' or (byte)';' or (byte)'.' or (byte)'/' or (byte)'\\' or (byte)'?' or (byte)'#')
                {
                    return "has an escape in its path that a server might read as something else (%25, %3b, non-ASCII or control bytes).";
                }
                j += 2;
            }
        }
        return null;
    }

    /// <summary>Why <paramref name="prefix"/> cannot be an allowed prefix (<see cref="DataAccessOptions.AllowedRemotes"/>), or null.</summary>
    public static string? PrefixProblem(string prefix) =>
        UrlProblem(prefix) ?? (prefix.EndsWith('/') ? null : $"'{prefix}' must end in '/', so that it allows a folder and not every name starting like it.");

    /// <summary>
    /// Whether <paramref name="url"/> lies under <paramref name="prefix"/> (a URL ending in <c>/</c>): same scheme, host and
    /// port, and a path that starts with the prefix's path. Both are compared as <see cref="Uri"/> normalised them
    /// (lower-case host, default port, dot segments resolved), so the check is about the address that will be fetched.
    /// </summary>
    public static bool IsUnder(Uri url, Uri prefix) =>
        url.IsAbsoluteUri
        && string.Equals(url.Scheme, prefix.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(url.IdnHost, prefix.IdnHost, StringComparison.OrdinalIgnoreCase)
        && url.Port == prefix.Port
        && url.UserInfo.Length == 0
        && url.AbsolutePath.StartsWith(prefix.AbsolutePath, StringComparison.Ordinal)
        && !url.AbsolutePath.Contains("%2e", StringComparison.OrdinalIgnoreCase)
        && !url.AbsolutePath.Contains("%2f", StringComparison.OrdinalIgnoreCase)
        && !url.AbsolutePath.Contains("%5c", StringComparison.OrdinalIgnoreCase);

    private static bool ContainsEscape(string segment, string escape) => segment.Contains(escape, StringComparison.OrdinalIgnoreCase);
}
