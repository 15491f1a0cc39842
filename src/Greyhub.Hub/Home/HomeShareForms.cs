using System.Globalization;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Http;
using Greyhub.Hub.Sharing;
using Greyhub.Hub.Users;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Primitives;

namespace Greyhub.Hub.Home;

/// <summary>
/// The home page's sharing forms (<c>POST /hub/home/share/{owner}[/{server}]</c>): share with a user or a group, revoke
/// a share, make or revoke a share code. Each needs <c>shares</c> on the server, checked from the endpoint's metadata
/// as on the REST API, and the page's anti-forgery token; each calls the same sharing rules the API does.
/// </summary>
internal static class HomeShareForms
{
    public static IEndpointRouteBuilder MapHomeShareForms(this IEndpointRouteBuilder hub)
    {
        hub.MapPost("/home/share/{name}", ShareAsync).DisableAntiforgery().RequireSignedIn().RequireScope(ScopeTarget.Server, "shares");
        hub.MapPost("/home/share/{name}/{serverName}", ShareAsync).DisableAntiforgery().RequireSignedIn().RequireScope(ScopeTarget.Server, "shares");
        return hub;
    }

    /// <summary>The form's action on <c>{name}/{serverName}</c>, then the caller's home page with what happened.</summary>
    private static async Task<IResult> ShareAsync(
        HttpContext context, string name, IAntiforgery antiforgery, HubRoles roles, HubUrls urls, UserService users, [AsParameters] HomePages.HomeExtras extras)
    {
        var caller = context.Caller();
        var me = await users.FindAsync(caller.Name, context.RequestAborted);
        if (me is null)
        {
            return Results.Redirect(urls.Hub + "logout");
        }
        var server = context.Request.RouteValues["serverName"] as string ?? "";
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return await HomePages.RenderAsync(context, me, extras, notice: new SharingNotice(name, server,
                "The form was not sent by this site; reload the page and try again.", IsError: true), status: StatusCodes.Status403Forbidden);
        }
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        SharingNotice notice;
        try
        {
            notice = form["action"].ToString() switch
            {
                "grant" => await GrantAsync(caller, name, server, form, roles, extras, context.RequestAborted),
                "revoke" => await RevokeAsync(name, server, form, roles, extras, context.RequestAborted),
                "code" => await CodeAsync(context, caller, name, server, form, roles, urls, extras),
                "revoke-code" => await RevokeCodeAsync(name, server, form, extras, context.RequestAborted),
                _ => throw HubException.Invalid("The form asked for nothing this page does; reload it and try again."),
            };
        }
        catch (HubException e)
        {
            return await HomePages.RenderAsync(context, me, extras, notice: new SharingNotice(name, server, e.Message, IsError: true), status: HubErrorStatus.Of(e.Kind));
        }
        return await HomePages.RenderAsync(context, me, extras, notice: notice);
    }

    private static async Task<SharingNotice> GrantAsync(
        RequestIdentity caller, string owner, string server, IFormCollection form, HubRoles roles, HomePages.HomeExtras extras, CancellationToken ct)
    {
        var (user, group) = Holder(form["kind"], form["with"].ToString().Trim());
        var request = new ShareRequest(user, group, Scopes(form["scopes"], roles), TimeSpan.Zero);
        var share = await extras.Shares.GrantAsync(caller, owner, server, request, ct);
        return new SharingNotice(owner, server, $"Shared with {(group is null ? "" : "group ")}{user ?? group}: {string.Join(", ", share.Scopes)}.", IsError: false);
    }

    private static async Task<SharingNotice> RevokeAsync(string owner, string server, IFormCollection form, HubRoles roles, HomePages.HomeExtras extras, CancellationToken ct)
    {
        var (user, group) = Holder(form["kind"], form["with"].ToString());
        await extras.Shares.RevokeAsync(owner, server, new ShareRequest(user, group, null, TimeSpan.Zero), ct);
        return new SharingNotice(owner, server, $"{(group is null ? user : "Group " + group)} no longer has access.", IsError: false);
    }

    private static async Task<SharingNotice> CodeAsync(
        HttpContext context, RequestIdentity caller, string owner, string server, IFormCollection form, HubRoles roles, HubUrls urls, HomePages.HomeExtras extras)
    {
        var seconds = int.TryParse(form["expires_in"], NumberStyles.None, CultureInfo.InvariantCulture, out var given) ? given : 0;
        if (!HomeSharing.Lifetimes.Any(l => l.Seconds == seconds))
        {
            throw HubException.Invalid("Choose how long the invitation stays valid from the list.");
        }
        var request = new ShareRequest(null, null, Scopes(form["scopes"], roles), TimeSpan.FromSeconds(seconds));
        var issued = await extras.Codes.CreateAsync(caller, owner, server, request, context.RequestAborted);
        var accept = urls.Hub + "accept-share?code=" + Uri.EscapeDataString(issued.Code);
        // The link people are sent: the public URL when configured, else the address this page was reached at.
        var full = urls.Full(accept) ?? $"{context.Request.Scheme}://{context.Request.Host}{accept}";
        return new SharingNotice(owner, server, "Invitation made. Copy its link now: it is shown only this once.", IsError: false, full);
    }

    private static async Task<SharingNotice> RevokeCodeAsync(string owner, string server, IFormCollection form, HomePages.HomeExtras extras, CancellationToken ct)
    {
        await extras.Codes.RevokeAsync(owner, server, null, form["code_id"].ToString(), ct);
        return new SharingNotice(owner, server, "Invitation revoked: its link no longer works.", IsError: false);
    }

    private static (string? User, string? Group) Holder(StringValues kind, string name) => (kind.ToString(), name) switch
    {
        (_, "") => throw HubException.Invalid("Give the name of the user or group to share with."),
        ("user", _) => (name, null),
        ("group", _) => (null, name),
        _ => throw HubException.Invalid("Share with a user or a group."),
    };

    /// <summary>The ticked scopes: only those the form offers (the API accepts any; this page asks for these).</summary>
    private static IReadOnlyList<string>? Scopes(StringValues ticked, HubRoles roles)
    {
        var scopes = ticked.OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        if (scopes.FirstOrDefault(s => HomeSharing.Offered.All(o => o.Scope != s) || !roles.Definitions.IsKnown(s)) is { } unknown)
        {
            throw HubException.Invalid($"{unknown} is not a scope this page shares.");
        }
        return scopes.Count == 0 ? throw HubException.Invalid("Tick at least one thing the other person may do.") : scopes;
    }
}
