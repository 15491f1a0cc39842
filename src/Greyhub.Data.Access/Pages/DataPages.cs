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
/// in-memory snapshot and the dataset's files: no database round trip per dataset or per array.
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

    private static async Task<IResult> ShowAsync(HttpContext context, string name, string? array, string? index, DatasetRegistry registry, QuickLookRenderer quickLook, HubUrls urls)
    {
        if (await ReadableAsync(context, name, registry) is not { } found)
        {
            return await RemoteAsync(context, name, registry) is { } remote
                ? HubPage.Error(StatusCodes.Status501NotImplemented,
                    $"{name} is a remote store, read through the hub at {DatasetJson.Origin(context.Request) + DataPaths.Dataset(remote.Record.Name)}; this page describes local datasets only.",
                    messageId: "not-found-message", action: ("data", "All datasets"))
                : NotFound(name);
        }
        var (dataset, root) = found;
        var record = dataset.Record;
        var content = await DatasetDescriber.DescribeAsync(dataset, root, context.RequestAborted);
        var origin = DatasetJson.Origin(context.Request);
        var dataUrl = origin + DataPaths.Dataset(record.Name);
        var isFiles = record.Format == DatasetFormats.Files;
        var selected = array ?? content.Arrays.FirstOrDefault(a => a.Drawable)?.Path;
        QuickLookResult? look = null;
        string? lookUrl = null;
        if (!isFiles && selected is not null)
        {
            look = await quickLook.RenderAsync(dataset, root, selected, index, context.RequestAborted);
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
        });
    }

    private static async Task<IResult> QuickLookAsync(HttpContext context, string name, string? array, string? index, DatasetRegistry registry, QuickLookRenderer quickLook)
    {
        if (await ReadableAsync(context, name, registry) is not { } found)
        {
            return NotFound(name);
        }
        var result = await quickLook.RenderAsync(found.Dataset, found.Root, array, index, context.RequestAborted);
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

    private static async Task<(DatasetEntry Dataset, string Root)?> ReadableAsync(HttpContext context, string name, DatasetRegistry registry)
    {
        var dataset = await registry.FindAsync(name, context.RequestAborted);
        return dataset is { RealRoot: { } root } && DatasetAccess.CanRead(context.Caller(), dataset) ? (dataset, root) : null;
    }

    /// <summary>The remote dataset named <paramref name="name"/> if the caller may read it.</summary>
    private static async Task<DatasetEntry?> RemoteAsync(HttpContext context, string name, DatasetRegistry registry)
    {
        var dataset = await registry.FindAsync(name, context.RequestAborted);
        return dataset is { Remote: not null } && DatasetAccess.CanRead(context.Caller(), dataset) ? dataset : null;
    }

    private static IResult NotFound(string name) =>
        HubPage.Error(StatusCodes.Status404NotFound, $"There is no dataset named {name} that you may read.", messageId: "not-found-message", action: ("data", "All datasets"));
}
