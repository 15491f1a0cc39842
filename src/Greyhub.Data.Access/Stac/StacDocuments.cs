using System.Globalization;
using System.Text.Json.Nodes;
using Greyhub.Data.Access.Datasets;

namespace Greyhub.Data.Access.Stac;

/// <summary>
/// STAC 1.0.0 documents for datasets. One dataset is one collection holding one item, both with the dataset's name as
/// id: the item is the whole dataset (its Zarr store is the asset), the collection is what STAC clients browse and
/// where the extents are summarised. An item without a time coordinate carries the dataset's registration time as its
/// <c>datetime</c>, which is what a datetime search compares it with.
/// </summary>
internal static class StacDocuments
{
    public const string Version = "1.0.0";

    public const string ZarrMediaType = "application/vnd+zarr";

    public const string GeoJson = "application/geo+json";

    public const string Json = "application/json";

    /// <summary>The conformance classes this API implements.</summary>
    public static IReadOnlyList<string> ConformsTo { get; } =
    [
        "https://api.stacspec.org/v1.0.0/core",
        "https://api.stacspec.org/v1.0.0/collections",
        "https://api.stacspec.org/v1.0.0/ogcapi-features",
        "https://api.stacspec.org/v1.0.0/item-search",
        "https://api.stacspec.org/v1.0.0-rc.1/item-search#free-text",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    ];

    /// <summary>The item's time span: the coordinates' when known, else the registration instant.</summary>
    public static (DateTime Start, DateTime End) TimeSpanOf(DatasetRecord d, DatasetExtent extent) =>
        extent.Start is { } s && extent.End is { } e ? (s, e) : (d.Created, d.Created);

    public static JsonObject Landing(string stac, IEnumerable<DatasetRecord> collections)
    {
        var links = new JsonArray
        {
            Link("self", stac, Json),
            Link("root", stac, Json),
            Link("conformance", stac + "/conformance", Json, "Conformance classes"),
            Link("data", stac + "/collections", Json, "Datasets"),
            Link("search", stac + "/search", GeoJson, "Item search", "GET"),
            Link("search", stac + "/search", GeoJson, "Item search", "POST"),
        };
        foreach (var d in collections)
        {
            links.Add(Link("child", CollectionUrl(stac, d.Name), Json, d.Title.Length > 0 ? d.Title : d.Name));
        }
        return new JsonObject
        {
            ["type"] = "Catalog",
            ["stac_version"] = Version,
            ["id"] = "greyhub",
            ["title"] = "Greyhub datasets",
            ["description"] = "The datasets this hub serves that the caller may read.",
            ["conformsTo"] = Strings(ConformsTo),
            ["links"] = links,
        };
    }

    public static JsonObject Collection(string stac, DatasetRecord d, DatasetExtent extent)
    {
        var (start, end) = TimeSpanOf(d, extent);
        var collection = new JsonObject
        {
            ["type"] = "Collection",
            ["stac_version"] = Version,
            ["stac_extensions"] = new JsonArray(),
            ["id"] = d.Name,
            ["title"] = d.Title.Length > 0 ? d.Title : d.Name,
            ["description"] = DescriptionOf(d),
            ["license"] = "proprietary",
            ["extent"] = new JsonObject
            {
                ["spatial"] = new JsonObject { ["bbox"] = new JsonArray(Numbers(extent.Bbox ?? [-180, -90, 180, 90])) },
                ["temporal"] = new JsonObject { ["interval"] = new JsonArray(new JsonArray(Time(start), Time(end))) },
            },
            ["links"] = new JsonArray
            {
                Link("self", CollectionUrl(stac, d.Name), Json),
                Link("root", stac, Json),
                Link("parent", stac, Json),
                Link("items", CollectionUrl(stac, d.Name) + "/items", GeoJson),
            },
        };
        if (extent.Unavailable is { } why)
        {
            // The whole world above is a placeholder: say so.
            collection["greyhub:extent"] = "unavailable";
            collection["greyhub:extent_reason"] = why;
        }
        return collection;
    }

    public static JsonObject Item(string stac, string origin, DatasetRecord d, DatasetExtent extent)
    {
        var properties = new JsonObject
        {
            ["title"] = d.Title.Length > 0 ? d.Title : d.Name,
            ["description"] = DescriptionOf(d),
            ["created"] = Time(d.Created),
            ["updated"] = Time(d.Modified),
        };
        if (extent.Unavailable is { } why)
        {
            // A remote that could not be read in time: its item is still listed, saying its extent is unknown.
            properties["greyhub:extent"] = "unavailable";
            properties["greyhub:extent_reason"] = why;
        }
        var (start, end) = TimeSpanOf(d, extent);
        if (start == end)
        {
            properties["datetime"] = Time(start);
        }
        else
        {
            properties["datetime"] = null;
            properties["start_datetime"] = Time(start);
            properties["end_datetime"] = Time(end);
        }
        var zarr = d.Format != DatasetFormats.Files;
        var item = new JsonObject
        {
            ["type"] = "Feature",
            ["stac_version"] = Version,
            ["stac_extensions"] = new JsonArray(),
            ["id"] = d.Name,
            ["collection"] = d.Name,
            ["geometry"] = extent.Bbox is { } b && b.All(double.IsFinite) ? Polygon(b) : null,
        };
        if (extent.Bbox is { } box && box.All(double.IsFinite))
        {
            item["bbox"] = Numbers(box);
        }
        item["properties"] = properties;
        item["links"] = new JsonArray
        {
            Link("self", CollectionUrl(stac, d.Name) + "/items/" + Uri.EscapeDataString(d.Name), GeoJson),
            Link("root", stac, Json),
            Link("parent", CollectionUrl(stac, d.Name), Json),
            Link("collection", CollectionUrl(stac, d.Name), Json),
        };
        item["assets"] = new JsonObject
        {
            [zarr ? "zarr" : "files"] = new JsonObject
            {
                ["href"] = origin + DataPaths.Dataset(d.Name),
                ["type"] = zarr ? ZarrMediaType : "text/html",
                ["title"] = zarr ? $"Zarr store ({d.Format})" : "Folder listing",
                ["roles"] = new JsonArray("data"),
            },
        };
        return item;
    }

    public static JsonObject ItemCollection(IEnumerable<JsonObject> features, int matched, JsonArray links)
    {
        var array = new JsonArray([.. features]);
        return new JsonObject
        {
            ["type"] = "FeatureCollection",
            ["features"] = array,
            ["numberMatched"] = matched,
            ["numberReturned"] = array.Count,
            ["links"] = links,
        };
    }

    public static JsonObject Link(string rel, string href, string type, string? title = null, string? method = null)
    {
        var link = new JsonObject { ["rel"] = rel, ["href"] = href, ["type"] = type };
        if (title is not null)
        {
            link["title"] = title;
        }
        if (method is not null)
        {
            link["method"] = method;
        }
        return link;
    }

    public static string CollectionUrl(string stac, string name) => stac + "/collections/" + Uri.EscapeDataString(name);

    /// <summary>RFC 3339 in UTC with a <c>Z</c>, as STAC's schemas require.</summary>
    public static string Time(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    private static JsonNode? Time(DateTime? utc) => utc is { } t ? JsonValue.Create(Time(t)) : null;

    private static string DescriptionOf(DatasetRecord d) =>
        d.Description.Length > 0 ? d.Description : d.Title.Length > 0 ? d.Title : "Dataset " + d.Name;

    private static JsonObject Polygon(double[] b)
    {
        var (w, s, e, n) = (b[0], b[1], b[2], b[3]);
        // A box across the antimeridian keeps its corners; GeoJSON readers that care use the bbox.
        return new JsonObject
        {
            ["type"] = "Polygon",
            ["coordinates"] = new JsonArray(new JsonArray(Pair(w, s), Pair(e, s), Pair(e, n), Pair(w, n), Pair(w, s))),
        };
    }

    private static JsonArray Pair(double x, double y) => new(x, y);

    // JSON has no NaN or infinity: a box holding one is a bug upstream, and the whole world is the honest answer.
    private static JsonArray Numbers(double[] values) =>
        new([.. (values.All(double.IsFinite) ? values : [-180, -90, 180, 90]).Select(v => (JsonNode?)v)]);

    private static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode?)v)]);
}
