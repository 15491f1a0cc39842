using Greyhub.Data;
using Greyhub.Data.Stores;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Groups;
using Greyhub.Hub.Pages;
using Greyhub.Hub.Users;
using Greyhub.Scopes;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Admin;

/// <summary>
/// <c>/hub/admin</c>, JupyterHub's admin page: users (searched and paged by the database), their servers, groups.
/// </summary>
/// <remarks>
/// The first page of users and groups is rendered here, so the page shows, searches and pages without script. Its
/// script (<c>Pages/Assets/admin.js</c>) then does everything through the REST API the page documents — the same calls
/// any client makes, with the page's XSRF token — and never through an endpoint of its own.
/// </remarks>
internal static class AdminPages
{
    public static IEndpointRouteBuilder MapAdminPages(this IEndpointRouteBuilder hub)
    {
        // As JupyterHub: admin-ui opens the page; each action then needs its own scope, checked by the API.
        hub.MapGet("/admin", Render).RequireSignedIn().RequireScope("admin-ui");
        return hub;
    }

    private static async Task<IResult> Render(
        HttpContext context, IAntiforgery antiforgery, UserService users, GroupService groups, AuditStore audit, IOptions<HubOptions> options)
    {
        var caller = context.Caller();
        var hub = options.Value;
        var query = AdminQuery.From(context.Request.Query, hub.ApiPageMaxLimit);
        var scopes = caller.Scopes;

        // The same rows GET /hub/api/users gives this caller: what list:users covers, each user's fields by scope.
        IReadOnlyList<AdminUser>? shown = null;
        var total = 0;
        if (UserService.ListableBy(scopes) is { } listable)
        {
            var page = await users.ListAsync(query.ToUserQuery(listable), context.RequestAborted);
            shown = page.Items.Select(u => AdminUser.From(u, scopes)).ToList();
            total = page.Total;
        }

        IReadOnlyList<AdminGroup>? groupList = null;
        var groupTotal = 0;
        var groupFilter = scopes.FilterFor("list:groups");
        if (groupFilter.IsHeld)
        {
            var page = await groups.ListAsync(query.GroupOffset, AdminQuery.GroupLimit,
                groupFilter.IsUnfiltered ? null : groupFilter.Groups.ToList(), context.RequestAborted);
            groupList = page.Items.Select(g => AdminGroup.From(g, scopes)).ToList();
            groupTotal = page.Total;
        }

        // The audit log only for those who may read it through the API (read:audit, admins).
        AdminAuditPage? auditPage = null;
        if (scopes.HasUnfiltered(ScopeDefinitions.ReadAudit))
        {
            var who = context.Request.Query["audit_user"].ToString().Trim();
            var offset = int.TryParse(context.Request.Query["audit_offset"], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var o) ? o : 0;
            var page = await audit.ListAsync(new AuditQuery(who.Length > 0 ? who : null, null, null), offset, AdminAudit.Limit, context.RequestAborted);
            auditPage = new AdminAuditPage(page.Items, page.Total, who, offset);
        }

        return HubPage.Render<AdminPage>(new Dictionary<string, object?>
        {
            [nameof(AdminPage.Audit)] = auditPage,
            [nameof(AdminPage.Query)] = query,
            [nameof(AdminPage.Users)] = shown,
            [nameof(AdminPage.Total)] = total,
            [nameof(AdminPage.Groups)] = groupList,
            [nameof(AdminPage.GroupTotal)] = groupTotal,
            [nameof(AdminPage.Can)] = AdminAbilities.From(scopes, caller.Name),
            [nameof(AdminPage.NamedServers)] = hub.Servers.AllowNamedServers,
            [nameof(AdminPage.Me)] = caller.Name,
            // The script's API calls carry it as X-XSRFToken: a login cookie alone authorizes no change.
            [nameof(AdminPage.Xsrf)] = antiforgery.GetAndStoreTokens(context).RequestToken,
        });
    }
}
