namespace Greyhub.Proxy;

/// <summary>What a route may point at, checked by the REST API and the in-process route table alike.</summary>
internal static class ProxyTarget
{
    /// <summary>
    /// The target as a URL, or the reason it is refused: an absolute http or https URL with a host, and nothing that
    /// would not be used or should not be kept (credentials end up in logs and route listings; a query or fragment would
    /// be dropped silently; a control character or space would reach the logs as is).
    /// </summary>
    public static Uri? Parse(string? text, out string? error)
    {
        error = null;
        if (text is null || text.Length == 0 || text.AsSpan().ContainsAnyInRange('\0', ' ') || text.Contains('\x7F', StringComparison.Ordinal)
            || !Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || uri.Host.Length == 0)
        {
            error = $"'target' must be an absolute http or https URL, not '{Printable(text)}'";
            return null;
        }
        if (uri.UserInfo.Length > 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0 || text.Contains('#', StringComparison.Ordinal))
        {
            error = "'target' must not hold credentials, a query or a fragment";
            return null;
        }
        return uri;
    }

    /// <summary>Whether a route path is fit to store and log: no control characters.</summary>
    public static bool IsPrintable(string path) => !path.AsSpan().ContainsAnyInRange('\0', '\x1F') && !path.Contains('\x7F', StringComparison.Ordinal);

    private static string Printable(string? text) =>
        text is null ? "" : string.Concat(text.Select(c => char.IsControl(c) ? '?' : c));
}
