using System.Text.Json;
using Greyhub.Data.Access.Serving;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Http;
using Greyhub.Scopes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Greyhub.Data.Access.Datasets;

/// <summary>
/// <c>/hub/api/datasets</c>: register, list, get, update, remove, and issue signed URLs. Reading needs
/// <c>read:datasets</c> admitting the dataset (by name, owner or read group); changing needs <c>admin:datasets</c>
/// admitting it; registering needs it unfiltered. A dataset the caller may not read is a 404, as a missing one.
/// </summary>
internal static class DatasetsApi
{
    private static readonly string[] Fields = ["name", "title", "description", "owner", "read_groups", "write_groups", "location", "format", "remote_header"];

    public static IEndpointRouteBuilder MapDatasetsApi(this IEndpointRouteBuilder api)
    {
        api.MapGet("/datasets", List).RequireScope(ScopeDefinitions.ReadDatasets);
        api.MapGet("/datasets/{name}", Get).RequireScope(ScopeDefinitions.ReadDatasets);
        api.MapPost("/datasets/{name}", Create).RequireScope(ScopeDefinitions.AdminDatasets);
        api.MapMethods("/datasets/{name}", [HttpMethods.Patch], Update).RequireScope(ScopeDefinitions.AdminDatasets);
        api.MapDelete("/datasets/{name}", Delete).RequireScope(ScopeDefinitions.AdminDatasets);
        api.MapPost("/datasets/{name}/signed-url", Sign).RequireScope(ScopeDefinitions.ReadDatasets);
        return api;
    }

    private static async Task<IResult> List(HttpContext context, DatasetRegistry registry)
    {
        var caller = context.Caller();
        var all = await registry.AllAsync(context.RequestAborted);
        var readable = all.Where(d => DatasetAccess.CanRead(caller, d)).ToList();
        return JsonResult.Ok(w =>
        {
            w.WriteStartArray();
            foreach (var d in readable)
            {
                DatasetJson.Write(w, context.Request, d.Record, DatasetAccess.CanAdmin(caller, d));
            }
            w.WriteEndArray();
        });
    }

    private static async Task<IResult> Get(HttpContext context, string name, DatasetRegistry registry)
    {
        var (caller, dataset) = await ReadableAsync(context, name, registry);
        return JsonResult.Ok(w => DatasetJson.Write(w, context.Request, dataset.Record, DatasetAccess.CanAdmin(caller, dataset)));
    }

    private static async Task<IResult> Create(HttpContext context, string name, DatasetService datasets)
    {
        var caller = context.Caller();
        // Registering points the hub at a path on its own filesystem: only an unfiltered admin:datasets may.
        if (!caller.Scopes.FilterFor(ScopeDefinitions.AdminDatasets).IsUnfiltered)
        {
            throw ApiException.Forbidden("Registering a dataset requires admin:datasets without filters");
        }
        var spec = await ReadSpecAsync(context, name, required: true);
        var created = await datasets.AddAsync(name, spec, caller.IsUser ? caller.Name : null, context.RequestAborted);
        return JsonResult.Created(w => DatasetJson.Write(w, context.Request, created, admin: true));
    }

    private static async Task<IResult> Update(HttpContext context, string name, DatasetService datasets, DatasetRegistry registry)
    {
        await AdministrableAsync(context, name, registry);
        var spec = await ReadSpecAsync(context, name, required: true);
        if ((spec.Location is not null || spec.RemoteHeader is not null) && !context.Caller().Scopes.FilterFor(ScopeDefinitions.AdminDatasets).IsUnfiltered)
        {
            throw ApiException.Forbidden("Moving a dataset or changing its remote credential requires admin:datasets without filters");
        }
        var updated = await datasets.UpdateAsync(name, spec, context.RequestAborted);
        return JsonResult.Ok(w => DatasetJson.Write(w, context.Request, updated, admin: true));
    }

    private static async Task<IResult> Delete(HttpContext context, string name, DatasetService datasets, DatasetRegistry registry)
    {
        await AdministrableAsync(context, name, registry);
        await datasets.RemoveAsync(name, context.RequestAborted);
        return Results.NoContent();
    }

    private static async Task<IResult> Sign(HttpContext context, string name, DatasetRegistry registry, SignedUrls signer)
    {
        await ReadableAsync(context, name, registry);
        var body = await JsonBody.ReadObjectAsync(context.Request, required: false, context.RequestAborted);
        var prefix = "";
        TimeSpan? lifetime = null;
        if (body is { } b)
        {
            JsonBody.OnlyKeys(b, "signed URL request", "prefix", "expires_in");
            prefix = JsonBody.String(b, "prefix", "signed URL request") ?? "";
            if (b.TryGetProperty("expires_in", out var seconds))
            {
                lifetime = seconds.ValueKind == JsonValueKind.Number && seconds.TryGetInt32(out var s) && s > 0
                    ? TimeSpan.FromSeconds(s)
                    : throw ApiException.BadRequest("expires_in must be a positive number of seconds");
            }
        }
        var signed = signer.Issue(name, prefix, lifetime);
        var origin = DatasetJson.Origin(context.Request);
        return JsonResult.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteString("url", origin + signed.QueryUrl);
            w.WriteString("store_url", origin + signed.PathUrl);
            w.WriteString("prefix", signed.Prefix);
            w.WriteString("expires_at", Iso.Format(signed.ExpiresAt.UtcDateTime));
            w.WriteEndObject();
        });
    }

    /// <summary>The dataset if the caller may read it; otherwise the same 404 as for one that does not exist.</summary>
    private static async Task<(RequestIdentity, DatasetEntry)> ReadableAsync(HttpContext context, string name, DatasetRegistry registry)
    {
        var caller = context.Caller();
        var dataset = await registry.FindAsync(name, context.RequestAborted);
        return dataset is not null && DatasetAccess.CanRead(caller, dataset)
            ? (caller, dataset)
            : throw ApiException.NotFound($"No such dataset: {name}");
    }

    /// <summary>The dataset if the caller's admin:datasets admits it; 404 when it cannot even read it, 403 otherwise.</summary>
    private static async Task AdministrableAsync(HttpContext context, string name, DatasetRegistry registry)
    {
        var (caller, dataset) = await ReadableAsync(context, name, registry);
        if (!DatasetAccess.CanAdmin(caller, dataset))
        {
            throw ApiException.Forbidden($"Action is not authorized with current scopes; requires any of [{ScopeDefinitions.AdminDatasets}]");
        }
    }

    private static async Task<DatasetSpec> ReadSpecAsync(HttpContext context, string name, bool required)
    {
        const string what = "dataset";
        var body = await JsonBody.ReadObjectAsync(context.Request, required, context.RequestAborted);
        if (body is not { } b)
        {
            return new DatasetSpec();
        }
        JsonBody.OnlyKeys(b, what, Fields);
        if (JsonBody.String(b, "name", what) is { } bodyName && bodyName != name)
        {
            throw ApiException.BadRequest($"The body names dataset '{bodyName}' but the URL names '{name}'");
        }
        return new DatasetSpec(
            JsonBody.String(b, "title", what),
            JsonBody.String(b, "description", what),
            JsonBody.String(b, "owner", what),
            JsonBody.StringList(b, "read_groups", what),
            JsonBody.StringList(b, "write_groups", what),
            JsonBody.String(b, "location", what),
            JsonBody.String(b, "format", what),
            JsonBody.String(b, "remote_header", what));
    }
}
