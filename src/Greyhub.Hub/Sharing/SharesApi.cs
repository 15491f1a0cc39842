using Greyhub.Data;
using Greyhub.Data.Stores;
using Greyhub.Hub.Audit;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Sharing;

/// <summary>
/// JupyterHub 5's sharing API: <c>/shares/{owner}[/{server}]</c> (grant, revoke, list), <c>/share-codes/...</c>
/// (invitations), <c>/users/{name}/shared</c> and <c>/groups/{name}/shared</c> (what is shared with them, and leaving).
/// The default server is the path with a trailing slash (<c>/shares/alice/</c>), told apart from the owner's list
/// (<c>/shares/alice</c>) by <see cref="TrailingSlashMetadata"/>.
/// </summary>
internal static class SharesApi
{
    public static IEndpointRouteBuilder MapSharesApi(this IEndpointRouteBuilder api)
    {
        api.MapGet("/shares/{name}", OwnerSharesAsync).RequireScope(ScopeTarget.User, "read:shares").WithMetadata(new TrailingSlashMetadata(false));
        api.MapGet("/share-codes/{name}", OwnerCodesAsync).RequireScope(ScopeTarget.User, "read:shares").WithMetadata(new TrailingSlashMetadata(false));
        foreach (var (server, slash) in new[] { ("{serverName}", (TrailingSlashMetadata?)null), ("", new TrailingSlashMetadata(true)) })
        {
            Slash(api.MapGet($"/shares/{{name}}/{server}", ServerSharesAsync).RequireScope(ScopeTarget.Server, "read:shares"), slash);
            Slash(api.MapPost($"/shares/{{name}}/{server}", GrantAsync).RequireScope(ScopeTarget.Server, "shares"), slash);
            Slash(api.MapPatch($"/shares/{{name}}/{server}", RevokeAsync).RequireScope(ScopeTarget.Server, "shares"), slash);
            Slash(api.MapDelete($"/shares/{{name}}/{server}", RevokeAllAsync).RequireScope(ScopeTarget.Server, "shares"), slash);
            Slash(api.MapGet($"/share-codes/{{name}}/{server}", ServerCodesAsync).RequireScope(ScopeTarget.Server, "read:shares"), slash);
            Slash(api.MapPost($"/share-codes/{{name}}/{server}", CreateCodeAsync).RequireScope(ScopeTarget.Server, "shares"), slash);
            Slash(api.MapDelete($"/share-codes/{{name}}/{server}", RevokeCodesAsync).RequireScope(ScopeTarget.Server, "shares"), slash);
            api.MapGet($"/users/{{name}}/shared/{{owner}}/{server}", UserShareAsync).RequireScope(ScopeTarget.User, "read:users:shares");
            api.MapDelete($"/users/{{name}}/shared/{{owner}}/{server}", LeaveAsUserAsync).RequireScope(ScopeTarget.User, "users:shares");
            api.MapGet($"/groups/{{name}}/shared/{{owner}}/{server}", GroupShareAsync).RequireScope(ScopeTarget.Group, "read:groups:shares");
            api.MapDelete($"/groups/{{name}}/shared/{{owner}}/{server}", LeaveAsGroupAsync).RequireScope(ScopeTarget.Group, "groups:shares");
        }
        api.MapGet("/users/{name}/shared", SharedWithUserAsync).RequireScope(ScopeTarget.User, "read:users:shares");
        api.MapGet("/groups/{name}/shared", SharedWithGroupAsync).RequireScope(ScopeTarget.Group, "read:groups:shares");
        return api;
    }

    private static void Slash(RouteHandlerBuilder endpoint, TrailingSlashMetadata? slash)
    {
        if (slash is not null)
        {
            endpoint.WithMetadata(slash);
        }
    }

    /// <summary>What every handler needs: the rules, the URLs, the page sizes.</summary>
    internal readonly record struct Sharing(ShareService Rules, ShareCodes Codes, HubRoles Roles, HubUrls Urls, IOptions<HubOptions> Options, AuditLog Audit);

    private static string ServerOf(HttpContext context) => context.Request.RouteValues["serverName"] as string ?? "";

    private static Paging PagingOf(HttpContext context, Sharing s) => Paging.From(context.Request, s.Options.Value.ApiPageDefaultLimit, s.Options.Value.ApiPageMaxLimit);

    private static async Task<IResult> ListAsync(HttpContext context, Sharing s, ShareQuery query)
    {
        var paging = PagingOf(context, s);
        var page = await s.Rules.ListAsync(query with { Offset = paging.Offset, Limit = paging.Limit }, context.RequestAborted);
        return paging.Result(context.Request, page.Items, page.Total, (w, share) => ShareJson.WriteShare(w, share, s.Urls));
    }

    private static async Task<IResult> OwnerSharesAsync(HttpContext context, string name, [AsParameters] Sharing s) =>
        await ListAsync(context, s, new ShareQuery { OwnerId = await s.Rules.OwnerIdAsync(name, context.RequestAborted) });

    private static async Task<IResult> ServerSharesAsync(HttpContext context, string name, [AsParameters] Sharing s)
    {
        var server = await s.Rules.ServerAsync(name, ServerOf(context), write: false, context.RequestAborted);
        return await ListAsync(context, s, new ShareQuery { ServerId = server.Id });
    }

    private static async Task<IResult> GrantAsync(HttpContext context, string name, [AsParameters] Sharing s)
    {
        var request = ShareRequest.ReadShare(await JsonBody.ReadAsync(context.Request, context.RequestAborted), s.Roles.Definitions);
        var share = await s.Rules.GrantAsync(context.Caller(), name, ServerOf(context), request, context.RequestAborted);
        s.Audit.Record(context, AuditActions.ShareGrant, name, ServerOf(context), Grantee(share) + ": " + string.Join(' ', share.Scopes));
        return JsonResult.Ok(w => ShareJson.WriteShare(w, share, s.Urls));
    }

    private static async Task<IResult> RevokeAsync(HttpContext context, string name, [AsParameters] Sharing s)
    {
        var request = ShareRequest.ReadShare(await JsonBody.ReadAsync(context.Request, context.RequestAborted), s.Roles.Definitions);
        var left = await s.Rules.RevokeAsync(name, ServerOf(context), request, context.RequestAborted);
        s.Audit.Record(context, AuditActions.ShareRevoke, name, ServerOf(context), left is null ? "share removed" : Grantee(left) + " keeps: " + string.Join(' ', left.Scopes));
        // As JupyterHub: the share as it is left, or an empty object when none is.
        return JsonResult.Ok(w =>
        {
            if (left is null)
            {
                w.WriteStartObject();
                w.WriteEndObject();
            }
            else
            {
                ShareJson.WriteShare(w, left, s.Urls);
            }
        });
    }

    private static async Task<IResult> RevokeAllAsync(HttpContext context, string name, [AsParameters] Sharing s)
    {
        await s.Rules.RevokeAllAsync(name, ServerOf(context), context.RequestAborted);
        s.Audit.Record(context, AuditActions.ShareRevoke, name, ServerOf(context), "every share");
        return Results.NoContent();
    }

    private static string Grantee(Data.ShareRecord share) => share.UserName is { } user ? "user " + user : "group " + share.GroupName;

    private static async Task<IResult> OwnerCodesAsync(HttpContext context, string name, [AsParameters] Sharing s) =>
        await CodesAsync(context, s, await s.Rules.OwnerIdAsync(name, context.RequestAborted), null);

    private static async Task<IResult> ServerCodesAsync(HttpContext context, string name, [AsParameters] Sharing s)
    {
        var server = await s.Rules.ServerAsync(name, ServerOf(context), write: false, context.RequestAborted);
        return await CodesAsync(context, s, null, server.Id);
    }

    private static async Task<IResult> CodesAsync(HttpContext context, Sharing s, int? ownerId, int? serverId)
    {
        var paging = PagingOf(context, s);
        var page = await s.Codes.ListAsync(ownerId, serverId, paging.Offset, paging.Limit, context.RequestAborted);
        return paging.Result(context.Request, page.Items, page.Total, (w, code) => ShareJson.WriteCode(w, code, s.Urls));
    }

    private static async Task<IResult> CreateCodeAsync(HttpContext context, string name, [AsParameters] Sharing s)
    {
        var request = ShareRequest.ReadCode(await JsonBody.ReadAsync(context.Request, context.RequestAborted), s.Roles.Definitions);
        var issued = await s.Codes.CreateAsync(context.Caller(), name, ServerOf(context), request, context.RequestAborted);
        return JsonResult.Ok(w => ShareJson.WriteCode(w, issued.Record, s.Urls, issued.Code));
    }

    private static async Task<IResult> RevokeCodesAsync(HttpContext context, string name, [AsParameters] Sharing s)
    {
        var query = context.Request.Query;
        await s.Codes.RevokeAsync(name, ServerOf(context), query["code"].ToString(), query["id"].ToString(), context.RequestAborted);
        return Results.NoContent();
    }

    private static async Task<IResult> SharedWithUserAsync(HttpContext context, string name, [AsParameters] Sharing s) =>
        await ListAsync(context, s, await s.Rules.SharedWithUserAsync(name, context.RequestAborted));

    private static async Task<IResult> SharedWithGroupAsync(HttpContext context, string name, [AsParameters] Sharing s)
    {
        var group = await s.Rules.GroupTargetAsync(name, $"No such group: {name}", context.RequestAborted);
        return await ListAsync(context, s, new ShareQuery { GroupIds = [group.GroupId!.Value] });
    }

    private static Task<IResult> UserShareAsync(HttpContext context, string name, string owner, [AsParameters] Sharing s) =>
        ShareAsync(context, s, isGroup: false, name, owner);

    private static Task<IResult> LeaveAsUserAsync(HttpContext context, string name, string owner, [AsParameters] Sharing s) =>
        LeaveAsync(context, s, isGroup: false, name, owner);

    private static Task<IResult> GroupShareAsync(HttpContext context, string name, string owner, [AsParameters] Sharing s) =>
        ShareAsync(context, s, isGroup: true, name, owner);

    private static Task<IResult> LeaveAsGroupAsync(HttpContext context, string name, string owner, [AsParameters] Sharing s) =>
        LeaveAsync(context, s, isGroup: true, name, owner);

    /// <summary>The share of <paramref name="owner"/>'s server held by a user or a group.</summary>
    private static async Task<IResult> ShareAsync(HttpContext context, Sharing s, bool isGroup, string name, string owner)
    {
        var (with, notFound) = await HolderAsync(context, s, isGroup, name, owner);
        var share = await s.Rules.FindAsync(with, owner, ServerOf(context), notFound, context.RequestAborted);
        return JsonResult.Ok(w => ShareJson.WriteShare(w, share, s.Urls));
    }

    /// <summary>A user or a group gives up their share of <paramref name="owner"/>'s server.</summary>
    private static async Task<IResult> LeaveAsync(HttpContext context, Sharing s, bool isGroup, string name, string owner)
    {
        var (with, notFound) = await HolderAsync(context, s, isGroup, name, owner);
        await s.Rules.LeaveAsync(with, owner, ServerOf(context), notFound, context.RequestAborted);
        return Results.NoContent();
    }

    // An unknown holder answers the same 404 as a missing share, as JupyterHub does.
    private static async Task<(ShareTarget With, string NotFound)> HolderAsync(HttpContext context, Sharing s, bool isGroup, string name, string owner)
    {
        var notFound = $"No such share for {(isGroup ? "group" : "user")} {name} on {owner}/{ServerOf(context)}";
        var with = isGroup
            ? await s.Rules.GroupTargetAsync(name, notFound, context.RequestAborted)
            : await s.Rules.UserTargetAsync(name, notFound, context.RequestAborted);
        return (with, notFound);
    }
}
