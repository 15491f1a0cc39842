using System.Net;

namespace Greyhub.Proxy;

/// <summary>The built-in page the proxy answers with when there is no route or a server cannot answer.</summary>
internal static class ProxyErrorPage
{
    /// <summary>The status line's text, e.g. "503 Service Unavailable".</summary>
    public static string Title(int status) => status switch
    {
        404 => "404 Not Found",
        502 => "502 Bad Gateway",
        504 => "504 Gateway Timeout",
        _ => "503 Service Unavailable",
    };

    /// <summary>The HTML for a request to <paramref name="path"/> (decoded); <paramref name="home"/>, when set, is linked.</summary>
    public static string Html(int status, string? path, string? home)
    {
        var what = status switch
        {
            404 => "Nothing is served at " + WebUtility.HtmlEncode(path) + ".",
            502 => $"Your server at {WebUtility.HtmlEncode(path)} sent a response that is not valid HTTP.",
            504 => $"Your server at {WebUtility.HtmlEncode(path)} stopped answering in the middle of a request.",
            _ => $"Your server at {WebUtility.HtmlEncode(path)} is not answering.",
        };
        var title = Title(status);
        var link = home is null ? "" : $" <a href=\"{WebUtility.HtmlEncode(home)}\">Home</a>";
        return $"<!doctype html><title>{title}</title><h1>{title}</h1><p>{what}{link}</p>";
    }
}
