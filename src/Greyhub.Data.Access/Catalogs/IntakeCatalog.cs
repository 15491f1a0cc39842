using Greyhub.Data.Access.Datasets;
using Greyhub.Data.Access.Serving;
using Greyhub.Hub.Auth;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using YamlDotNet.Serialization;

namespace Greyhub.Data.Access.Catalogs;

/// <summary>
/// <c>/data/catalog.yaml</c>: an Intake 0.6 catalog of the Zarr datasets the caller may read, nothing else. Entries use
/// intake's own <c>zarr_cat</c> driver (a dataset opens as a catalog of its arrays, each a dask array through
/// <c>ndzarr</c>), because Debian's python3-intake 0.6.6 ships without intake-xarray. The caller's credential rides in
/// each entry: the token it sent as an <c>Authorization</c> header in <c>storage_options.headers</c>, or for a browser
/// session (no token to hand out) a signed path-form URL. Datasets of plain files are not listed: intake has no
/// driver for them without intake-xarray.
/// </summary>
internal static class IntakeCatalog
{
    public static async Task<IResult> HandleAsync(HttpContext context, DatasetRegistry registry, SignedUrls signer)
    {
        context.Features.Get<IStatusCodePagesFeature>()?.Enabled = false;
        DataFileHeaders.Protect(context.Response);
        var caller = context.Identity();
        if (caller is null)
        {
            return DataResults.Unauthorized("Authentication required: a hub token (Authorization: token ...) or the login cookie.");
        }
        var origin = DatasetJson.Origin(context.Request);
        var header = caller.ViaCookie ? null : context.Request.Headers.Authorization.ToString();
        var sources = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var dataset in await registry.AllAsync(context.RequestAborted))
        {
            var d = dataset.Record;
            if (d.Format == DatasetFormats.Files || !DatasetAccess.CanRead(caller, dataset))
            {
                continue;
            }
            var args = new Dictionary<string, object>(StringComparer.Ordinal);
            if (string.IsNullOrEmpty(header))
            {
                args["urlpath"] = origin + signer.Issue(d.Name, "", null).PathUrl;
            }
            else
            {
                args["urlpath"] = origin + DataPaths.Dataset(d.Name);
                args["storage_options"] = new Dictionary<string, object> { ["headers"] = new Dictionary<string, string> { ["Authorization"] = header } };
            }
            args["consolidated"] = d.Format == DatasetFormats.ZarrV2;
            sources[d.Name] = new Dictionary<string, object>(StringComparer.Ordinal)
            {
                ["description"] = d.Description.Length > 0 ? d.Description : d.Title,
                ["driver"] = "zarr_cat",
                ["args"] = args,
                ["metadata"] = new Dictionary<string, object?>(StringComparer.Ordinal)
                {
                    ["title"] = d.Title,
                    ["format"] = d.Format,
                    ["owner"] = d.Owner ?? "",
                    ["url"] = origin + DataPaths.Dataset(d.Name),
                },
            };
        }
        var catalog = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["metadata"] = new Dictionary<string, object> { ["version"] = 1, ["description"] = "Datasets served by Greyhub that " + caller.Name + " may read" },
            ["sources"] = sources,
        };
        var yaml = new SerializerBuilder().Build().Serialize(catalog);
        // It carries the caller's credential: never stored by a cache.
        context.Response.Headers.CacheControl = "private, no-store";
        return Results.Text(yaml, "application/yaml; charset=utf-8");
    }
}
