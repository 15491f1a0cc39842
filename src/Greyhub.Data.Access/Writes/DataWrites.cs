using Greyhub.Data.Access.Datasets;
using Greyhub.Data.Access.Serving;
using Greyhub.Hub.Auth;
using Greyhub.Scopes;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Greyhub.Data.Access.Writes;

/// <summary>
/// PUT, POST (what fsspec's <c>HTTPFileSystem.put_file</c> sends by default) and DELETE of keys of local datasets, for
/// the dataset's owner, members of its write groups and holders of <c>admin:datasets</c> — whoever's
/// <c>write:datasets</c> admits it. Only with a hub token: the login cookie alone would let any page the user visits
/// write, so it is refused, and signed URLs only read.
/// </summary>
/// <remarks>
/// A caller who may not read the dataset gets the same 404 as for a missing one; a reader who may not write gets 403
/// (they already know the dataset exists). Keys follow the read path's rules (<see cref="DataEndpoints.KeyIsSafe"/>
/// and containment after resolving symlinks).
/// </remarks>
internal static partial class DataWrites
{
    public static async Task<IResult> HandleAsync(
        HttpContext context,
        string dataset,
        string? key,
        DatasetRegistry registry,
        IOptions<DataAccessOptions> options,
        TimeProvider time,
        ILoggerFactory loggers)
    {
        context.Features.Get<IStatusCodePagesFeature>()?.Enabled = false;
        key ??= "";
        if (key.StartsWith(Serving.SignedUrls.PathMarker, StringComparison.Ordinal) || context.Request.Query.ContainsKey("sig"))
        {
            return DataResults.Forbidden("Signed URLs only read; writes need a hub token.");
        }
        if (context.Identity() is not { } caller)
        {
            return DataResults.Unauthorized("Authentication required: writes need a hub token (Authorization: token ...).");
        }
        if (caller.ViaCookie)
        {
            return DataResults.Forbidden("Writes need a hub token in the Authorization header; the login cookie alone is not accepted.");
        }
        if (!DataEndpoints.KeyIsSafe(key))
        {
            return DataResults.NotFound();
        }
        var entry = await registry.FindAsync(dataset, context.RequestAborted);
        if (entry is null || !DatasetAccess.CanRead(caller, entry))
        {
            return DataResults.NotFound();
        }
        if (!DatasetAccess.CanWrite(caller, entry))
        {
            return DataResults.Forbidden($"Writing to dataset {dataset} requires {ScopeDefinitions.WriteDatasets} for it: its owner, a member of its write groups, or admin:datasets.");
        }
        if (entry.Remote is not null)
        {
            context.Response.Headers.Allow = "GET, HEAD";
            return Results.Text($"Dataset {dataset} is a remote store; the hub only reads it.\n", "text/plain", statusCode: StatusCodes.Status405MethodNotAllowed);
        }
        if (key.Length == 0 || key.EndsWith('/'))
        {
            return Results.Text("Name a key to write or delete; folders are made by writing keys in them.\n", "text/plain", statusCode: StatusCodes.Status400BadRequest);
        }
        if (entry.RealRoot is not { } root)
        {
            return DataResults.NotFound();
        }
        if (KeyFolders.NameProblem(key) is { } problem)
        {
            return Results.Text(problem + "\n", "text/plain", statusCode: StatusCodes.Status400BadRequest);
        }
        // Another dataset registered inside this one is that dataset's writers' to change, not this one's.
        var nested = (await registry.AllAsync(context.RequestAborted))
            .Where(other => other != entry && other.RealRoot is { } inner && RealPath.IsWithin(inner, root))
            .ToList();
        if (Inside(root + "/" + key, nested, caller) is { } refusal)
        {
            return refusal;
        }
        var logger = loggers.CreateLogger(typeof(DataWrites));
        try
        {
            return HttpMethods.IsDelete(context.Request.Method)
                ? Delete(root, key, dataset, caller, nested, logger)
                : await PutAsync(context, root, key, dataset, caller, nested, options.Value.MaxWriteBytes, time, logger);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && !context.RequestAborted.IsCancellationRequested)
        {
            LogFailed(logger, dataset, key, e.Message, e);
            return Results.Text($"The hub could not write or delete '{key}' in dataset {dataset}: the file system refused it.\n", "text/plain",
                statusCode: StatusCodes.Status500InternalServerError);
        }
    }

    // The 403 of a writer without write access, when the path (canonical, or about to be) lies in a nested dataset the
    // caller may not write; null otherwise.
    private static IResult? Inside(string path, List<DatasetEntry> nested, RequestIdentity caller)
    {
        foreach (var other in nested)
        {
            if (RealPath.IsWithin(path, other.RealRoot!) && !DatasetAccess.CanWrite(caller, other))
            {
                return DataResults.Forbidden("This key lies inside another dataset; writing to it requires write:datasets for that dataset.");
            }
        }
        return null;
    }

    private static async Task<IResult> PutAsync(
        HttpContext context, string root, string key, string dataset, RequestIdentity caller, List<DatasetEntry> nested, long max, TimeProvider time, ILogger logger)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = max;
        }
        if (context.Request.ContentLength > max)
        {
            return TooLarge(max);
        }
        var (parent, problem) = KeyFolders.Parent(root, key, create: true);
        if (parent is null)
        {
            return problem == KeyFolders.Problem.Conflict ? Conflict(key) : DataResults.NotFound();
        }
        var name = key[(key.LastIndexOf('/') + 1)..];
        var target = Path.Combine(parent, name);
        if (Inside(target, nested, caller) is { } refusal)
        {
            return refusal;   // a symlinked folder on the way led into a nested dataset
        }
        if (Directory.Exists(target))
        {
            return Conflict(key);
        }
        KeyFolders.SweepStale(parent, time.GetUtcNow());
        // Written beside the key, then renamed over it: readers see the old bytes or the new, never a mix, and a writer
        // that dies or is cut off leaves the old bytes. Concurrent writers each rename a whole file; the last one wins.
        var temp = Path.Combine(parent, KeyFolders.TemporaryName());
        try
        {
            long total = 0;
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
            {
                var buffer = new byte[81920];
                int read;
                while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
                {
                    total += read;
                    if (total > max)
                    {
                        return TooLarge(max);
                    }
                    await file.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted);
                }
                await file.FlushAsync(context.RequestAborted);
                file.Flush(flushToDisk: true);
            }
            var existed = File.Exists(target);
            File.Move(temp, target, overwrite: true);
            LogWritten(logger, dataset, key, total, caller.Name);
            return Results.StatusCode(existed ? StatusCodes.Status204NoContent : StatusCodes.Status201Created);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(max);
        }
        finally
        {
            File.Delete(temp);   // nothing to do after the rename; a no-op for a missing file
        }
    }

    private static IResult Delete(string root, string key, string dataset, RequestIdentity caller, List<DatasetEntry> nested, ILogger logger)
    {
        var (parent, problem) = KeyFolders.Parent(root, key, create: false);
        if (parent is null)
        {
            return problem == KeyFolders.Problem.Conflict ? Conflict(key) : DataResults.NotFound();
        }
        var target = Path.Combine(parent, key[(key.LastIndexOf('/') + 1)..]);
        if (Inside(target, nested, caller) is { } refusal)
        {
            return refusal;
        }
        if (Directory.Exists(target))
        {
            return Conflict(key);
        }
        if (!File.Exists(target) && new FileInfo(target).LinkTarget is null)
        {
            return DataResults.NotFound();
        }
        File.Delete(target);
        LogDeleted(logger, dataset, key, caller.Name);
        return Results.NoContent();
    }

    private static IResult TooLarge(long max) =>
        Results.Text($"The body is larger than the hub accepts for one key ({max} bytes).\n", "text/plain", statusCode: StatusCodes.Status413PayloadTooLarge);

    private static IResult Conflict(string key) =>
        Results.Text($"'{key}' is a folder or lies under a file; only keys (files) are written and deleted.\n", "text/plain", statusCode: StatusCodes.Status409Conflict);
}
