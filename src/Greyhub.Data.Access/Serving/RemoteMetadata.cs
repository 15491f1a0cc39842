using Greyhub.Data.Access.Datasets;
using Greyhub.Data.Access.Remote;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Greyhub.Data.Access.Serving;

/// <summary>
/// <c>/data/{remote}/.zmetadata</c> of a Zarr v2 remote dataset: the remote's own, passed through as any key is, when it
/// has one; else the one the hub produced from exploring the store (<see cref="RemoteHierarchies"/>), so readers open
/// the hierarchy in one request as they do a local one. When the hierarchy cannot be read (the remote is too slow, too
/// large for the crawl budget) the reader is told why, in words that never name the remote.
/// </summary>
internal static class RemoteMetadata
{
    public static async Task<IResult> ServeAsync(HttpContext context, DatasetEntry entry, RemoteLocation remote, RemoteHierarchies hierarchies, RemoteStores remotes)
    {
        var result = await hierarchies.GetAsync(entry, context.RequestAborted);
        if (result.Hierarchy is not { } hierarchy)
        {
            return Results.Text((result.Problem ?? "The remote store's hierarchy could not be read.") + "\n", "text/plain", statusCode: StatusCodes.Status502BadGateway);
        }
        if (hierarchy.FromRemoteConsolidated)
        {
            return await remotes.ServeAsync(context, entry.Record.Name, remote, ".zmetadata");
        }
        var document = hierarchy.Consolidated;
        return TypedResults.Bytes(document.Json, "application/json", entityTag: new EntityTagHeaderValue(document.ETag), enableRangeProcessing: true);
    }
}
