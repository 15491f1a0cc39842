using System.Text.Json;
using System.Text.Json.Nodes;
using Greyhub.Data;
using Greyhub.Hub.Audit;
using Greyhub.Hub.ApiModels;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Users;

/// <summary><c>/hub/api/users</c>, <c>/hub/api/user</c> and activity, with JupyterHub 5 semantics.</summary>
internal static class UsersApi
{
    private static readonly string[] SortKeys = ["id", "name", "last_activity"];

    public static IEndpointRouteBuilder MapUsersApi(this IEndpointRouteBuilder api)
    {
        api.MapGet("/user", WhoAmI).RequireCaller();
        api.MapGet("/users", List).RequireScope("list:users");
        // The service enforces the unfiltered scope creating needs (GHSA-69wv-m5fw-2fhp).
        api.MapPost("/users", CreateMany).RequireScope("admin:users");
        api.MapGet("/users/{name}", Get).RequireScope(ScopeTarget.User, "read:users", "read:users:name", "read:users:groups", "read:users:activity", "read:servers", "read:roles:users");
        api.MapPost("/users/{name}", Create).RequireScope(ScopeTarget.User, "admin:users");
        api.MapPatch("/users/{name}", Patch).RequireScope(ScopeTarget.User, "admin:users");
        api.MapDelete("/users/{name}", Delete).RequireScope(ScopeTarget.User, "delete:users");
        api.MapPost("/users/{name}/activity", Activity).RequireScope(ScopeTarget.User, "users:activity");
        return api;
    }

    private static async Task<IResult> WhoAmI(HttpContext context, UserService users, Models models, HubRoles roles, ResponseCache cache)
    {
        var caller = context.Caller();
        if (!caller.IsUser)
        {
            return JsonResult.Ok(w =>
            {
                w.WriteStartObject();
                w.WriteString("kind", "service");
                w.WriteString("name", caller.Name);
                w.WriteBoolean("admin", caller.Admin);
                w.WriteStartArray("roles");
                foreach (var r in caller.Roles)
                {
                    w.WriteStringValue(r);
                }
                w.WriteEndArray();
                WriteIdentityTail(w, caller);
                w.WriteEndObject();
            });
        }
        // The identity tail differs per token and session, so they are part of the key.
        var variant = string.Concat(caller.Name, "|", caller.TokenId?.ToString(System.Globalization.CultureInfo.InvariantCulture), "|", caller.SessionId);
        return await cache.GetOrRenderAsync(context, "user", variant, caller.Scopes, async () =>
        {
            var user = await users.FindAsync(caller.Name, context.RequestAborted) ?? throw ApiException.Forbidden();
            return w =>
            {
                models.WriteSelf(w, user, caller.Scopes);
                WriteIdentityTail(w, caller);
                w.WriteEndObject();
            };
        });
    }

    private static void WriteIdentityTail(Utf8JsonWriter w, RequestIdentity caller)
    {
        w.WriteStartArray("scopes");
        foreach (var s in caller.Scopes.Scopes)
        {
            w.WriteStringValue(s);
        }
        w.WriteEndArray();
        if (caller.SessionId is { Length: > 0 } session)
        {
            w.WriteString("session_id", session);
        }
        else
        {
            w.WriteNull("session_id");
        }
        if (caller.TokenId is { } id)
        {
            w.WriteString("token_id", "a" + id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        else
        {
            w.WriteNull("token_id");
        }
    }

    private static async Task<IResult> List(HttpContext context, UserService users, Models models, IOptions<HubOptions> options, ResponseCache cache)
    {
        var caller = context.Caller();
        var hub = options.Value;
        var paging = Paging.From(context.Request, hub.ApiPageDefaultLimit, hub.ApiPageMaxLimit);
        var query = context.Request.Query;
        var state = query["state"].ToString();
        if (state.Length > 0 && state is not ("active" or "ready" or "inactive"))
        {
            throw ApiException.BadRequest($"Unrecognized state filter: {state}. Must be one of: active, ready, inactive");
        }
        var sort = query["sort"].ToString();
        var descending = sort.StartsWith('-');
        var sortKey = descending ? sort[1..] : sort;
        if (sort.Length > 0 && !SortKeys.Contains(sortKey))
        {
            throw ApiException.BadRequest($"sort must be one of {string.Join(", ", SortKeys)} (prefix '-' for descending), not {sort}");
        }
        var listable = UserService.ListableBy(caller.Scopes)
            ?? throw ApiException.Forbidden("Invalid filter on list:users; only !user and !group filters apply to user lists");
        // JupyterHub 5: a case-insensitive substring of the name; empty means no filter.
        var nameFilter = query["name_filter"] is { Count: > 0 } names ? names[^1] : null;
        var userQuery = listable with
        {
            Offset = paging.Offset,
            Limit = paging.Limit,
            Sort = sortKey.Length == 0 ? "id" : sortKey,
            Descending = descending,
            State = state.Length == 0 ? null : state,
            NameFilter = string.IsNullOrEmpty(nameFilter) ? null : nameFilter,
            // A bare list has no total: no COUNT query for it.
            CountTotal = paging.Envelope,
        };
        var includeStopped = IncludeStoppedServers(context.Request);
        return await cache.GetOrRenderAsync(context, "users", paging.Envelope ? "paged" : "list", caller.Scopes, async () =>
        {
            var page = await users.ListAsync(userQuery, context.RequestAborted);
            var writeUser = models.UserWriter(caller.Scopes, includeStopped);
            return paging.Writer(context.Request, page.Items, page.Total, writeUser);
        });
    }

    private static async Task<IResult> CreateMany(HttpContext context, UserService users, Models models, AuditLog audit)
    {
        var caller = context.Caller();
        var body = await JsonBody.ReadObjectAsync(context.Request, required: true, context.RequestAborted);
        var names = JsonBody.StringList(body!.Value, "usernames", "user") ?? throw ApiException.BadRequest("Must specify at least one user to create");
        var admin = JsonBody.Bool(body.Value, "admin", "user") ?? false;
        var created = await users.CreateManyAsync(names, admin, caller, context.RequestAborted);
        foreach (var u in created)
        {
            audit.Record(context, AuditActions.UserCreate, u.Name, detail: u.Admin ? "admin" : null);
        }
        return JsonResult.Created(w =>
        {
            w.WriteStartArray();
            foreach (var u in created)
            {
                models.WriteUser(w, u, caller.Scopes, includeStopped: false);
            }
            w.WriteEndArray();
        });
    }

    /// <summary>The caller (authorized by the endpoint's scope metadata) and the user the route names, or 404.</summary>
    private static async Task<(RequestIdentity Caller, UserRecord User)> LoadAsync(HttpContext context, UserService users, string name)
    {
        var user = await users.FindAsync(name, context.RequestAborted);
        return (context.Caller(), user ?? throw ApiException.NotFound($"No such user: {name}"));
    }

    private static async Task<IResult> Get(HttpContext context, string name, UserService users, Models models, AuthStates authStates)
    {
        var (caller, user) = await LoadAsync(context, users, name);
        var includeStopped = IncludeStoppedServers(context.Request);
        // As JupyterHub: only this endpoint decrypts auth_state, and only for holders of admin:auth_state.
        var state = Models.SeesAuthState(caller.Scopes, user) ? (await authStates.GetAsync(user.Id, context.RequestAborted))?.State : null;
        return JsonResult.Ok(w => models.WriteUser(w, user, caller.Scopes, includeStopped, state));
    }

    /// <summary>JupyterHub's <c>include_stopped_servers</c>: present and not <c>0</c> or <c>false</c>.</summary>
    internal static bool IncludeStoppedServers(HttpRequest request) =>
        request.Query.TryGetValue("include_stopped_servers", out var value)
        && !(value.ToString() is "0" || value.ToString().Equals("false", StringComparison.OrdinalIgnoreCase));

    private static async Task<IResult> Create(HttpContext context, string name, UserService users, Models models, AuthStates authStates, AuditLog audit)
    {
        var caller = context.Caller();
        var body = await JsonBody.ReadObjectAsync(context.Request, required: false, context.RequestAborted);
        var admin = false;
        (bool Given, JsonObject? State) authState = default;
        if (body is { } b)
        {
            JsonBody.OnlyKeys(b, "user", "name", "admin", "groups", "auth_state");
            admin = JsonBody.Bool(b, "admin", "user") ?? false;
            authState = ReadAuthState(b);
            if (authState.Given && !caller.Scopes.CanAccess("admin:auth_state", Scopes.ResourceRef.User(name, [])))
            {
                throw ApiException.Forbidden("Setting auth_state requires the admin:auth_state scope");
            }
        }
        var user = await users.CreateAsync(name, admin, caller, context.RequestAborted);
        audit.Record(context, AuditActions.UserCreate, user.Name, detail: user.Admin ? "admin" : null);
        if (authState.State is not null)
        {
            await authStates.SetAsync(user.Id, provider: null, authState.State, context.RequestAborted);
        }
        var shown = Models.SeesAuthState(caller.Scopes, user) ? authState.State : null;
        return JsonResult.Created(w => models.WriteUser(w, user, caller.Scopes, includeStopped: false, shown));
    }

    private static async Task<IResult> Patch(HttpContext context, string name, UserService users, Models models, AuthStates authStates, AuditLog audit)
    {
        var (caller, user) = await LoadAsync(context, users, name);
        var body = await JsonBody.ReadObjectAsync(context.Request, required: true, context.RequestAborted);
        JsonBody.OnlyKeys(body!.Value, "user", "name", "admin", "groups", "auth_state");
        var newName = JsonBody.String(body.Value, "name", "user");
        var admin = JsonBody.Bool(body.Value, "admin", "user");
        _ = JsonBody.StringList(body.Value, "groups", "user");
        var authState = ReadAuthState(body.Value);
        if (authState.Given && !Models.SeesAuthState(caller.Scopes, user))
        {
            throw ApiException.Forbidden("Setting auth_state requires the admin:auth_state scope");
        }
        if (newName is not null && newName != user.Name && user.Servers.Any(s => s.Phase != Data.Entities.ServerPhases.Stopped))
        {
            // A rename would orphan the running server's URL, route, token scopes and OAuth client.
            throw ApiException.BadRequest($"Cannot rename {user.Name} while a server is running; stop it first");
        }
        var updated = await users.UpdateAsync(user, newName, admin, caller, context.RequestAborted);
        if (updated.Name != user.Name)
        {
            audit.Record(context, AuditActions.UserRename, updated.Name, detail: $"renamed from {user.Name}");
        }
        if (updated.Admin != user.Admin)
        {
            audit.Record(context, AuditActions.UserAdmin, updated.Name, detail: updated.Admin ? "granted" : "revoked");
        }
        if (authState.Given)
        {
            // As JupyterHub's PATCH: the given object replaces the state; null clears it.
            await authStates.SetAsync(updated.Id, provider: null, authState.State, context.RequestAborted);
        }
        // JupyterHub's PATCH answers with the user's auth_state, read back (the stored one when not given).
        var state = Models.SeesAuthState(caller.Scopes, updated) ? (await authStates.GetAsync(updated.Id, context.RequestAborted))?.State : null;
        return JsonResult.Ok(w => models.WriteUser(w, updated, caller.Scopes, includeStopped: false, state));
    }

    /// <summary>
    /// The body's <c>auth_state</c>: absent, null (clear it) or an object (store it, encrypted); anything else is
    /// JupyterHub's 400.
    /// </summary>
    private static (bool Given, JsonObject? State) ReadAuthState(JsonElement body)
    {
        if (!body.TryGetProperty("auth_state", out var state))
        {
            return (false, null);
        }
        return state.ValueKind switch
        {
            JsonValueKind.Null => (true, null),
            JsonValueKind.Object => (true, JsonNode.Parse(state.GetRawText())!.AsObject()),
            _ => throw ApiException.BadRequest($"user.auth_state must be dict, not {JsonBody.TypeName(state)}"),
        };
    }

    private static async Task<IResult> Delete(HttpContext context, string name, UserService users, IUserServers servers, AuditLog audit)
    {
        var (caller, user) = await LoadAsync(context, users, name);
        UserService.CheckDeletable(user, caller);
        // As JupyterHub: running servers are stopped first, so no process outlives its owner.
        foreach (var server in user.Servers.Where(s => s.Phase != Data.Entities.ServerPhases.Stopped))
        {
            audit.Record(context, AuditActions.ServerStop, user.Name, server.Name, "the user was deleted");
        }
        await servers.StopAllAsync(user, context.RequestAborted);
        user = await users.FindAsync(user.Name, context.RequestAborted) ?? throw ApiException.NotFound($"No such user: {name}");
        await users.DeleteAsync(user, caller, context.RequestAborted);
        audit.Record(context, AuditActions.UserDelete, user.Name);
        return Results.NoContent();
    }

    private static async Task<IResult> Activity(HttpContext context, string name, UserService users, TimeProvider time, IOptions<HubOptions> options, HubState state)
    {
        var (_, user) = await LoadAsync(context, users, name);
        var body = await JsonBody.ReadObjectAsync(context.Request, required: true, context.RequestAborted);
        var now = time.GetUtcNow().UtcDateTime;
        DateTime? last = null;
        if (body!.Value.TryGetProperty("last_activity", out var lastElement) && lastElement.ValueKind != JsonValueKind.Null)
        {
            last = ParseTimestamp(lastElement, "last_activity", now);
        }
        var servers = new Dictionary<string, DateTime>(StringComparer.Ordinal);
        if (body.Value.TryGetProperty("servers", out var serversElement) && serversElement.ValueKind != JsonValueKind.Null)
        {
            if (serversElement.ValueKind != JsonValueKind.Object)
            {
                throw ApiException.BadRequest("servers must be a dict");
            }
            var known = user.Servers.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var server in serversElement.EnumerateObject())
            {
                if (!known.Contains(server.Name))
                {
                    throw ApiException.BadRequest($"No such server '{server.Name}' for user {user.Name}");
                }
                if (server.Value.ValueKind != JsonValueKind.Object || !server.Value.TryGetProperty("last_activity", out var serverLast))
                {
                    throw ApiException.BadRequest($"servers[{server.Name}] must be a dict with last_activity");
                }
                servers[server.Name] = ParseTimestamp(serverLast, $"servers[{server.Name}].last_activity", now);
            }
        }
        // As JupyterHub, an empty servers dict counts as no servers.
        if (last is null && servers.Count == 0)
        {
            throw ApiException.BadRequest("body must contain at least one of `last_activity` or `servers`");
        }
        // The stored value only moves forward, and only by more than the resolution: most reports write nothing.
        var resolution = options.Value.ActivityResolution;
        var userUpdate = last is { } l && (user.LastActivity is null || l - user.LastActivity.Value > resolution) ? last : null;
        var serverUpdates = servers.Where(kv =>
        {
            var stored = user.Servers.First(s => s.Name == kv.Key).LastActivity;
            return stored is null || kv.Value - stored.Value > resolution;
        }).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        if (serverUpdates.Count > 0 && userUpdate is null)
        {
            var newest = serverUpdates.Values.Max();
            if (user.LastActivity is null || newest - user.LastActivity.Value > resolution)
            {
                userUpdate = newest;
            }
        }
        if (userUpdate is not null || serverUpdates.Count > 0)
        {
            await users.RecordActivityAsync(user.Id, userUpdate, serverUpdates, context.RequestAborted);
            state.Changed();
        }
        return Results.Ok();
    }

    private static DateTime ParseTimestamp(JsonElement value, string field, DateTime now)
    {
        if (value.ValueKind != JsonValueKind.String || !Iso.TryParse(value.GetString(), out var at))
        {
            throw ApiException.BadRequest($"Invalid timestamp for {field}: {value.GetRawText()}; must be ISO 8601");
        }
        if (at - now > TimeSpan.FromMinutes(59))
        {
            throw ApiException.BadRequest($"Rejecting activity from more than an hour in the future: {Iso.Format(at)}");
        }
        return at;
    }
}
