using Greyhub.Data.Entities;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Pages;
using Greyhub.Scopes;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Greyhub.Clusters;

/// <summary><c>/hub/clusters</c>: the clusters page and its stop form.</summary>
internal static class ClustersPages
{
    private const string AdminScope = "admin:clusters";

    public static IEndpointRouteBuilder MapClustersPages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/hub/clusters", Show).RequireSignedIn().RequireScope("read:clusters");
        app.MapPost("/hub/clusters/stop", Stop).DisableAntiforgery().RequireSignedIn().RequireScope("clusters");
        return app;
    }

    private static async Task<IResult> Show(HttpContext context, ClusterService clusters) => await RenderAsync(context, clusters, null, 200);

    private static async Task<IResult> RenderAsync(HttpContext context, ClusterService clusters, string? message, int status)
    {
        var caller = context.Caller();
        var all = caller.Scopes.HasUnfiltered(AdminScope);
        // Whatever the caller's read scope covers: their own, a !group= role's members', everyone's for admins.
        var list = await clusters.ListVisibleAsync(caller.Scopes.FilterFor("read:clusters"), null, context.RequestAborted);
        // A stop button only where the caller's clusters scope reaches (a read:clusters!group= holder only watches).
        var stoppers = await clusters.OwnersCoveredAsync(caller.Scopes.FilterFor("clusters"), context.RequestAborted);
        return HubPage.Render<ClustersPage>(new Dictionary<string, object?>
        {
            [nameof(ClustersPage.Clusters)] = list,
            [nameof(ClustersPage.All)] = all,
            [nameof(ClustersPage.Others)] = all || list.Any(c => c.UserName != caller.Name),
            [nameof(ClustersPage.MayStop)] = (Func<DaskClusterEntity, bool>)(c => stoppers is null || stoppers.Contains(c.UserName)),
            [nameof(ClustersPage.Message)] = message,
        }, status);
    }

    private static async Task<IResult> Stop(HttpContext context, IAntiforgery antiforgery, ClusterService clusters, Greyhub.Hub.HubUrls urls)
    {
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return await RenderAsync(context, clusters, "The form was not sent by this site; please try again.", 403);
        }
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var name = form["name"].ToString();
        var caller = context.Caller();
        var cluster = name.Length > 0 ? await clusters.FindAsync(name, context.RequestAborted) : null;
        if (cluster is null)
        {
            return await RenderAsync(context, clusters, $"No cluster named {name}.", 404);
        }
        var filter = caller.Scopes.FilterFor("clusters");
        var groups = filter.HasGroupFilters ? await clusters.GroupsOfAsync(cluster.UserName, context.RequestAborted) : [];
        if (!filter.Matches(ResourceRef.User(cluster.UserName, groups)))
        {
            return await RenderAsync(context, clusters, $"You may not stop cluster {name}.", 403);
        }
        await clusters.StopAsync(name, $"Stopped by {caller.Name} on the clusters page", context.RequestAborted);
        return Results.Redirect(urls.Hub + "clusters");
    }
}
