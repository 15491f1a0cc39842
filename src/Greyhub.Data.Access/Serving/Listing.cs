using System.Net;
using System.Text;
using Greyhub.Hub.Http;
using Microsoft.AspNetCore.Http;

namespace Greyhub.Data.Access.Serving;

/// <summary>
/// A folder of a dataset as a listing: an HTML page of relative links by default, which is what fsspec's
/// <c>HTTPFileSystem.ls</c> reads (it scrapes <c>&lt;a href&gt;</c>; folders end in <c>/</c>), or JSON when the reader
/// asks (<c>Accept: application/json</c> or <c>?format=json</c>): name, type, size and modification time. Only regular
/// files and folders are listed: a symlink, FIFO, socket or device is never served, so it is not shown either.
/// </summary>
internal static class Listing
{
    /// <summary>The listing of <paramref name="entries"/>: those of the folder descriptor that was checked (<see cref="DatasetFiles.List"/>).</summary>
    public static IResult Result(HttpContext context, List<(string Name, FileStat Stat)> entries)
    {
        entries = entries.Where(e => !Writes.KeyFolders.IsTemporary(e.Name)).ToList();
        var accept = context.Request.GetTypedHeaders().Accept;
        var json = context.Request.Query["format"] == "json"
            || accept.Any(a => a.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase));
        return json ? Json(entries) : Html(context.Request.PathBase.Add(context.Request.Path).ToUriComponent(), entries);
    }

    private static IResult Json(List<(string Name, FileStat Stat)> entries) => JsonResult.Ok(w =>
    {
        w.WriteStartObject();
        w.WriteStartArray("entries");
        foreach (var e in entries)
        {
            w.WriteStartObject();
            w.WriteString("name", e.Name);
            w.WriteString("type", e.Stat.IsFolder ? "directory" : "file");
            if (e.Stat.IsRegular)
            {
                w.WriteNumber("size", e.Stat.Size);
            }
            w.WriteString("modified", Iso.Format(e.Stat.LastModified.UtcDateTime));
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    });

    private static IResult Html(string path, List<(string Name, FileStat Stat)> entries)
    {
        var html = new StringBuilder();
        var title = WebUtility.HtmlEncode(Uri.UnescapeDataString(path));
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Index of ").Append(title)
            .Append("</title></head>\n<body><h1>Index of ").Append(title).Append("</h1>\n<ul>\n");
        // Absolute paths: right for a browser and for fsspec whether or not the folder's URL ends in '/', and a listing
        // reached through a signed path keeps its signature.
        var basePrefix = path.EndsWith('/') ? path : path + "/";
        foreach (var e in entries)
        {
            var suffix = e.Stat.IsFolder ? "/" : "";
            html.Append("<li><a href=\"").Append(basePrefix).Append(Uri.EscapeDataString(e.Name)).Append(suffix).Append("\">")
                .Append(WebUtility.HtmlEncode(e.Name)).Append(suffix).Append("</a></li>\n");
        }
        html.Append("</ul></body></html>\n");
        return Results.Content(html.ToString(), "text/html; charset=utf-8");
    }
}
