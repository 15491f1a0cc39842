using Greyhub.Data.Access.Catalogs;
using Greyhub.Data.Access.Datasets;
using Greyhub.Data.Access.Remote;
using Greyhub.Data.Access.Writes;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Greyhub.Data.Access.Serving;

/// <summary>
/// <c>/data/{dataset}/{**key}</c>: a dataset's files over plain HTTP, as an object store serves them. GET and HEAD,
/// ranges, entity tags and conditional requests are ASP.NET Core's own file result; this class decides who may read
/// and which file a key names, and opens it beneath the dataset's root (<see cref="DatasetFiles"/>): what is served is
/// always the descriptor that was checked.
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
        // Lean: chunk reads skip the hub's page and API middleware and authenticate here (IHubRequestAuthenticator).
        app.MapMethods("/data/{dataset}/{**key}", methods, ServeAsync).AllowAnonymous().RequireCors(DataCors.Policy).WithMetadata(LeanEndpoint.Instance);
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
        IHubRequestAuthenticator authenticator,
        DatasetFiles files)
    {
        // Services only some answers need are resolved by those answers, not for every chunk.
        var services = context.RequestServices;
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
        // A lean endpoint: the hub's authentication middleware did not run for this request (LeanEndpoint).
        else if (!await authenticator.AuthenticateAsync(context))
        {
            return DataResults.Unauthorized("Authentication required: a hub token (Authorization: token ...), the login cookie or a signed URL.");
        }
        var entry = await registry.FindAsync(dataset, context.RequestAborted);
        if (entry is null || (!signedPath && !signedQuery && !DatasetAccess.CanRead(context.Identity()!, entry)))
        {
            return DataResults.NotFound();
        }

        var cacheControl = "private, max-age=" + (long)services.GetRequiredService<IOptions<DataAccessOptions>>().Value.CacheMaxAge.TotalSeconds;
        if (entry.Remote is { } remote)
        {
            if (key.Length == 0 || key.EndsWith('/'))
            {
                return Results.Text("Listings are not available for remote datasets; read keys by name (or .zmetadata).\n", "text/plain",
                    statusCode: StatusCodes.Status501NotImplemented);
            }
            context.Response.Headers.CacheControl = cacheControl;
            var remotes = services.GetRequiredService<RemoteStores>();
            if (key == ".zmetadata" && entry.Record.Format == DatasetFormats.ZarrV2)
            {
                return await RemoteMetadata.ServeAsync(context, entry, remote, services.GetRequiredService<RemoteHierarchies>(), remotes);
            }
            return await remotes.ServeAsync(context, dataset, remote, key);
        }
        if (entry.RealRoot is not { } root)
        {
            return DataResults.NotFound();
        }
        context.Response.Headers.CacheControl = cacheControl;
        var trimmedKey = key.TrimEnd('/');
        var name = trimmedKey[(trimmedKey.LastIndexOf('/') + 1)..];
        // A write's temporary file is never served, whatever it is.
        if (KeyFolders.IsTemporary(name))
        {
            return DataResults.NotFound();
        }
        var opened = files.Open(root, trimmedKey);
        switch (opened.Kind)
        {
            case KeyKind.Folder:
                using (opened)
                {
                    return Listing.Result(context, files.List(opened));
                }
            case KeyKind.File when !key.EndsWith('/'):
                return FileResult(context.Response, opened, name);
            case KeyKind.File:
                opened.Dispose();
                return DataResults.NotFound();
        }
        if (key == ".zmetadata" && entry.Record.Format == DatasetFormats.ZarrV2)
        {
            var document = services.GetRequiredService<ConsolidatedMetadata>().Get(root);
            return TypedResults.Bytes(document.Json, "application/json", lastModified: document.LastModified,
                entityTag: new EntityTagHeaderValue(document.ETag), enableRangeProcessing: true);
        }
        return DataResults.NotFound();
    }

    /// <summary>
    /// A file key of any size, for GET, HEAD and ranges alike: ASP.NET's file result (ranges, 416, entity tags,
    /// conditional requests) over a stream of the one descriptor that was checked, its length, date and tag from that
    /// descriptor's stat. Nothing about the file is looked up again by its path.
    /// </summary>
    internal static IResult FileResult(HttpResponse response, OpenedKey opened, string name)
    {
        var stat = opened.Stat;
        var stream = new KeyStream(opened.Take(), stat.Size);
        return TypedResults.File(stream, DataFileHeaders.Apply(response, name), lastModified: stat.LastModified,
            entityTag: new EntityTagHeaderValue(stat.ETag), enableRangeProcessing: true);
    }

    /// <summary>
    /// Refuses keys that try to leave the dataset before any path is built: dot segments (also once percent-decoded),
    /// backslashes, control characters (NUL, newlines: they would reach logs and file names) and empty segments. Symlinks
    /// are never followed when the key is opened (<see cref="DatasetFiles"/>).
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
