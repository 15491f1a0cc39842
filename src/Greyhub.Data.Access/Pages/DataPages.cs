using Greyhub.Data.Access.Datasets;
using Greyhub.Data.Access.QuickLook;
using Greyhub.Hub;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Pages;
using Greyhub.Scopes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;

namespace Greyhub.Data.Access.Pages;

/// <summary>
/// <c>/hub/data</c>: the data page (the datasets the user may read), one page per dataset, and its quick-look PNG.
/// Who may see a dataset is the rule of <c>/data/</c> and the Intake catalog (<see cref="DatasetAccess.CanRead"/>); one
/// the user may not read is the same 404 page as one that does not exist. Everything is read from the registry's
/// in-memory snapshot and the dataset's files, or for a remote dataset its cached hierarchy (a remote that is slow or
/// too large is reported on the page, never waited on past its deadline): no database round trip per dataset or array.
/// </summary>
internal static class DataPages
{
    public static IEndpointRouteBuilder MapDataPages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/hub/data", ListAsync).RequireSignedIn().RequireScope(ScopeDefinitions.ReadDatasets);
        app.MapGet("/hub/data/{name}", ShowAsync).RequireSignedIn().RequireScope(ScopeDefinitions.ReadDatasets);
        app.MapGet("/hub/data/{name}/quicklook.png", QuickLookAsync).RequireSignedIn().RequireScope(ScopeDefinitions.ReadDatasets);
        return app;
    }

    private static async Task<IResult> ListAsync(HttpContext context, DatasetRegistry registry)
    {
        var caller = context.Caller();
        var readable = (await registry.AllAsync(context.RequestAborted))
            .Where(d => DatasetAccess.CanRead(caller, d))
            .Select(d => d.Record)
            .OrderBy(d => d.Name, StringComparer.Ordinal)
            .ToList();
        return HubPage.Render<DataListPage>(new Dictionary<string, object?>
        {
            [nameof(DataListPage.Datasets)] = readable,
            [nameof(DataListPage.CatalogUrl)] = DatasetJson.Origin(context.Request) + DataPaths.Root + "catalog.yaml",
        });
    }

    private static async Task<IResult> ShowAsync(HttpContext context, string name, string? array, string? index, DatasetRegistry registry, DatasetSources sources,
        QuickLookRenderer quickLook, HubUrls urls)
    {
        if (await ReadableAsync(context, name, registry) is not { } dataset)
        {
            return NotFound(name);
        }
        var record = dataset.Record;
        // Describing reads metadata only: a remote's hierarchy (shared, bounded by its deadline) or local files.
        var source = await sources.OpenAsync(dataset, 0, context.RequestAborted);
        if (source is null)
        {
            return NotFound(name);
        }
        var content = await DatasetDescriber.DescribeAsync(dataset, source, context.RequestAborted);
        var origin = DatasetJson.Origin(context.Request);
        var dataUrl = origin + DataPaths.Dataset(record.Name);
        var isFiles = record.Format == DatasetFormats.Files;
        var selected = array ?? content.Arrays.FirstOrDefault(a => a.Drawable)?.Path;
        QuickLookResult? look = null;
        string? lookUrl = null;
        if (!isFiles && selected is not null && content.Error is null)
        {
            look = await RenderAsync(context, dataset, sources, quickLook, selected, index);
            var query = QueryString.Create(new Dictionary<string, string?> { ["array"] = selected, ["index"] = look.Image is { } image ? string.Join(',', image.Index) : index ?? "" });
            lookUrl = $"{urls.Hub}data/{Uri.EscapeDataString(record.Name)}/quicklook.png{query.ToUriComponent()}";
        }
        return HubPage.Render<DatasetPage>(new Dictionary<string, object?>
        {
            [nameof(DatasetPage.Dataset)] = record,
            [nameof(DatasetPage.Content)] = content,
            [nameof(DatasetPage.DataUrl)] = dataUrl,
            [nameof(DatasetPage.CatalogUrl)] = isFiles ? null : origin + DataPaths.Root + "catalog.yaml",
            [nameof(DatasetPage.Snippet)] = PythonSnippet.For(record, dataUrl, $"{context.Request.Scheme}://{context.Request.Host.Value}{urls.Hub}token", content),
            [nameof(DatasetPage.SelectedArray)] = selected,
            [nameof(DatasetPage.Index)] = index,
            [nameof(DatasetPage.QuickLook)] = look,
            [nameof(DatasetPage.QuickLookUrl)] = lookUrl,
            [nameof(DatasetPage.IsRemote)] = source.IsRemote,
        });
    }

    private static async Task<IResult> QuickLookAsync(HttpContext context, string name, string? array, string? index, DatasetRegistry registry, DatasetSources sources, QuickLookRenderer quickLook)
    {
        if (await ReadableAsync(context, name, registry) is not { } dataset)
        {
            return NotFound(name);
        }
        var result = await RenderAsync(context, dataset, sources, quickLook, array, index);
        if (result.Image is not { } image)
        {
            var status = result.Problem == QuickLookProblem.BadRequest ? StatusCodes.Status400BadRequest : StatusCodes.Status422UnprocessableEntity;
            return HubPage.Error(status, result.Message, messageId: "quicklook-message");
        }
        // Per user (it passed this user's read check), cached briefly; the tag changes with the dataset's version.
        context.Response.Headers.CacheControl = "private, max-age=60";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        return TypedResults.File(image.Png, "image/png", entityTag: new EntityTagHeaderValue(image.ETag));
    }

    private static async Task<QuickLookResult> RenderAsync(HttpContext context, DatasetEntry dataset, DatasetSources sources, QuickLookRenderer quickLook, string? array, string? index)
    {
        // Its own source: the drawing's chunk reads have a byte budget of their own.
        var source = await sources.OpenAsync(dataset, quickLook.MaxFetchBytes, context.RequestAborted);
        return source is null
            ? QuickLookResult.Bad($"There is no dataset named {dataset.Record.Name} that you may read.")
            : await quickLook.RenderAsync(dataset, source, array, index, context.RequestAborted);
    }

    private static async Task<DatasetEntry?> ReadableAsync(HttpContext context, string name, DatasetRegistry registry)
    {
        var dataset = await registry.FindAsync(name, context.RequestAborted);
        return dataset is not null && (dataset.Remote is not null || dataset.RealRoot is not null) && DatasetAccess.CanRead(context.Caller(), dataset) ? dataset : null;
    }

    private static IResult NotFound(string name) =>
        HubPage.Error(StatusCodes.Status404NotFound, $"There is no dataset named {name} that you may read.", messageId: "not-found-message", action: ("data", "All datasets"));
}
