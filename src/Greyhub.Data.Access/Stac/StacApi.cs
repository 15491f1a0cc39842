using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Greyhub.Data.Access.Datasets;
using Greyhub.Data.Access.Serving;
using Greyhub.Hub.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;

namespace Greyhub.Data.Access.Stac;

/// <summary>
/// <c>/data/stac</c>: a STAC API 1.0 (core, collections, features, item search with free text) over the datasets the
/// caller may read, authorised as the Intake catalog is (hub token or login cookie). A dataset the caller may not read
/// is absent everywhere: not a collection, not a child link, not a search result, a 404 by name.
/// </summary>
internal static class StacApi
{
    public const string Root = "/data/stac";

    private const long MaxSearchBody = 64 * 1024;

    public static IEndpointRouteBuilder MapStacApi(this IEndpointRouteBuilder app)
    {
        var stac = app.MapGroup(Root).AllowAnonymous().RequireCors(DataCors.Policy);
        stac.MapGet("", Landing);
        stac.MapGet("/conformance", (HttpContext context) => Guard(context) ?? Answer(new JsonObject { ["conformsTo"] = new JsonArray([.. StacDocuments.ConformsTo.Select(c => (JsonNode?)c)]) }));
        stac.MapGet("/collections", Collections);
        stac.MapGet("/collections/{id}", Collection);
        stac.MapGet("/collections/{id}/items", Items);
        stac.MapGet("/collections/{id}/items/{itemId}", Item);
        stac.MapGet("/search", SearchGet);
        stac.MapPost("/search", SearchPost);
        return app;
    }

    private static async Task<IResult> Landing(HttpContext context, DatasetRegistry registry)
    {
        if (Guard(context) is { } refused)
        {
            return refused;
        }
        var readable = await ReadableAsync(context, registry);
        return Answer(StacDocuments.Landing(StacUrl(context), readable.Select(d => d.Record)));
    }

    private static async Task<IResult> Collections(HttpContext context, DatasetRegistry registry, DatasetExtents extents)
    {
        if (Guard(context) is { } refused)
        {
            return refused;
        }
        var stac = StacUrl(context);
        var collections = new JsonArray();
        var readable = await ReadableAsync(context, registry);
        foreach (var (d, extent) in readable.Zip(await AllExtentsAsync(readable, extents, context.RequestAborted)))
        {
            collections.Add(StacDocuments.Collection(stac, d.Record, extent));
        }
        return Answer(new JsonObject
        {
            ["collections"] = collections,
            ["links"] = new JsonArray(StacDocuments.Link("self", stac + "/collections", StacDocuments.Json), StacDocuments.Link("root", stac, StacDocuments.Json)),
        });
    }

    private static async Task<IResult> Collection(HttpContext context, string id, DatasetRegistry registry, DatasetExtents extents)
    {
        if (Guard(context) is { } refused)
        {
            return refused;
        }
        return await FindAsync(context, registry, id) is { } d
            ? Answer(StacDocuments.Collection(StacUrl(context), d.Record, await extents.GetAsync(d, context.RequestAborted)))
            : Error(StatusCodes.Status404NotFound, "NotFound", $"No collection '{id}'.");
    }

    private static async Task<IResult> Item(HttpContext context, string id, string itemId, DatasetRegistry registry, DatasetExtents extents)
    {
        if (Guard(context) is { } refused)
        {
            return refused;
        }
        if (await FindAsync(context, registry, id) is not { } d || itemId != d.Record.Name)
        {
            return Error(StatusCodes.Status404NotFound, "NotFound", $"No item '{itemId}' in collection '{id}'.");
        }
        var extent = await extents.GetAsync(d, context.RequestAborted);
        return Answer(StacDocuments.Item(StacUrl(context), DatasetJson.Origin(context.Request), d.Record, extent), StacDocuments.GeoJson);
    }

    private static async Task<IResult> Items(HttpContext context, string id, DatasetRegistry registry, DatasetExtents extents)
    {
        if (Guard(context) is { } refused)
        {
            return refused;
        }
        if (await FindAsync(context, registry, id) is not { } d)
        {
            return Error(StatusCodes.Status404NotFound, "NotFound", $"No collection '{id}'.");
        }
        var (query, problem) = StacQuery.FromQuery(context.Request.Query);
        if (query is null)
        {
            return Error(StatusCodes.Status400BadRequest, "InvalidParameterValue", problem!);
        }
        var self = StacDocuments.CollectionUrl(StacUrl(context), id) + "/items";
        return await PageAsync(context, [d], query with { Collections = null, Ids = null }, extents, self, post: false);
    }

    private static async Task<IResult> SearchGet(HttpContext context, DatasetRegistry registry, DatasetExtents extents)
    {
        if (Guard(context) is { } refused)
        {
            return refused;
        }
        var (query, problem) = StacQuery.FromQuery(context.Request.Query);
        return query is null
            ? Error(StatusCodes.Status400BadRequest, "InvalidParameterValue", problem!)
            : await PageAsync(context, await ReadableAsync(context, registry), query, extents, StacUrl(context) + "/search", post: false);
    }

    private static async Task<IResult> SearchPost(HttpContext context, DatasetRegistry registry, DatasetExtents extents)
    {
        if (Guard(context) is { } refused)
        {
            return refused;
        }
        JsonElement body;
        // A search is a few hundred bytes; this is not an upload endpoint.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = MaxSearchBody;
        }
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted);
            body = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return Error(StatusCodes.Status400BadRequest, "InvalidBody", "The search body is not valid JSON.");
        }
        catch (BadHttpRequestException e)
        {
            return Error(e.StatusCode, "InvalidBody", $"The search body is unreadable or larger than {MaxSearchBody} bytes.");
        }
        var (query, problem) = StacQuery.FromJson(body);
        return query is null
            ? Error(StatusCodes.Status400BadRequest, "InvalidParameterValue", problem!)
            : await PageAsync(context, await ReadableAsync(context, registry), query, extents, StacUrl(context) + "/search", post: true, body);
    }

    /// <summary>Filters the datasets into items, sorted by id, and answers one page with a <c>next</c> link when more remain.</summary>
    private static async Task<IResult> PageAsync(HttpContext context, IReadOnlyList<DatasetEntry> datasets, StacQuery query, DatasetExtents extents, string self, bool post, JsonElement body = default)
    {
        var stac = StacUrl(context);
        var origin = DatasetJson.Origin(context.Request);
        var matched = new List<JsonObject>();
        var candidates = datasets.OrderBy(d => d.Record.Name, StringComparer.Ordinal)
            .Where(d => !(query.Collections is { } c && !c.Contains(d.Record.Name) || query.Ids is { } ids && !ids.Contains(d.Record.Name)
                || !query.MatchesText(d.Record.Name, d.Record.Title, d.Record.Description)))
            .ToList();
        foreach (var (d, extent) in candidates.Zip(await AllExtentsAsync(candidates, extents, context.RequestAborted)))
        {
            var r = d.Record;
            var (start, end) = StacDocuments.TimeSpanOf(r, extent);
            if (query.Matches(extent.Bbox, start, end))
            {
                matched.Add(StacDocuments.Item(stac, origin, r, extent));
            }
        }
        var page = matched.Skip(query.Offset).Take(query.Limit).ToList();
        var links = new JsonArray(StacDocuments.Link("root", stac, StacDocuments.Json));
        var next = query.Offset + query.Limit;
        if (next < matched.Count)
        {
            var token = next.ToString(CultureInfo.InvariantCulture);
            if (post)
            {
                var nextBody = JsonNode.Parse(body.GetRawText())!.AsObject();
                nextBody["token"] = token;
                var link = StacDocuments.Link("next", self, StacDocuments.GeoJson, method: "POST");
                link["body"] = nextBody;
                link["merge"] = false;
                links.Add(link);
            }
            else
            {
                var parameters = context.Request.Query.Where(p => p.Key != "token")
                    .Select(p => new KeyValuePair<string, string?>(p.Key, p.Value.ToString()))
                    .Append(new KeyValuePair<string, string?>("token", token));
                links.Add(StacDocuments.Link("next", QueryHelpers.AddQueryString(self, parameters), StacDocuments.GeoJson, method: "GET"));
            }
        }
        return Answer(StacDocuments.ItemCollection(page, matched.Count, links), StacDocuments.GeoJson);
    }

    /// <summary>
    /// The datasets' extents, read side by side: a search waits for the slowest remote's deadline once, not for the
    /// sum of them (and afterwards for none: each answer, "unavailable" included, is kept).
    /// </summary>
    private static Task<DatasetExtent[]> AllExtentsAsync(IReadOnlyList<DatasetEntry> datasets, DatasetExtents extents, CancellationToken cancellationToken) =>
        Task.WhenAll(datasets.Select(d => extents.GetAsync(d, cancellationToken)));

    private static async Task<IReadOnlyList<DatasetEntry>> ReadableAsync(HttpContext context, DatasetRegistry registry)
    {
        var caller = context.Identity()!;
        return [.. (await registry.AllAsync(context.RequestAborted)).Where(d => DatasetAccess.CanRead(caller, d)).OrderBy(d => d.Record.Name, StringComparer.Ordinal)];
    }

    private static async Task<DatasetEntry?> FindAsync(HttpContext context, DatasetRegistry registry, string name) =>
        await registry.FindAsync(name, context.RequestAborted) is { } d && DatasetAccess.CanRead(context.Identity()!, d) ? d : null;

    /// <summary>Null when the caller is known (token or cookie); else the 401. JSON answers, never the hub's error page.</summary>
    private static IResult? Guard(HttpContext context)
    {
        context.Features.Get<IStatusCodePagesFeature>()?.Enabled = false;
        // The documents are per caller: a shared cache must never hand them to another.
        context.Response.Headers.CacheControl = "private, no-store";
        if (context.Identity() is not null)
        {
            return null;
        }
        context.Response.Headers.WWWAuthenticate = "token";
        return Error(StatusCodes.Status401Unauthorized, "Unauthorized", "Authentication required: a hub token (Authorization: token ...) or the login cookie.");
    }

    private static string StacUrl(HttpContext context) => DatasetJson.Origin(context.Request) + Root;

    private static IResult Answer(JsonObject document, string contentType = StacDocuments.Json) =>
        Results.Text(document.ToJsonString(), contentType + "; charset=utf-8");

    private static IResult Error(int status, string code, string description) =>
        Results.Text(new JsonObject { ["code"] = code, ["description"] = description }.ToJsonString(), "application/json; charset=utf-8", statusCode: status);
}
