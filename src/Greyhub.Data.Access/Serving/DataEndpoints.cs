using Greyhub.Data.Access.Catalogs;
using Greyhub.Data.Access.Datasets;
using Greyhub.Data.Access.Remote;
using Greyhub.Data.Access.Writes;
using Greyhub.Hub.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Greyhub.Data.Access.Serving;

/// <summary>
/// <c>/data/{dataset}/{**key}</c>: a dataset's files over plain HTTP, as an object store serves them. GET and HEAD,
/// ranges, entity tags and conditional requests are ASP.NET Core's own file result; this class decides who may read
/// and which file a key names.
/// </summary>
/// <remarks>
/// The endpoints are anonymous as far as the hub's policies go because they accept a third credential besides the
/// token and the cookie: a signed URL. Each request is authorised here, on the dataset's own rule, before any path is
/// touched. A dataset the caller may not read answers exactly as one that does not exist.
/// </remarks>
internal static class DataEndpoints
{
    public static IEndpointRouteBuilder MapDataEndpoints(this IEndpointRouteBuilder app)
    {
        string[] methods = [HttpMethods.Get, HttpMethods.Head];
        app.MapMethods("/data/catalog.yaml", methods, IntakeCatalog.HandleAsync).AllowAnonymous().RequireCors(DataCors.Policy);
        // The catch-all is optional: /data/{dataset} is the dataset's root listing too (its links are absolute paths).
        app.MapMethods("/data/{dataset}/{**key}", methods, ServeAsync).AllowAnonymous().RequireCors(DataCors.Policy);
        // Writes: no CORS policy of their own, and never on the login cookie alone (DataWrites).
        app.MapMethods("/data/{dataset}/{**key}", [HttpMethods.Put, HttpMethods.Post, HttpMethods.Delete], DataWrites.HandleAsync).AllowAnonymous();
        return app;
    }

    private static async Task<IResult> ServeAsync(
        HttpContext context,
        string dataset,
        string? key,
        DatasetRegistry registry,
        SignedUrls signer,
        ConsolidatedMetadata consolidated,
        RemoteStores remotes,
        RemoteHierarchies hierarchies,
        IOptions<DataAccessOptions> options)
    {
        // Data answers are plain text or JSON, never the hub's HTML error page.
        context.Features.Get<IStatusCodePagesFeature>()?.Enabled = false;
        DataFileHeaders.Protect(context.Response);
        key ??= "";
        var signedPath = false;
        var token = "";
        if (key.StartsWith(SignedUrls.PathMarker, StringComparison.Ordinal))
        {
            var slash = key.IndexOf('/', StringComparison.Ordinal);
            token = slash < 0 ? key[SignedUrls.PathMarker.Length..] : key[SignedUrls.PathMarker.Length..slash];
            key = slash < 0 ? "" : key[(slash + 1)..];
            signedPath = true;
        }
        if (!KeyIsSafe(key))
        {
            return DataResults.NotFound();
        }
        var query = context.Request.Query;
        var signedQuery = query.ContainsKey("sig");
        if (signedPath || signedQuery)
        {
            var trimmed = key.TrimEnd('/');
            var check = signedPath
                ? signer.CheckPathToken(dataset, trimmed, token)
                : signer.CheckQuery(dataset, trimmed, query["exp"], query["sig"], query["prefix"]);
            switch (check)
            {
                case SignatureCheck.Expired:
                    return DataResults.Unauthorized("This signed URL has expired; ask the hub for a new one.");
                case SignatureCheck.Invalid:
                    return DataResults.Forbidden("This signed URL is not valid for this address.");
            }
        }
        else if (context.Identity() is null)
        {
            return DataResults.Unauthorized("Authentication required: a hub token (Authorization: token ...), the login cookie or a signed URL.");
        }
        var entry = await registry.FindAsync(dataset, context.RequestAborted);
        if (entry is null || (!signedPath && !signedQuery && !DatasetAccess.CanRead(context.Identity()!, entry)))
        {
            return DataResults.NotFound();
        }

        var cacheControl = "private, max-age=" + (long)options.Value.CacheMaxAge.TotalSeconds;
        if (entry.Remote is { } remote)
        {
            if (key.Length == 0 || key.EndsWith('/'))
            {
                return Results.Text("Listings are not available for remote datasets; read keys by name (or .zmetadata).\n", "text/plain",
                    statusCode: StatusCodes.Status501NotImplemented);
            }
            context.Response.Headers.CacheControl = cacheControl;
            if (key == ".zmetadata" && entry.Record.Format == DatasetFormats.ZarrV2)
            {
                return await RemoteMetadata.ServeAsync(context, entry, remote, hierarchies, remotes);
            }
            return await remotes.ServeAsync(context, dataset, remote, key);
        }
        if (entry.RealRoot is not { } root)
        {
            return DataResults.NotFound();
        }
        context.Response.Headers.CacheControl = cacheControl;
        var real = RealPath.Resolve(key.Length == 0 ? root : root + "/" + key.TrimEnd('/'));
        if (real is null)
        {
            if (key == ".zmetadata" && entry.Record.Format == DatasetFormats.ZarrV2)
            {
                var document = consolidated.Get(root);
                return TypedResults.Bytes(document.Json, "application/json", lastModified: document.LastModified,
                    entityTag: new EntityTagHeaderValue(document.ETag), enableRangeProcessing: true);
            }
            return DataResults.NotFound();
        }
        if (!RealPath.IsWithin(real, root))
        {
            return DataResults.NotFound();
        }
        // One stat for a chunk (the common case); a folder is asked about only when the path is not a file.
        var info = new FileInfo(real);
        if (!info.Exists)
        {
            return Directory.Exists(real) ? Listing.Result(context, real) : DataResults.NotFound();
        }
        if (key.EndsWith('/'))
        {
            return DataResults.NotFound();
        }
        var lastModified = new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero);
        // Strong, as nginx's: modification time and length, so If-Range and range requests work across hubs.
        var etag = new EntityTagHeaderValue($"\"{info.LastWriteTimeUtc.Ticks:x}-{info.Length:x}\"");
        if (KeyFolders.IsTemporary(info.Name))
        {
            return DataResults.NotFound();
        }
        DirectFileBody.Use(context);
        return TypedResults.PhysicalFile(real, DataFileHeaders.Apply(context.Response, info.Name), lastModified: lastModified, entityTag: etag, enableRangeProcessing: true);
    }

    /// <summary>
    /// Refuses keys that try to leave the dataset before any path is built: dot segments (also once percent-decoded),
    /// backslashes, control characters (NUL, newlines: they would reach logs and file names) and empty segments. Symlinks are caught after resolving (<see cref="RealPath"/>).
    /// </summary>
    internal static bool KeyIsSafe(string key)
    {
        if (key.Length == 0)
        {
            return true;
        }
        if (key.StartsWith('/') || key.Contains('\\') || key.Contains('\0'))
        {
            return false;
        }
        var segments = key.TrimEnd('/').Split('/');
        foreach (var segment in segments)
        {
            var decoded = Uri.UnescapeDataString(segment);
            if (segment.Length == 0 || decoded is "." or ".." || decoded.Contains('/') || decoded.Contains('\\') || decoded.Any(char.IsControl))
            {
                return false;
            }
        }
        return true;
    }
}

/// <summary>The data routes' error answers: short plain text, no page.</summary>
internal static class DataResults
{
    public static IResult NotFound() => Results.Text("Not found\n", "text/plain", statusCode: StatusCodes.Status404NotFound);

    public static IResult Unauthorized(string message) => new WithHeader(
        Results.Text(message + "\n", "text/plain", statusCode: StatusCodes.Status401Unauthorized), HeaderNames.WWWAuthenticate, "token");

    public static IResult Forbidden(string message) => Results.Text(message + "\n", "text/plain", statusCode: StatusCodes.Status403Forbidden);

    private sealed class WithHeader(IResult inner, string name, string value) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers[name] = value;
            return inner.ExecuteAsync(httpContext);
        }
    }
}
