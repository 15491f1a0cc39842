using System.Text.Json;
using Greyhub.Data;
using Greyhub.Hub.Audit;
using Greyhub.Hub.ApiModels;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Http;
using Greyhub.Scopes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Groups;

/// <summary><c>/hub/api/groups</c>.</summary>
internal static class GroupsApi
{
    public static IEndpointRouteBuilder MapGroupsApi(this IEndpointRouteBuilder api)
    {
        api.MapGet("/groups", List).RequireScope("list:groups");
        api.MapPost("/groups", CreateMany).RequireScope("admin:groups");
        api.MapGet("/groups/{name}", Get).RequireScope(ScopeTarget.Group, "read:groups", "read:groups:name", "read:roles:groups");
        api.MapPost("/groups/{name}", Create).RequireScope(ScopeTarget.Group, "admin:groups");
        api.MapDelete("/groups/{name}", Delete).RequireScope(ScopeTarget.Group, "delete:groups");
        api.MapPost("/groups/{name}/users", AddUsers).RequireScope(ScopeTarget.Group, "groups");
        api.MapDelete("/groups/{name}/users", RemoveUsers).RequireScope(ScopeTarget.Group, "groups");
        api.MapPut("/groups/{name}/properties", SetProperties).RequireScope(ScopeTarget.Group, "groups");
        return api;
    }

    private static async Task<IResult> List(HttpContext context, GroupService groups, HubRoles roles, IOptions<HubOptions> options)
    {
        var caller = context.Caller();
        var paging = Paging.From(context.Request, options.Value.ApiPageDefaultLimit, options.Value.ApiPageMaxLimit);
        var filter = caller.Scopes.FilterFor("list:groups");
        var page = await groups.ListAsync(paging.Offset, paging.Limit, filter.IsUnfiltered ? null : filter.Groups.ToList(), context.RequestAborted);
        return paging.Result(context.Request, page.Items, page.Total, (w, g) => Models.WriteGroup(w, g, caller.Scopes, roles));
    }

    private static RequestIdentity RequireCreate(HttpContext context)
    {
        var caller = context.Caller();
        // GHSA-69wv-m5fw-2fhp: a filtered admin:groups does not let one create groups.
        var decision = AdminRules.CheckCreateGroups(caller.Scopes);
        return decision.IsAllowed ? caller : throw new ApiException(decision.StatusCode, decision.Message!);
    }

    private static async Task<IResult> CreateMany(HttpContext context, GroupService groups, HubRoles roles, AuditLog audit)
    {
        var caller = RequireCreate(context);
        var body = await JsonBody.ReadObjectAsync(context.Request, required: true, context.RequestAborted);
        var names = JsonBody.StringList(body!.Value, "groups", "group") ?? throw ApiException.BadRequest("Must specify at least one group to create");
        var users = JsonBody.StringList(body.Value, "users", "group") ?? [];
        var created = await groups.CreateAsync(names, users, context.RequestAborted);
        RecordCreated(context, audit, created);
        return JsonResult.Created(w =>
        {
            w.WriteStartArray();
            foreach (var g in created)
            {
                Models.WriteGroup(w, g, caller.Scopes, roles);
            }
            w.WriteEndArray();
        });
    }

    private static async Task<IResult> Create(HttpContext context, string name, GroupService groups, HubRoles roles, AuditLog audit)
    {
        var caller = RequireCreate(context);
        var body = await JsonBody.ReadObjectAsync(context.Request, required: false, context.RequestAborted);
        var users = new List<string>();
        if (body is { } b)
        {
            JsonBody.OnlyKeys(b, "group", "name", "users", "roles", "properties");
            users = JsonBody.StringList(b, "users", "group") ?? [];
        }
        var created = await groups.CreateAsync([name], users, context.RequestAborted);
        RecordCreated(context, audit, created);
        return JsonResult.Created(w => Models.WriteGroup(w, created[0], caller.Scopes, roles));
    }

    /// <summary>A created group, and each member it was created with (so that filtering the log by user finds it).</summary>
    private static void RecordCreated(HttpContext context, AuditLog audit, IReadOnlyList<GroupRecord> created)
    {
        foreach (var g in created)
        {
            audit.Record(context, AuditActions.GroupCreate, target: g.Name);
            foreach (var member in g.Users)
            {
                audit.Record(context, AuditActions.GroupMembersAdd, member, g.Name);
            }
        }
    }

    private static async Task<(RequestIdentity, GroupRecord)> LoadAsync(HttpContext context, GroupService groups, string name)
    {
        var caller = context.Caller();
        var group = await groups.FindAsync(name, context.RequestAborted) ?? throw ApiException.NotFound($"No such group: {name}");
        return (caller, group);
    }

    private static async Task<IResult> Get(HttpContext context, string name, GroupService groups, HubRoles roles)
    {
        var (caller, group) = await LoadAsync(context, groups, name);
        return JsonResult.Ok(w => Models.WriteGroup(w, group, caller.Scopes, roles));
    }

    private static async Task<IResult> Delete(HttpContext context, string name, GroupService groups, AuditLog audit)
    {
        await LoadAsync(context, groups, name);
        await groups.DeleteAsync(name, context.RequestAborted);
        audit.Record(context, AuditActions.GroupDelete, target: name);
        return Results.NoContent();
    }

    private static async Task<IResult> AddUsers(HttpContext context, string name, GroupService groups, HubRoles roles, AuditLog audit) =>
        await ChangeMembers(context, name, groups, roles, audit, add: true);

    private static async Task<IResult> RemoveUsers(HttpContext context, string name, GroupService groups, HubRoles roles, AuditLog audit) =>
        await ChangeMembers(context, name, groups, roles, audit, add: false);

    private static async Task<IResult> ChangeMembers(HttpContext context, string name, GroupService groups, HubRoles roles, AuditLog audit, bool add)
    {
        var (caller, _) = await LoadAsync(context, groups, name);
        var body = await JsonBody.ReadObjectAsync(context.Request, required: true, context.RequestAborted);
        var users = JsonBody.StringList(body!.Value, "users", "group") ?? throw ApiException.BadRequest("Must specify users");
        var group = await groups.ChangeMembersAsync(name, users, add, context.RequestAborted);
        foreach (var member in users.Distinct(StringComparer.Ordinal))
        {
            audit.Record(context, add ? AuditActions.GroupMembersAdd : AuditActions.GroupMembersRemove, member, name);
        }
        return JsonResult.Ok(w => Models.WriteGroup(w, group, caller.Scopes, roles));
    }

    private static async Task<IResult> SetProperties(HttpContext context, string name, GroupService groups, HubRoles roles, AuditLog audit)
    {
        var (caller, _) = await LoadAsync(context, groups, name);
        var body = await JsonBody.ReadAsync(context.Request, context.RequestAborted);
        if (body is not { ValueKind: JsonValueKind.Object } properties)
        {
            throw ApiException.BadRequest("Group properties must be a JSON object");
        }
        var group = await groups.SetPropertiesAsync(name, properties.GetRawText(), context.RequestAborted);
        audit.Record(context, AuditActions.GroupProperties, target: name);
        return JsonResult.Ok(w => Models.WriteGroup(w, group, caller.Scopes, roles));
    }
}
