using System.Globalization;
using System.Text.Json;

namespace Greyhub.Hub.Tests;

/// <summary>
/// Endpoint × caller → the status JupyterHub 5 gives: 403 when no accepted scope is held at all, 404 when a
/// filter hides the resource, and the vertical filtering of the model returned. Includes CVE-2024-41942
/// (admin:users is not admin) and GHSA-69wv-m5fw-2fhp (group-filtered admin roles).
/// </summary>
public sealed class ScopeMatrixTests(MatrixHub fixture) : IClassFixture<MatrixHub>
{
    private const string Full = "kind,name,admin,roles,groups,server,pending,created,last_activity,servers";
    private const string ReadUsers = "kind,name,admin,roles,groups,server,pending,created,last_activity";
    private const string NameOnly = "kind,name,admin";

    // Holders of admin:auth_state (admin:users includes it) see auth_state, null as the hub keeps none.
    private const string AdminFull = Full + ",auth_state";
    private const string AdminReadUsers = ReadUsers + ",auth_state";

    /// <summary>caller, method, path, body ("" for none; {new} = a fresh name; {now} = now), status, model keys ("" = not checked).</summary>
    public static TheoryData<string, string, string, string, int, string> Matrix => new()
    {
        // Version and whoami: anyone who authenticates.
        { "none", "GET", "", "", 200, "version" },
        { "admin", "GET", "user", "", 200, "" },
        { "alice", "GET", "user", "", 200, "" },
        { "lonely", "GET", "user", "", 200, "" },
        { "culler", "GET", "user", "", 200, "" },
        { "prom:read:metrics", "GET", "user", "", 200, "" },
        { "admin:read:users:name", "GET", "user", "", 200, "" },
        { "none", "GET", "user", "", 403, "" },
        { "bogus", "GET", "user", "", 403, "" },

        // Hub info: read:hub.
        { "admin", "GET", "info", "", 200, "" },
        { "alice", "GET", "info", "", 403, "" },
        { "culler", "GET", "info", "", 403, "" },
        { "lonely", "GET", "info", "", 403, "" },
        { "none", "GET", "info", "", 403, "" },

        // List users: list:users, filtered lists allowed, vertical filtering per item.
        { "admin", "GET", "users", "", 200, AdminFull },
        { "alice", "GET", "users", "", 403, "" },
        { "admin:read:users:name", "GET", "users", "", 403, "" },
        { "admin:list:users!group=students", "GET", "users", "", 200, NameOnly },
        { "teacher", "GET", "users", "", 200, AdminReadUsers },
        { "useradmin", "GET", "users", "", 200, AdminReadUsers },
        { "culler", "GET", "users", "", 200, "kind,name,admin,last_activity,servers" },
        { "lonely", "GET", "users", "", 403, "" },
        { "prom:read:metrics", "GET", "users", "", 403, "" },
        { "bogus", "GET", "users", "", 403, "" },

        // Read one user. Every token also holds its owner's identify scopes (read:users:name and
        // read:users:groups on itself, as JupyterHub's get_scopes_for), so a read:metrics-only token sees its
        // owner's name and groups, and gets 404 (not 403) for other users.
        { "admin", "GET", "users/alice", "", 200, AdminFull },
        // admin:auth_state is not among the scopes GET /users/{name} accepts: the token's identify scopes find only its owner.
        { "admin:admin:auth_state", "GET", "users/alice", "", 404, "" },
        { "admin:admin:auth_state", "GET", "users/admin", "", 200, "kind,name,admin,groups,auth_state" },
        { "alice", "GET", "users/alice", "", 200, Full },
        { "bob", "GET", "users/alice", "", 404, "" },
        { "carol", "GET", "users/alice", "", 404, "" },
        { "admin:read:users:name", "GET", "users/alice", "", 200, NameOnly },
        { "admin:read:users:groups", "GET", "users/alice", "", 200, "kind,name,groups" },
        { "admin:read:users:activity", "GET", "users/alice", "", 200, "kind,name,last_activity" },
        { "admin:read:users!user=bob", "GET", "users/bob", "", 200, ReadUsers },
        { "admin:read:users!user=bob", "GET", "users/alice", "", 404, "" },
        { "admin:read:users!user=bob", "GET", "users/nobody", "", 404, "" },
        { "admin:list:users!group=students", "GET", "users/alice", "", 200, NameOnly },
        { "admin:list:users!group=students", "GET", "users/carol", "", 404, "" },
        { "teacher", "GET", "users/bob", "", 200, AdminReadUsers },
        { "teacher", "GET", "users/carol", "", 404, "" },
        { "culler", "GET", "users/alice", "", 200, "kind,name,admin,last_activity,servers" },
        { "lonely", "GET", "users/alice", "", 403, "" },
        { "prom:read:metrics", "GET", "users/prom", "", 200, "kind,name,admin,groups" },
        { "admin:read:metrics", "GET", "users/alice", "", 404, "" },
        { "none", "GET", "users/alice", "", 403, "" },

        // Modify users: admin:users; filters give 404; admin:users is not admin (CVE-2024-41942).
        { "admin", "PATCH", "users/alice", "{}", 200, "" },
        { "teacher", "PATCH", "users/alice", "{}", 200, "" },
        { "teacher", "PATCH", "users/carol", "{}", 404, "" },
        { "teacher", "PATCH", "users/admin", "{}", 404, "" },
        { "teacher", "PATCH", "users/alice", "{\"admin\": true}", 403, "" },
        { "useradmin", "PATCH", "users/alice", "{}", 200, "" },
        { "useradmin", "PATCH", "users/alice", "{\"admin\": true}", 403, "" },
        { "useradmin", "PATCH", "users/useradmin", "{\"admin\": true}", 403, "" },
        { "useradmin", "PATCH", "users/admin", "{}", 403, "" },
        { "useradmin", "PATCH", "users/admin", "{\"admin\": false}", 403, "" },
        { "alice", "PATCH", "users/alice", "{}", 403, "" },
        { "alice", "PATCH", "users/alice", "{\"admin\": true}", 403, "" },
        { "culler", "PATCH", "users/alice", "{}", 403, "" },
        { "lonely", "PATCH", "users/alice", "{}", 403, "" },

        // Create users: unfiltered admin:users (GHSA-69wv-m5fw-2fhp), admin only for admins. A group-filtered
        // holder gets needs_scope's 404 for a name outside the filter, 403 for one inside it.
        { "admin", "POST", "users/{new}", "", 201, AdminFull },
        { "useradmin", "POST", "users/{new}", "", 201, AdminReadUsers },
        { "useradmin", "POST", "users/{new}", "{\"admin\": true}", 403, "" },
        { "useradmin", "POST", "users", "{\"usernames\": [\"{new}\"]}", 201, "" },
        { "useradmin", "POST", "users", "{\"usernames\": [\"{new}\"], \"admin\": true}", 403, "" },
        { "teacher", "POST", "users/{new}", "", 404, "" },
        { "teacher", "POST", "users/alice", "", 403, "" },
        { "teacher", "POST", "users", "{\"usernames\": [\"{new}\"]}", 403, "" },
        { "alice", "POST", "users/{new}", "", 403, "" },
        { "alice", "POST", "users", "{\"usernames\": [\"{new}\"]}", 403, "" },
        { "culler", "POST", "users/{new}", "", 403, "" },

        // Delete users: delete:users.
        { "teacher", "DELETE", "users/carol", "", 404, "" },
        { "teacher", "DELETE", "users/nobody", "", 404, "" },
        { "alice", "DELETE", "users/bob", "", 403, "" },
        { "culler", "DELETE", "users/bob", "", 403, "" },
        { "lonely", "DELETE", "users/bob", "", 403, "" },
        { "none", "DELETE", "users/bob", "", 403, "" },

        // Activity: users:activity.
        { "alice", "POST", "users/alice/activity", "{\"last_activity\": \"{now}\"}", 200, "" },
        { "teacher", "POST", "users/alice/activity", "{\"last_activity\": \"{now}\"}", 200, "" },
        { "bob", "POST", "users/alice/activity", "{\"last_activity\": \"{now}\"}", 404, "" },
        { "culler", "POST", "users/alice/activity", "{\"last_activity\": \"{now}\"}", 403, "" },
        { "admin:read:users:activity", "POST", "users/alice/activity", "{\"last_activity\": \"{now}\"}", 403, "" },

        // Tokens: read:tokens / tokens; creating for a user outside the filter is a 403 in JupyterHub.
        { "bob", "GET", "users/bob/tokens", "", 200, "api_tokens" },
        { "alice", "GET", "users/bob/tokens", "", 404, "" },
        { "admin:tokens!user=bob", "GET", "users/bob/tokens", "", 200, "api_tokens" },
        { "admin:tokens!user=bob", "GET", "users/alice/tokens", "", 404, "" },
        { "admin:tokens!user=bob", "POST", "users/bob/tokens", "{}", 201, "" },
        { "admin:tokens!user=bob", "POST", "users/alice/tokens", "{}", 403, "" },
        { "alice", "POST", "users/bob/tokens", "{}", 403, "" },
        { "teacher", "GET", "users/alice/tokens", "", 404, "" },
        { "teacher", "POST", "users/alice/tokens", "{}", 403, "" },
        { "culler", "GET", "users/alice/tokens", "", 403, "" },
        { "lonely", "POST", "users/alice/tokens", "{}", 403, "" },
        { "admin:read:users:name", "POST", "users/alice/tokens", "{}", 403, "" },
        // A token never exceeds its owner.
        { "alice", "POST", "users/alice/tokens", "{\"scopes\": [\"admin:users\"]}", 400, "" },
        { "alice", "POST", "users/alice/tokens", "{\"scopes\": [\"read:users!user=bob\"]}", 400, "" },
        { "alice", "POST", "users/alice/tokens", "{\"scopes\": [\"read:users!user=alice\"]}", 201, "" },
        { "teacher", "POST", "users/teacher/tokens", "{\"scopes\": [\"admin:users\"]}", 400, "" },
        { "teacher", "POST", "users/teacher/tokens", "{\"scopes\": [\"admin:users!group=students\"]}", 201, "" },
        { "admin", "POST", "users/alice/tokens", "{\"scopes\": [\"admin:users\"]}", 400, "" },

        // Groups: list:groups / read:groups / admin:groups (filtered: no creation) / groups.
        { "admin", "GET", "groups", "", 200, "kind,name,roles,users,properties" },
        { "alice", "GET", "groups", "", 403, "" },
        { "culler", "GET", "groups", "", 403, "" },
        { "teacher", "GET", "groups", "", 200, "kind,name,roles,users,properties" },
        { "teacher", "GET", "groups/students", "", 200, "kind,name,roles,users,properties" },
        { "teacher", "GET", "groups/teachers", "", 404, "" },
        { "teacher", "GET", "groups/nothing", "", 404, "" },
        { "alice", "GET", "groups/students", "", 403, "" },
        { "teacher", "POST", "groups/{new}", "", 404, "" },
        { "teacher", "POST", "groups/students", "", 403, "" },
        { "teacher", "POST", "groups", "{\"groups\": [\"{new}\"]}", 403, "" },
        { "useradmin", "POST", "groups/{new}", "", 403, "" },
        { "teacher", "PUT", "groups/students/properties", "{\"room\": 12}", 200, "" },
        { "teacher", "PUT", "groups/teachers/properties", "{\"room\": 12}", 404, "" },
        { "alice", "PUT", "groups/students/properties", "{\"room\": 12}", 403, "" },
        { "teacher", "POST", "groups/students/users", "{\"users\": [\"alice\"]}", 200, "" },
        { "teacher", "POST", "groups/teachers/users", "{\"users\": [\"alice\"]}", 404, "" },
        { "teacher", "DELETE", "groups/teachers", "", 404, "" },
        { "useradmin", "DELETE", "groups/students", "", 403, "" },
        { "admin", "POST", "groups/{new}", "", 201, "" },
        // Group model: roles only with read:roles:groups.
        { "admin:read:groups", "GET", "groups/students", "", 200, "kind,name,users,properties" },
        { "admin:read:groups", "GET", "groups", "", 403, "" },
        { "admin:read:groups:name", "GET", "groups/students", "", 200, "kind,name" },

        // Services: list:services / read:services.
        { "admin", "GET", "services", "", 200, "culler,lonely" },
        { "alice", "GET", "services", "", 403, "" },
        { "culler", "GET", "services", "", 403, "" },
        { "lonely", "GET", "services", "", 403, "" },
        { "admin", "GET", "services/culler", "", 200, "kind,name,admin,roles,url,prefix,pid,command,display,info" },
        { "admin", "GET", "services/nope", "", 404, "" },
        { "culler", "GET", "services/culler", "", 403, "" },
        // Service model: admin with read:services or read:services:name, roles only with read:roles:services.
        { "admin:read:services", "GET", "services/culler", "", 200, "kind,name,admin,url,prefix,pid,command,display,info" },
        { "admin:read:services", "GET", "services", "", 403, "" },
        { "admin:read:services:name", "GET", "services/culler", "", 200, "kind,name,admin" },
        { "admin:list:services", "GET", "services", "", 200, "culler,lonely" },

        // Metrics: read:metrics only.
        { "admin", "GET", "metrics", "", 200, "" },
        { "prom:read:metrics", "GET", "metrics", "", 200, "" },
        { "admin:read:metrics", "GET", "metrics", "", 200, "" },
        { "alice", "GET", "metrics", "", 403, "" },
        { "culler", "GET", "metrics", "", 403, "" },
        { "none", "GET", "metrics", "", 403, "" },
    };

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Decision(string caller, string method, string path, string body, int status, string keys)
    {
        var fresh = Api.Unique("new");
        var now = TimeProvider.System.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
        path = path.Replace("{new}", fresh, StringComparison.Ordinal);
        body = body.Replace("{new}", fresh, StringComparison.Ordinal).Replace("{now}", now, StringComparison.Ordinal);
        var r = await Api.SendAsync(fixture.Client(caller), method, "hub/api/" + path, body.Length == 0 ? null : body);
        r.Is(status);
        if (keys.Length == 0)
        {
            return;
        }
        var expected = keys.Split(',');
        var root = r.Root;
        if (root.ValueKind == JsonValueKind.Array)
        {
            Assert.NotEqual(0, root.GetArrayLength());
            // The caller's own entry may show more (its own servers, through the self role).
            foreach (var item in root.EnumerateArray().Where(i => i.GetProperty("name").GetString() != caller))
            {
                Api.HasKeys(item, expected);
            }
        }
        else
        {
            Api.HasKeys(root, expected);
        }
    }

    [Theory]
    [InlineData("admin:list:users!group=students", "alice,bob")]
    [InlineData("teacher", "alice,bob")]
    [InlineData("culler", "admin,alice,bob,carol,prom,teacher,useradmin")]
    public async Task Filtered_lists_hold_only_what_the_filter_allows(string caller, string names)
    {
        var listed = (await fixture.Client(caller).GetApiAsync("hub/api/users?limit=200", "application/jupyterhub-pagination+json")).Is(200).Root;
        var got = listed.GetProperty("items").Names().Where(n => !n.Contains('-', StringComparison.Ordinal)).ToList();
        Assert.Equal(names.Split(','), got.Order(StringComparer.Ordinal));
        if (caller != "culler")
        {
            Assert.Equal(names.Split(',').Length, listed.GetProperty("_pagination").GetProperty("total").GetInt32());
        }
    }

    [Fact]
    public async Task Listing_services_with_list_services_shows_names_only()
    {
        var services = (await fixture.Client("admin:list:services").GetApiAsync("hub/api/services")).Is(200).Root;
        foreach (var service in services.EnumerateObject())
        {
            Api.HasKeys(service.Value, "kind", "name", "admin");
        }
    }

    [Fact]
    public async Task Filtered_group_list_holds_only_the_filtered_group()
    {
        var groups = (await fixture.Client("teacher").GetApiAsync("hub/api/groups")).Is(200).Root.Names();
        Assert.Equal(["students"], groups);
    }

    [Fact]
    public async Task Admin_users_holder_cannot_become_or_make_admins()
    {
        // CVE-2024-41942: every attempt is refused and nothing changed.
        var useradmin = fixture.Client("useradmin");
        (await useradmin.PatchApiAsync("hub/api/users/useradmin", new { admin = true })).Is(403);
        (await useradmin.PatchApiAsync("hub/api/users/bob", new { admin = true })).Is(403);
        var fresh = Api.Unique("wannabe");
        (await useradmin.PostApiAsync($"hub/api/users/{fresh}", new { admin = true })).Is(403);
        (await useradmin.PostApiAsync("hub/api/users", new { usernames = new[] { fresh }, admin = true })).Is(403);
        (await useradmin.DeleteApiAsync("hub/api/users/admin")).Is(403);
        // A token cannot carry more than its owner either.
        (await useradmin.PostApiAsync("hub/api/users/useradmin/tokens", new { scopes = new[] { "admin:groups" } })).Is(400);
        var admin = fixture.Hub.Client(fixture.Hub.AdminToken);
        Assert.False((await admin.GetApiAsync("hub/api/users/useradmin")).Root.GetProperty("admin").GetBoolean());
        Assert.False((await admin.GetApiAsync("hub/api/users/bob")).Root.GetProperty("admin").GetBoolean());
        (await admin.GetApiAsync($"hub/api/users/{fresh}")).Is(404);
        Assert.True((await admin.GetApiAsync("hub/api/users/admin")).Root.GetProperty("admin").GetBoolean());
        // Plain edits of non-admins remain possible, and an admin may still grant admin.
        (await useradmin.PatchApiAsync("hub/api/users/bob", new { admin = false })).Is(200);
    }

    [Fact]
    public async Task Group_filtered_admin_acts_on_members_only()
    {
        // GHSA-69wv-m5fw-2fhp: admin:users!group=students may delete a student, not others, and cannot create.
        var admin = fixture.Hub.Client(fixture.Hub.AdminToken);
        var student = Api.Unique("student");
        var outsider = Api.Unique("outsider");
        (await admin.PostApiAsync("hub/api/users", new { usernames = new[] { student, outsider } })).Is(201);
        (await admin.PostApiAsync("hub/api/groups/students/users", new { users = new[] { student } })).Is(200);
        var teacher = fixture.Client("teacher");
        (await teacher.DeleteApiAsync($"hub/api/users/{outsider}")).Is(404);
        (await teacher.DeleteApiAsync($"hub/api/users/{student}")).Is(204);
        (await admin.GetApiAsync($"hub/api/users/{student}")).Is(404);
        (await admin.GetApiAsync($"hub/api/users/{outsider}")).Is(200);

        // admin:groups!group=students: manage that group's members, nothing else.
        (await teacher.PostApiAsync("hub/api/groups/students/users", new { users = new[] { outsider } })).Is(200);
        Assert.Contains(outsider, (await admin.GetApiAsync("hub/api/groups/students")).Root.GetProperty("users").Strings());
        (await teacher.DeleteApiAsync("hub/api/groups/students/users", new { users = new[] { outsider } })).Is(200);
        Assert.DoesNotContain(outsider, (await admin.GetApiAsync("hub/api/groups/students")).Root.GetProperty("users").Strings());
        (await teacher.PostApiAsync("hub/api/groups/teachers/users", new { users = new[] { outsider } })).Is(404);
        (await teacher.PostApiAsync("hub/api/groups", new { groups = new[] { Api.Unique("g") } })).Is(403);
        Assert.Equal(["teacher"], (await admin.GetApiAsync("hub/api/groups/teachers")).Root.GetProperty("users").Strings());
    }

    [Fact]
    public async Task Group_roles_apply_and_lapse_at_once_with_membership()
    {
        var admin = fixture.Hub.Client(fixture.Hub.AdminToken);
        var grader = Api.Unique("grader");
        var token = await fixture.Hub.TokenForAsync(grader);
        var client = fixture.Hub.Client(token);
        (await client.GetApiAsync("hub/api/metrics")).Is(403);
        (await client.GetApiAsync("hub/api/users/alice")).Is(404);
        (await admin.PostApiAsync("hub/api/groups/graders/users", new { users = new[] { grader } })).Is(200);
        (await client.GetApiAsync("hub/api/metrics")).Is(200);
        (await client.GetApiAsync("hub/api/users/alice")).Is(200);
        (await client.GetApiAsync("hub/api/users/carol")).Is(404);
        Assert.Contains("graders-role", (await admin.GetApiAsync("hub/api/groups/graders")).Root.GetProperty("roles").Strings());
        (await admin.DeleteApiAsync("hub/api/groups/graders/users", new { users = new[] { grader } })).Is(200);
        (await client.GetApiAsync("hub/api/metrics")).Is(403);
        (await client.GetApiAsync("hub/api/users/alice")).Is(404);
    }

    [Fact]
    public async Task Demoted_admin_loses_admin_scopes_at_once()
    {
        var admin = fixture.Hub.Client(fixture.Hub.AdminToken);
        var boss = Api.Unique("boss");
        (await admin.PostApiAsync($"hub/api/users/{boss}", new { admin = true })).Is(201);
        var client = fixture.Hub.Client(await fixture.Hub.TokenForAsync(boss));
        (await client.GetApiAsync("hub/api/info")).Is(200);
        (await client.GetApiAsync("hub/api/users/alice")).Is(200);
        (await admin.PatchApiAsync($"hub/api/users/{boss}", new { admin = false })).Is(200);
        (await client.GetApiAsync("hub/api/info")).Is(403);
        (await client.GetApiAsync("hub/api/users/alice")).Is(404);
        var me = (await client.GetApiAsync("hub/api/user")).Is(200).Root;
        Assert.False(me.GetProperty("admin").GetBoolean());
        Assert.DoesNotContain("admin:users", me.GetProperty("scopes").Strings());
    }

    [Fact]
    public async Task Narrow_token_of_an_admin_cannot_act_beyond_its_scopes()
    {
        var names = fixture.Client("admin:read:users:name");
        (await names.PatchApiAsync("hub/api/users/alice", new { })).Is(403);
        (await names.DeleteApiAsync("hub/api/users/alice")).Is(403);
        (await names.GetApiAsync("hub/api/users/alice/tokens")).Is(403);
        (await names.GetApiAsync("hub/api/groups")).Is(403);
        var me = (await names.GetApiAsync("hub/api/user")).Is(200).Root;
        Assert.Equal("admin", me.GetProperty("name").GetString());
        Assert.Equal(["read:users:groups!user=admin", "read:users:name"], me.GetProperty("scopes").Strings());
    }
}
