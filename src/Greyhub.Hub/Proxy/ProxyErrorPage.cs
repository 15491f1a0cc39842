using System.Net;

namespace Greyhub.Hub.Proxy;

/// <summary>The page the proxy answers with when a server cannot answer (JupyterHub's, by status).</summary>
internal static class ProxyErrorPage
{
    /// <summary>The status line's text, e.g. "503 Service Unavailable".</summary>
    public static string Title(int status) => status switch
    {
        502 => "502 Bad Gateway",
        504 => "504 Gateway Timeout",
        _ => "503 Service Unavailable",
    };

    /// <summary>The HTML for a request to <paramref name="path"/> (decoded); <paramref name="home"/> links back to the hub.</summary>
    public static string Html(int status, string? path, string home)
    {
        var what = status switch
        {
            502 => "sent a response that is not valid HTTP",
            504 => "stopped answering in the middle of a request",
            _ => "is not answering",
        };
        var title = Title(status);
        return $"<!doctype html><title>{title}</title><h1>{title}</h1><p>Your server at {WebUtility.HtmlEncode(path)} {what}. <a href=\"{home}\">Home</a></p>";
    }
}
