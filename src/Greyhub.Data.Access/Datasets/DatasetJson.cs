using System.Text.Json;
using Greyhub.Data.Access.Remote;
using Greyhub.Hub.Http;
using Microsoft.AspNetCore.Http;

namespace Greyhub.Data.Access.Datasets;

/// <summary>The dataset model of the REST API.</summary>
internal static class DatasetJson
{
    /// <summary>
    /// Writes one dataset. <c>location</c> (a path on the hub's filesystem) is shown only to holders of
    /// <c>admin:datasets</c> for it; readers get <c>url</c>, where the data is served.
    /// </summary>
    public static void Write(Utf8JsonWriter w, HttpRequest request, DatasetRecord d, bool admin)
    {
        w.WriteStartObject();
        w.WriteString("name", d.Name);
        w.WriteString("title", d.Title);
        w.WriteString("description", d.Description);
        if (d.Owner is null)
        {
            w.WriteNull("owner");
        }
        else
        {
            w.WriteString("owner", d.Owner);
        }
        WriteList(w, "read_groups", d.ReadGroups);
        WriteList(w, "write_groups", d.WriteGroups);
        w.WriteString("format", d.Format);
        w.WriteString("url", Origin(request) + DataPaths.Dataset(d.Name));
        if (admin)
        {
            // A remote's URL, never its credential: only whether one is set.
            w.WriteString("location", RemoteLocation.Display(d.Location));
            if (RemoteLocation.TryParse(d.Location) is { } remote)
            {
                w.WriteBoolean("remote_header_set", remote.ProtectedHeader is not null);
            }
        }
        w.WriteString("created", Iso.Format(d.Created));
        w.WriteString("modified", Iso.Format(d.Modified));
        w.WriteEndObject();
    }

    /// <summary>The address the caller reached the hub at (scheme, host, path base), for absolute URLs.</summary>
    public static string Origin(HttpRequest request) => request.Scheme + "://" + request.Host.Value + request.PathBase.Value;

    private static void WriteList(Utf8JsonWriter w, string name, IReadOnlyList<string> items)
    {
        w.WriteStartArray(name);
        foreach (var item in items)
        {
            w.WriteStringValue(item);
        }
        w.WriteEndArray();
    }
}

/// <summary>Where datasets are served.</summary>
internal static class DataPaths
{
    /// <summary>The root of the data routes.</summary>
    public const string Root = "/data/";

    /// <summary><c>/data/{name}/</c>.</summary>
    public static string Dataset(string name) => Root + Uri.EscapeDataString(name) + "/";
}
