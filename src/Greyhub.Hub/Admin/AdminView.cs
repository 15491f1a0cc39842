using System.Text.Json;
using Greyhub.Data;
using Greyhub.Data.Entities;
using Greyhub.Scopes;

namespace Greyhub.Hub.Admin;

/// <summary>
/// One user as the admin page shows it: only the fields the caller's scopes let the REST API show them (JupyterHub's
/// vertical filtering, <see cref="ExpandedScopes.ModelAccessFor"/>), so the page never tells more than the API would.
/// </summary>
/// <remarks>The admin page's models are public only because Razor components, always public, take them as parameters.</remarks>
/// <param name="Name">The user's name.</param>
/// <param name="Admin">Whether they are an administrator; null when the caller may not see it.</param>
/// <param name="Groups">Their groups; null when the caller may not see them.</param>
/// <param name="ShowActivity">Whether the caller may see their last activity.</param>
/// <param name="LastActivity">Their last activity (null: never).</param>
/// <param name="Servers">Their servers, the default one first (always listed); null when the caller may not see them.</param>
public sealed record AdminUser(string Name, bool? Admin, IReadOnlyList<string>? Groups, bool ShowActivity, DateTime? LastActivity, IReadOnlyList<AdminServer>? Servers)
{
    /// <summary>Projects <paramref name="user"/> for a caller holding <paramref name="scopes"/>.</summary>
    public static AdminUser From(UserRecord user, ExpandedScopes scopes)
    {
        var access = scopes.ModelAccessFor(ResourceRef.User(user.Name, user.Groups));
        List<AdminServer>? servers = null;
        if (access.Servers)
        {
            servers = [];
            // As the API's model: each server needs read:servers on it, its state admin:server_state.
            foreach (var server in user.Servers)
            {
                var target = ResourceRef.Server(user.Name, server.Name, user.Groups);
                if (scopes.CanAccess("read:servers", target))
                {
                    servers.Add(AdminServer.From(server, scopes.CanAccess("admin:server_state", target)));
                }
            }
            if (!servers.Any(s => s.Name.Length == 0))
            {
                // A user who never started their default server still has one to start.
                servers.Insert(0, new AdminServer("", ServerPhases.Stopped, null, null, null, null));
            }
        }
        return new AdminUser(user.Name, access.Admin ? user.Admin : null, access.Groups ? user.Groups : null,
            access.LastActivity, user.LastActivity, servers);
    }
}

/// <summary>One server of a user on the admin page.</summary>
/// <param name="Name">Its name; empty for the default server.</param>
/// <param name="Phase">stopped, pending, running or stopping.</param>
/// <param name="Started">When it was last started (its age while it runs).</param>
/// <param name="LastActivity">Its last activity.</param>
/// <param name="Profile">What it was started with (the <c>profile</c> of its <c>user_options</c>, or the options as JSON).</param>
/// <param name="Engine">The compute engine running it, from its state ("unknown" when the state names none); null when the caller may not see the state.</param>
public sealed record AdminServer(string Name, string Phase, DateTime? Started, DateTime? LastActivity, string? Profile, string? Engine)
{
    /// <summary>Projects a stored server; its engine only <paramref name="withState"/> (as the API's <c>state</c> key).</summary>
    public static AdminServer From(ServerRecord server, bool withState) =>
        new(server.Name, server.Phase, server.Started, server.LastActivity, ProfileOf(server.UserOptions),
            withState ? EngineOf(server.State) ?? "unknown" : null);

    /// <summary>
    /// The profile a server was started with, as people read it: the <c>profile</c> option; "default" for no options;
    /// otherwise the options themselves (a spawner of JupyterHub's may take any). The script reads the API's
    /// <c>user_options</c> the same way.
    /// </summary>
    public static string? ProfileOf(string userOptions)
    {
        try
        {
            using var json = JsonDocument.Parse(userOptions);
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }
            if (root.TryGetProperty("profile", out var profile) && profile.ValueKind == JsonValueKind.String)
            {
                return profile.GetString();
            }
            return root.EnumerateObject().Any() ? root.GetRawText() : "default";
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// The engine named in a server's stored state, if any: the hub keeps the spawner's state under <c>spawner</c>, and
    /// the engine-backed spawner's names its engine (<c>{"spawner": {"engine": "local", ...}, ...}</c>).
    /// </summary>
    public static string? EngineOf(string state)
    {
        try
        {
            using var json = JsonDocument.Parse(state);
            return json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty("spawner", out var spawner) && spawner.ValueKind == JsonValueKind.Object
                && spawner.TryGetProperty("engine", out var engine) && engine.ValueKind == JsonValueKind.String
                ? engine.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>A group on the admin page: its members when the caller may read them (<c>read:groups</c> on it).</summary>
/// <param name="Name">The group's name.</param>
/// <param name="Members">Its members by name; null when the caller may not see them.</param>
public sealed record AdminGroup(string Name, IReadOnlyList<string>? Members)
{
    /// <summary>Projects <paramref name="group"/> for a caller holding <paramref name="scopes"/>.</summary>
    public static AdminGroup From(GroupRecord group, ExpandedScopes scopes) =>
        new(group.Name, scopes.CanAccess("read:groups", ResourceRef.Group(group.Name)) ? group.Users : null);
}

/// <summary>
/// Which actions the page offers: those whose scope reaches past the caller's own account (everyone may start their
/// own server; that alone is no reason to offer Start on every row). A filtered scope still shows the action on every
/// row, and the API refuses where the filter does not reach, with its message shown: the page never decides for the API.
/// </summary>
public sealed record AdminAbilities(
    bool CreateUsers, bool EditUsers, bool DeleteUsers, bool StartServers, bool StopServers, bool OpenServers,
    bool CreateGroups, bool DeleteGroups, bool ChangeMembers)
{
    /// <summary>What <paramref name="scopes"/> allows the user <paramref name="me"/>.</summary>
    public static AdminAbilities From(ExpandedScopes scopes, string me) => new(
        // Creating needs the unfiltered scope (GHSA-69wv-m5fw-2fhp), as the API checks.
        CreateUsers: scopes.HasUnfiltered("admin:users"),
        EditUsers: Reaches(scopes, "admin:users", me),
        DeleteUsers: Reaches(scopes, "delete:users", me),
        StartServers: Reaches(scopes, "servers", me),
        StopServers: Reaches(scopes, "delete:servers", me),
        OpenServers: Reaches(scopes, "access:servers", me),
        CreateGroups: scopes.HasUnfiltered("admin:groups"),
        DeleteGroups: scopes.HasAny("delete:groups"),
        ChangeMembers: scopes.HasAny("groups"));

    /// <summary>The abilities as words for the script (<c>data-can</c>).</summary>
    public string Words() => string.Join(' ', new[]
    {
        CreateUsers ? "create-users" : null,
        EditUsers ? "edit-users" : null,
        DeleteUsers ? "delete-users" : null,
        StartServers ? "start-servers" : null,
        StopServers ? "stop-servers" : null,
        OpenServers ? "open-servers" : null,
        CreateGroups ? "create-groups" : null,
        DeleteGroups ? "delete-groups" : null,
        ChangeMembers ? "change-members" : null,
    }.Where(w => w is not null));

    /// <summary>Whether <paramref name="scope"/> reaches some user or server other than <paramref name="me"/>'s own.</summary>
    private static bool Reaches(ExpandedScopes scopes, string scope, string me)
    {
        var filter = scopes.FilterFor(scope);
        return filter.IsUnfiltered || filter.Groups.Count > 0
            || filter.Users.Any(u => u != me) || filter.Servers.Any(s => !s.StartsWith(me + "/", StringComparison.Ordinal));
    }
}

/// <summary>The audit log's page on the admin page: the entries, how many match, the user filter and the offset.</summary>
/// <param name="Entries">The page of entries, newest first.</param>
/// <param name="Total">How many entries match the filter.</param>
/// <param name="User">The user filter; empty for all.</param>
/// <param name="Offset">The page's offset.</param>
public sealed record AdminAuditPage(IReadOnlyList<AuditRecord> Entries, int Total, string User, int Offset);
