using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.StaticFiles;

namespace Greyhub.Data.Access.Serving;

/// <summary>
/// What a <c>/data</c> answer may tell a browser. The bytes are a writer's or a remote store's, served on the hub's
/// origin: rendered as a page, they could read the hub's pages (and their XSRF tokens) as the reader. So every answer
/// is sandboxed and never sniffed, and a key's type comes from its name through a short list of inert types; anything
/// else is <c>application/octet-stream</c>, and markup or script types are downloads.
/// </summary>
internal static class DataFileHeaders
{
    /// <summary>The sandbox every /data answer carries: no script, no same-origin access, nothing loaded.</summary>
    public const string Policy = "sandbox; default-src 'none'";

    private static readonly FileExtensionContentTypeProvider Known = CreateKnown();

    private static readonly HashSet<string> Inert = new(StringComparer.OrdinalIgnoreCase)
    {
        "application/json", "application/yaml", "application/x-netcdf", "application/octet-stream", "application/zip",
        "application/gzip", "application/x-gzip", "application/x-tar", "application/pdf", "text/plain", "text/csv",
        "image/png", "image/jpeg", "image/gif", "image/webp", "image/tiff",
    };

    /// <summary>Sets the sandbox and no-sniff headers; call before anything is written.</summary>
    public static void Protect(HttpResponse response)
    {
        response.Headers.ContentSecurityPolicy = Policy;
        response.Headers.XContentTypeOptions = "nosniff";
    }

    /// <summary>The type a key is served as, from its file name; <paramref name="download"/> when a browser must not show it.</summary>
    public static string ContentType(string fileName, out bool download)
    {
        download = false;
        if (fileName is ".zarray" or ".zgroup" or ".zattrs" or ".zmetadata" || fileName.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            return "application/json";
        }
        if (!Known.TryGetContentType(fileName, out var type))
        {
            return "application/octet-stream";
        }
        if (Inert.Contains(type))
        {
            return type;
        }
        // html, svg, xml, javascript and whatever else a browser might run or render: bytes, saved rather than shown.
        download = true;
        return "application/octet-stream";
    }

    /// <summary>Sets the key's type (and a download disposition when needed) on <paramref name="response"/>.</summary>
    public static string Apply(HttpResponse response, string fileName)
    {
        var type = ContentType(fileName, out var download);
        if (download)
        {
            response.Headers.ContentDisposition = "attachment";
        }
        return type;
    }

    private static FileExtensionContentTypeProvider CreateKnown()
    {
        var provider = new FileExtensionContentTypeProvider();
        provider.Mappings[".nc"] = "application/x-netcdf";
        provider.Mappings[".yaml"] = "application/yaml";
        provider.Mappings[".yml"] = "application/yaml";
        return provider;
    }
}
