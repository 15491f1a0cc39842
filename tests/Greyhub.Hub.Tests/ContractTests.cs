using System.Globalization;
using System.Text.Json;
using Greyhub.Data.Entities;

namespace Greyhub.Hub.Tests;

/// <summary>
/// The REST contract of every endpoint against JupyterHub 5's: status codes, field names and types, the JSON
/// error body. One hub for the class; each test makes its own uniquely named users and groups.
/// </summary>
public sealed class ContractTests(ContractHub fixture) : IClassFixture<ContractHub>
{
    // The user model as an admin sees it: admin:auth_state (in admin:users) adds auth_state.
    private static readonly string[] UserModelKeys = ["kind", "name", "admin", "roles", "groups", "server", "pending", "created", "last_activity", "auth_state", "servers"];
    private static readonly string[] ServerModelKeys = ["name", "full_name", "last_activity", "started", "pending", "ready", "stopped", "url", "user_options", "progress_url", "full_url", "full_progress_url"];
    private static readonly string[] TokenModelKeys = ["id", "kind", "user", "roles", "scopes", "note", "created", "expires_at", "last_activity", "session_id", "oauth_client"];

    private HubInstance Hub => fixture.Hub;

    private HttpClient Admin => fixture.Admin;

    private static DateTime Now => TimeProvider.System.GetUtcNow().UtcDateTime;

    private static string Iso(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    // ---- hub -------------------------------------------------------------------------------------------

    [Fact]
    public async Task Version_is_public_json_with_the_version_header()
    {
        var r = (await Hub.Client().GetApiAsync("hub/api/")).Is(200);
        Api.HasKeys(r.Root, "version");
        Assert.StartsWith("5.", r.Root.GetProperty("version").GetString());
        Assert.Equal(r.Root.GetProperty("version").GetString(), r.Headers.GetValues("X-JupyterHub-Version").Single());
    }

    [Fact]
    public async Task Info_needs_read_hub_and_has_jupyterhubs_keys()
    {
        (await Hub.Client().GetApiAsync("hub/api/info")).Is(403);
        var user = await Hub.TokenForAsync(Api.Unique("info"));
        (await Hub.Client(user).GetApiAsync("hub/api/info")).Is(403);
        var r = (await Admin.GetApiAsync("hub/api/info")).Is(200).Root;
        foreach (var key in new[] { "version", "python", "sys_executable" })
        {
            Assert.Equal(JsonValueKind.String, r.GetProperty(key).ValueKind);
        }
        foreach (var key in new[] { "authenticator", "spawner" })
        {
            Assert.Equal(JsonValueKind.String, r.GetProperty(key).GetProperty("class").ValueKind);
            Assert.Equal(JsonValueKind.String, r.GetProperty(key).GetProperty("version").ValueKind);
        }
    }

    [Fact]
    public async Task Health_is_public_on_both_urls()
    {
        (await Hub.Client().GetApiAsync("hub/health")).Is(200);
        (await Hub.Client().GetApiAsync("hub/api/health")).Is(200);
    }

    [Fact]
    public async Task Unknown_api_urls_are_json_404s()
    {
        (await Admin.GetApiAsync("hub/api/nothing/here")).Is(404);
        (await Hub.Client().GetApiAsync("hub/api/users/x/y/z")).Is(404);
    }

    [Theory]
    [InlineData("PUT", "hub/api/users", "GET, POST")]
    [InlineData("DELETE", "hub/api/users", "GET, POST")]
    [InlineData("PUT", "hub/api/users/someone", "DELETE, GET, PATCH, POST")]
    [InlineData("GET", "hub/api/users/someone/activity", "POST")]
    [InlineData("PATCH", "hub/api/groups/g/properties", "PUT")]
    [InlineData("POST", "hub/api/info", "GET")]
    public async Task Unsupported_methods_are_json_405s_with_allow(string method, string path, string allow)
    {
        var r = (await Api.SendAsync(Admin, method, path)).Is(405);
        Assert.Equal(allow, r.Allow);
        (await Api.SendAsync(Hub.Client(), method, path)).Is(405);
    }

    [Fact]
    public async Task Metrics_need_read_metrics_and_count_users()
    {
        (await Hub.Client().GetApiAsync("hub/metrics")).Is(403);
        (await Hub.Client(await Hub.TokenForAsync(Api.Unique("nometrics"))).GetApiAsync("hub/metrics")).Is(403);
        await Hub.TokenForAsync("prom");
        var prom = await Hub.ScopedTokenAsync("prom", "read:metrics");
        var r = await Hub.Client(prom).GetApiAsync("hub/metrics");
        Assert.Equal(200, r.Code);
        var total = (await Admin.GetApiAsync("hub/api/users?limit=200", Paging)).Root.GetProperty("_pagination").GetProperty("total").GetInt32();
        Assert.Contains($"\njupyterhub_total_users {total}\n", "\n" + r.Body);
        Assert.Contains("jupyterhub_request_duration_seconds_bucket{", r.Body);
        Assert.Equal(200, (await Admin.GetApiAsync("hub/api/metrics")).Code);
    }

    // ---- whoami ----------------------------------------------------------------------------------------

    [Fact]
    public async Task Whoami_of_a_user_token()
    {
        var name = Api.Unique("who");
        var token = await Hub.TokenForAsync(name);
        var me = (await Hub.Client(token).GetApiAsync("hub/api/user")).Is(200).Root;
        Assert.Equal("user", me.GetProperty("kind").GetString());
        Assert.Equal(name, me.GetProperty("name").GetString());
        Assert.False(me.GetProperty("admin").GetBoolean());
        Assert.Equal(JsonValueKind.Array, me.GetProperty("groups").ValueKind);
        var scopes = me.GetProperty("scopes").Strings();
        Assert.Contains($"read:users!user={name}", scopes);
        Assert.Contains($"tokens!user={name}", scopes);
        Assert.DoesNotContain("admin:users", scopes);
        Assert.Equal(JsonValueKind.Null, me.GetProperty("session_id").ValueKind);
        Assert.Matches("^a[0-9]+$", me.GetProperty("token_id").GetString());
        // The token_id names the token in the tokens API.
        (await Hub.Client(token).GetApiAsync($"hub/api/users/{name}/tokens/{me.GetProperty("token_id").GetString()}")).Is(200);
    }

    [Fact]
    public async Task Whoami_of_a_narrow_token_still_identifies_but_reports_only_its_scopes()
    {
        var name = Api.Unique("narrow");
        await fixture.UsersAsync(name);
        var token = await Hub.ScopedTokenAsync(name, $"read:users:activity!user={name}");
        var me = (await Hub.Client(token).GetApiAsync("hub/api/user")).Is(200).Root;
        Assert.Equal(name, me.GetProperty("name").GetString());
        Assert.Equal("user", me.GetProperty("kind").GetString());
        // Every token holds its owner's identify scopes besides its own (JupyterHub's get_scopes_for).
        Assert.Equal([$"read:users:activity!user={name}", $"read:users:groups!user={name}", $"read:users:name!user={name}"], me.GetProperty("scopes").Strings());
    }

    [Fact]
    public async Task Whoami_of_a_service()
    {
        var me = (await Hub.Client(ContractHub.CullerToken).GetApiAsync("hub/api/user")).Is(200).Root;
        Assert.Equal("service", me.GetProperty("kind").GetString());
        Assert.Equal("culler", me.GetProperty("name").GetString());
        Assert.Contains("list:users", me.GetProperty("scopes").Strings());
        Assert.Contains("idle-culler", me.GetProperty("roles").Strings());
        var lonely = (await Hub.Client(ContractHub.LonelyToken, "bearer").GetApiAsync("hub/api/user")).Is(200).Root;
        Assert.Equal("lonely", lonely.GetProperty("name").GetString());
        Assert.Empty(lonely.GetProperty("scopes").Strings());
    }

    [Fact]
    public async Task Whoami_refuses_bogus_and_missing_credentials()
    {
        (await Hub.Client().GetApiAsync("hub/api/user")).Is(403);
        (await Hub.Client("0123456789abcdef0123456789abcdef").GetApiAsync("hub/api/user")).Is(403);
        (await Hub.Client("x").GetApiAsync("hub/api/user")).Is(403);
        (await Hub.Client(Hub.AdminToken, "basic").GetApiAsync("hub/api/user")).Is(403);
    }

    [Theory]
    [InlineData("token")]
    [InlineData("Token")]
    [InlineData("bearer")]
    [InlineData("Bearer")]
    public async Task Both_authorization_schemes_are_accepted(string scheme)
    {
        var me = (await Hub.Client(Hub.AdminToken, scheme).GetApiAsync("hub/api/user")).Is(200).Root;
        Assert.Equal("admin", me.GetProperty("name").GetString());
    }

    // ---- users -----------------------------------------------------------------------------------------

    private const string Paging = "application/jupyterhub-pagination+json";

    [Fact]
    public async Task Get_user_has_the_full_model_with_right_types()
    {
        var name = Api.Unique("model");
        await fixture.UsersAsync(name);
        var u = (await Admin.GetApiAsync($"hub/api/users/{name}")).Is(200).Root;
        Api.HasKeys(u, UserModelKeys);
        Assert.Equal("user", u.GetProperty("kind").GetString());
        Assert.Equal(name, u.GetProperty("name").GetString());
        Assert.False(u.GetProperty("admin").GetBoolean());
        Assert.Equal(["user"], u.GetProperty("roles").Strings());
        Assert.Empty(u.GetProperty("groups").Strings());
        Assert.Equal(JsonValueKind.Null, u.GetProperty("server").ValueKind);
        Assert.Equal(JsonValueKind.Null, u.GetProperty("pending").ValueKind);
        Api.IsTimestampOrNull(u.GetProperty("created"));
        Assert.NotEqual(JsonValueKind.Null, u.GetProperty("created").ValueKind);
        Api.IsTimestampOrNull(u.GetProperty("last_activity"));
        Assert.Equal(JsonValueKind.Object, u.GetProperty("servers").ValueKind);
        Assert.Equal(JsonValueKind.Null, u.GetProperty("auth_state").ValueKind);
        (await Admin.GetApiAsync($"hub/api/users/{Api.Unique("ghost")}")).Is(404);
    }

    [Fact]
    public async Task Stopped_servers_appear_only_with_include_stopped_servers()
    {
        var name = Api.Unique("stopped");
        await fixture.UsersAsync(name);
        await fixture.AddServerAsync(name, "", ServerPhases.Stopped);
        var plain = (await Admin.GetApiAsync($"hub/api/users/{name}")).Is(200).Root;
        Assert.Empty(plain.GetProperty("servers").EnumerateObject());
        var all = (await Admin.GetApiAsync($"hub/api/users/{name}?include_stopped_servers")).Is(200).Root;
        var server = all.GetProperty("servers").GetProperty("");
        Api.HasKeys(server, [.. ServerModelKeys, "state"]);
        Assert.True(server.GetProperty("stopped").GetBoolean());
        Assert.False(server.GetProperty("ready").GetBoolean());
        Assert.Equal($"{name}/", server.GetProperty("full_name").GetString());
        Assert.Equal($"/user/{name}/", server.GetProperty("url").GetString());
        Assert.Equal($"/hub/api/users/{name}/server/progress", server.GetProperty("progress_url").GetString());
        var listed = (await Admin.GetApiAsync("hub/api/users?include_stopped_servers&limit=200")).Is(200).Root;
        var entry = listed.EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);
        Assert.True(entry.GetProperty("servers").TryGetProperty("", out _));
    }

    [Fact]
    public async Task List_users_bare_and_paginated_with_a_followable_next_url()
    {
        var prefix = Api.Unique("page");
        var names = Enumerable.Range(0, 5).Select(i => $"{prefix}-{i}").ToArray();
        await fixture.UsersAsync(names);
        var bare = (await Admin.GetApiAsync("hub/api/users")).Is(200).Root;
        Assert.Equal(JsonValueKind.Array, bare.ValueKind);
        Assert.Subset(bare.Names().ToHashSet(), names.ToHashSet());
        foreach (var u in bare.EnumerateArray())
        {
            Api.HasKeys(u, UserModelKeys);
        }

        var page = (await Admin.GetApiAsync("hub/api/users?limit=2&offset=1", Paging)).Is(200).Root;
        Api.HasKeys(page, "items", "_pagination");
        Assert.Equal(2, page.GetProperty("items").GetArrayLength());
        var p = page.GetProperty("_pagination");
        Assert.Equal(1, p.GetProperty("offset").GetInt32());
        Assert.Equal(2, p.GetProperty("limit").GetInt32());
        var total = p.GetProperty("total").GetInt32();
        Assert.True(total >= 5);

        // Follow next until null: every user seen once, in id order.
        var seen = new List<string>();
        var url = "hub/api/users?limit=2";
        while (url is not null)
        {
            var r = (await Admin.GetApiAsync(url, Paging)).Is(200).Root;
            seen.AddRange(r.GetProperty("items").Names());
            var next = r.GetProperty("_pagination").GetProperty("next");
            if (next.ValueKind == JsonValueKind.Null)
            {
                url = null;
            }
            else
            {
                Assert.Equal(JsonValueKind.Number, next.GetProperty("offset").ValueKind);
                Assert.Equal(2, next.GetProperty("limit").GetInt32());
                url = next.GetProperty("url").GetString()!;
                Assert.StartsWith(Hub.Address.ToString().TrimEnd('/') + "/hub/api/users?", url);
            }
        }
        Assert.Equal(total, seen.Count);
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Equal(names, seen.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task List_users_sorts_by_name_and_last_activity_both_ways()
    {
        var prefix = Api.Unique("sort");
        string[] names = [$"{prefix}-c", $"{prefix}-a", $"{prefix}-b"];
        await fixture.UsersAsync(names);
        var asc = (await Admin.GetApiAsync("hub/api/users?sort=name&limit=200")).Is(200).Root.Names();
        Assert.Equal(asc.Order(StringComparer.Ordinal), asc);
        var desc = (await Admin.GetApiAsync("hub/api/users?sort=-name&limit=200")).Is(200).Root.Names();
        Assert.Equal(asc.Reverse(), desc);
        var byId = (await Admin.GetApiAsync("hub/api/users?sort=id&limit=200")).Is(200).Root.Names();
        Assert.Equal(names, byId.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)));
        var byIdDesc = (await Admin.GetApiAsync("hub/api/users?sort=-id&limit=200")).Is(200).Root.Names();
        Assert.Equal(byId.Reverse(), byIdDesc);

        var future = Now.AddMinutes(10);
        (await Admin.PostApiAsync($"hub/api/users/{names[0]}/activity", new { last_activity = Iso(future) })).Is(200);
        (await Admin.PostApiAsync($"hub/api/users/{names[2]}/activity", new { last_activity = Iso(future.AddMinutes(1)) })).Is(200);
        // Other tests report activity too: compare only this test's users. Never-active users sort first
        // ascending and last descending, as in JupyterHub.
        var recent = (await Admin.GetApiAsync("hub/api/users?sort=-last_activity&limit=200")).Is(200).Root.Names();
        Assert.Equal([names[2], names[0], names[1]], recent.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)));
        var oldest = (await Admin.GetApiAsync("hub/api/users?sort=last_activity&limit=200")).Is(200).Root.Names();
        Assert.Equal([names[1], names[0], names[2]], oldest.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)));
        (await Admin.GetApiAsync("hub/api/users?sort=created")).Is(400);
        (await Admin.GetApiAsync("hub/api/users?sort=--name")).Is(400);
    }

    [Fact]
    public async Task List_users_filters_by_state()
    {
        var idle = Api.Unique("idle");
        var busy = Api.Unique("busy");
        var starting = Api.Unique("starting");
        await fixture.UsersAsync(idle, busy, starting);
        await fixture.AddServerAsync(busy, "", ServerPhases.Running);
        await fixture.AddServerAsync(starting, "", ServerPhases.Pending);
        var ready = (await Admin.GetApiAsync("hub/api/users?state=ready&limit=200")).Is(200).Root.Names();
        var active = (await Admin.GetApiAsync("hub/api/users?state=active&limit=200")).Is(200).Root.Names();
        var inactive = (await Admin.GetApiAsync("hub/api/users?state=inactive&limit=200")).Is(200).Root.Names();
        Assert.Contains(busy, ready);
        Assert.DoesNotContain(starting, ready);
        Assert.DoesNotContain(idle, ready);
        Assert.Contains(busy, active);
        Assert.Contains(starting, active);
        Assert.DoesNotContain(idle, active);
        Assert.Contains(idle, inactive);
        Assert.DoesNotContain(busy, inactive);
        var busyModel = (await Admin.GetApiAsync($"hub/api/users/{busy}")).Is(200).Root;
        Assert.Equal($"/user/{busy}/", busyModel.GetProperty("server").GetString());
        Assert.Equal("spawn", (await Admin.GetApiAsync($"hub/api/users/{starting}")).Root.GetProperty("pending").GetString());
        (await Admin.GetApiAsync("hub/api/users?state=sleeping")).Is(400);
    }

    [Theory]
    [InlineData("offset=x")]
    [InlineData("limit=1.5")]
    [InlineData("limit=")]
    [InlineData("offset=0x10")]
    public async Task List_users_rejects_non_integer_paging(string query)
    {
        // JupyterHub's get_api_pagination: int() of the argument, so an empty value is a 400 too.
        (await Admin.GetApiAsync("hub/api/users?" + query, Paging)).Is(400);
        (await Admin.GetApiAsync("hub/api/groups?" + query)).Is(400);
    }

    [Fact]
    public async Task Paging_far_past_the_end_has_no_next_page()
    {
        var r = (await Admin.GetApiAsync("hub/api/users?offset=2147483647&limit=200", Paging)).Is(200).Root;
        Assert.Empty(r.GetProperty("items").EnumerateArray());
        Assert.Equal(2147483647, r.GetProperty("_pagination").GetProperty("offset").GetInt32());
        Assert.Equal(JsonValueKind.Null, r.GetProperty("_pagination").GetProperty("next").ValueKind);
        var groups = (await Admin.GetApiAsync("hub/api/groups?offset=-2147483648&limit=-5", Paging)).Is(200).Root;
        Assert.Equal(JsonValueKind.Null, groups.GetProperty("_pagination").GetProperty("next").ValueKind);
        Assert.Equal(5, groups.GetProperty("_pagination").GetProperty("limit").GetInt32());
    }

    [Theory]
    [InlineData("include_stopped_servers=0", false)]
    [InlineData("include_stopped_servers=false", false)]
    [InlineData("include_stopped_servers=False", false)]
    [InlineData("include_stopped_servers=1", true)]
    [InlineData("include_stopped_servers=true", true)]
    [InlineData("include_stopped_servers=", true)]
    public async Task Include_stopped_servers_is_false_for_0_and_false(string query, bool included)
    {
        var name = Api.Unique("isv");
        await fixture.UsersAsync(name);
        await fixture.AddServerAsync(name, "", ServerPhases.Stopped);
        var u = (await Admin.GetApiAsync($"hub/api/users/{name}?{query}")).Is(200).Root;
        Assert.Equal(included, u.GetProperty("servers").TryGetProperty("", out _));
    }

    [Fact]
    public async Task Concurrent_creates_of_one_name_give_one_201_and_409s()
    {
        var name = Api.Unique("race");
        var group = Api.Unique("race");
        var users = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Hub.Client(Hub.AdminToken).PostApiAsync($"hub/api/users/{name}")));
        Assert.Equal(1, users.Count(r => r.Code == 201));
        Assert.All(users.Where(r => r.Code != 201), r => r.Is(409));
        var groups = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Hub.Client(Hub.AdminToken).PostApiAsync("hub/api/groups", new { groups = new[] { group }, users = new[] { name } })));
        Assert.Equal(1, groups.Count(r => r.Code == 201));
        Assert.All(groups.Where(r => r.Code != 201), r => r.Is(409));
        Assert.Equal([name], (await Admin.GetApiAsync($"hub/api/groups/{group}")).Root.GetProperty("users").Strings());
    }

    [Fact]
    public async Task Names_with_unicode_and_at_signs_round_trip_through_urls()
    {
        var name = "zoë-" + Api.Unique("x") + "@example.org";
        var created = (await Admin.PostApiAsync("hub/api/users/" + Uri.EscapeDataString(name))).Is(201).Root;
        Assert.Equal(name, created.GetProperty("name").GetString());
        Assert.Equal(name, (await Admin.GetApiAsync("hub/api/users/" + Uri.EscapeDataString(name))).Is(200).Root.GetProperty("name").GetString());
        await fixture.AddServerAsync(name, "", ServerPhases.Running);
        var server = (await Admin.GetApiAsync("hub/api/users/" + Uri.EscapeDataString(name))).Root.GetProperty("servers").GetProperty("");
        // JupyterHub escapes names in URLs but keeps '@'.
        Assert.Equal("/user/" + Uri.EscapeDataString(name).Replace("%40", "@", StringComparison.Ordinal) + "/", server.GetProperty("url").GetString());
        // As JupyterHub: deleting a user stops their server first, then deletes.
        (await Admin.DeleteApiAsync("hub/api/users/" + Uri.EscapeDataString(name))).Is(204);
        (await Admin.GetApiAsync("hub/api/users/" + Uri.EscapeDataString(name))).Is(404);
    }

    [Fact]
    public async Task An_escaped_slash_in_a_name_is_never_a_literal_name()
    {
        // JupyterHub reads /users/a%2Fb as the name "a/b", which is invalid; it must not become "a%2Fb".
        var stem = Api.Unique("sl");
        (await Admin.PostApiAsync($"hub/api/users/{stem}%2Fb")).Is(400);
        (await Admin.PostApiAsync($"hub/api/groups/{stem}%2fb")).Is(400);
        (await Admin.GetApiAsync($"hub/api/users/{stem}%2Fb")).Is(404);
        // A literal percent sign is still a name like any other.
        var literal = (await Admin.PostApiAsync($"hub/api/users/{stem}%252fb")).Is(201).Root;
        Assert.Equal($"{stem}%2fb", literal.GetProperty("name").GetString());
        (await Admin.GetApiAsync($"hub/api/users/{stem}%252fb")).Is(200);
        (await Admin.GetApiAsync($"hub/api/users/{stem}%2fb")).Is(404);
    }

    [Fact]
    public async Task Create_one_user_then_409()
    {
        var name = Api.Unique("one");
        var created = (await Admin.PostApiAsync($"hub/api/users/{name}")).Is(201).Root;
        Api.HasKeys(created, UserModelKeys);
        Assert.Equal(name, created.GetProperty("name").GetString());
        (await Admin.PostApiAsync($"hub/api/users/{name}")).Is(409);
        var admin = Api.Unique("boss");
        Assert.True((await Admin.PostApiAsync($"hub/api/users/{admin}", new { admin = true })).Is(201).Root.GetProperty("admin").GetBoolean());
        (await Admin.PostApiAsync($"hub/api/users/{Api.Unique("bad")}", new { admin = "yes" })).Is(400);
        (await Admin.PostApiAsync($"hub/api/users/{Api.Unique("bad")}", new { nonsense = 1 })).Is(400);
    }

    [Fact]
    public async Task Create_many_users_skips_existing_and_409s_when_all_exist()
    {
        var a = Api.Unique("many");
        var b = Api.Unique("many");
        var c = Api.Unique("many");
        var first = (await Admin.PostApiAsync("hub/api/users", new { usernames = new[] { a, b } })).Is(201).Root;
        Assert.Equal([a, b], first.Names());
        var partial = (await Admin.PostApiAsync("hub/api/users", new { usernames = new[] { a, c } })).Is(201).Root;
        Assert.Equal([c], partial.Names());
        (await Admin.PostApiAsync("hub/api/users", new { usernames = new[] { a, b, c } })).Is(409);
        (await Admin.PostApiAsync("hub/api/users", new { usernames = Array.Empty<string>() })).Is(400);
        (await Admin.PostApiAsync("hub/api/users", new { })).Is(400);
        (await Admin.PostApiAsync("hub/api/users")).Is(400);
    }

    [Fact]
    public async Task Create_many_with_one_invalid_name_creates_none()
    {
        var good = Api.Unique("good");
        (await Admin.PostApiAsync("hub/api/users", new { usernames = new[] { good, "bad name" } })).Is(400);
        (await Admin.PostApiAsync("hub/api/users", new { usernames = new[] { good, "a/b" } })).Is(400);
        (await Admin.PostApiAsync("hub/api/users", new { usernames = new[] { good, new string('x', 300) } })).Is(400);
        (await Admin.GetApiAsync($"hub/api/users/{good}")).Is(404);
    }

    [Fact]
    public async Task Create_many_normalizes_names_to_lower_case()
    {
        var name = Api.Unique("mixed");
        var created = (await Admin.PostApiAsync("hub/api/users", new { usernames = new[] { name.ToUpperInvariant() } })).Is(201).Root;
        Assert.Equal([name], created.Names());
    }

    [Fact]
    public async Task Patch_renames_and_sets_admin()
    {
        var name = Api.Unique("old");
        var other = Api.Unique("taken");
        await fixture.UsersAsync(name, other);
        var renamed = Api.Unique("new");
        var r = (await Admin.PatchApiAsync($"hub/api/users/{name}", new { name = renamed })).Is(200).Root;
        Assert.Equal(renamed, r.GetProperty("name").GetString());
        (await Admin.GetApiAsync($"hub/api/users/{name}")).Is(404);
        (await Admin.GetApiAsync($"hub/api/users/{renamed}")).Is(200);
        var promoted = (await Admin.PatchApiAsync($"hub/api/users/{renamed}", new { admin = true })).Is(200).Root;
        Assert.True(promoted.GetProperty("admin").GetBoolean());
        Assert.Contains("admin", promoted.GetProperty("roles").Strings());
        (await Admin.PatchApiAsync($"hub/api/users/{renamed}", new { name = other })).Is(400);
        (await Admin.PatchApiAsync($"hub/api/users/{renamed}", new { name = "bad name" })).Is(400);
        (await Admin.PatchApiAsync($"hub/api/users/{renamed}", new { admin = 1 })).Is(400);
        (await Admin.PatchApiAsync($"hub/api/users/{renamed}", "[]")).Is(400);
        (await Admin.PatchApiAsync($"hub/api/users/{Api.Unique("ghost")}", new { admin = false })).Is(404);
    }

    [Fact]
    public async Task Rename_keeps_tokens_and_groups()
    {
        var name = Api.Unique("keeps");
        var token = await Hub.TokenForAsync(name);
        var group = Api.Unique("g");
        (await Admin.PostApiAsync($"hub/api/groups/{group}", new { users = new[] { name } })).Is(201);
        var renamed = Api.Unique("kept");
        (await Admin.PatchApiAsync($"hub/api/users/{name}", new { name = renamed })).Is(200);
        var me = (await Hub.Client(token).GetApiAsync("hub/api/user")).Is(200).Root;
        Assert.Equal(renamed, me.GetProperty("name").GetString());
        Assert.Equal([renamed], (await Admin.GetApiAsync($"hub/api/groups/{group}")).Root.GetProperty("users").Strings());
    }

    [Fact]
    public async Task Delete_user_then_404_and_cannot_delete_yourself()
    {
        var name = Api.Unique("del");
        var token = await Hub.TokenForAsync(name);
        (await Admin.DeleteApiAsync($"hub/api/users/{name}")).Is(204);
        (await Admin.GetApiAsync($"hub/api/users/{name}")).Is(404);
        (await Admin.DeleteApiAsync($"hub/api/users/{name}")).Is(404);
        // Its tokens went with it.
        (await Hub.Client(token).GetApiAsync("hub/api/user")).Is(403);
        var self = (await Admin.DeleteApiAsync("hub/api/users/admin")).Is(400);
        Assert.Contains("Cannot delete yourself", self.Message());
    }

    // ---- activity --------------------------------------------------------------------------------------

    [Fact]
    public async Task Activity_moves_last_activity_forward_at_30_second_resolution()
    {
        var name = Api.Unique("act");
        await fixture.UsersAsync(name);
        await fixture.AddServerAsync(name, "", ServerPhases.Running);
        // Timestamps a little in the future, so no token use by the test can have moved them already.
        var t = Now.AddMinutes(20);
        (await Admin.PostApiAsync($"hub/api/users/{name}/activity", new { last_activity = Iso(t) })).Is(200);
        Assert.Equal(Iso(t), await LastActivityAsync(name));
        (await Admin.PostApiAsync($"hub/api/users/{name}/activity", new { last_activity = Iso(t.AddSeconds(10)) })).Is(200);
        Assert.Equal(Iso(t), await LastActivityAsync(name));
        (await Admin.PostApiAsync($"hub/api/users/{name}/activity", new { last_activity = Iso(t.AddSeconds(-600)) })).Is(200);
        Assert.Equal(Iso(t), await LastActivityAsync(name));
        (await Admin.PostApiAsync($"hub/api/users/{name}/activity", new { last_activity = Iso(t.AddSeconds(31)) })).Is(200);
        Assert.Equal(Iso(t.AddSeconds(31)), await LastActivityAsync(name));

        var serverTime = t.AddMinutes(5);
        (await Admin.PostApiAsync($"hub/api/users/{name}/activity", new Dictionary<string, object> { ["servers"] = new Dictionary<string, object> { [""] = new { last_activity = Iso(serverTime) } } })).Is(200);
        var u = (await Admin.GetApiAsync($"hub/api/users/{name}")).Root;
        Assert.Equal(Iso(serverTime), u.GetProperty("servers").GetProperty("").GetProperty("last_activity").GetString());
        Assert.Equal(Iso(serverTime), u.GetProperty("last_activity").GetString());
    }

    [Fact]
    public async Task Activity_accepts_offsets_and_naive_times_as_utc()
    {
        var name = Api.Unique("tz");
        await fixture.UsersAsync(name);
        var t = Now.AddMinutes(30);
        var withOffset = t.AddHours(2).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture) + "+02:00";
        (await Admin.PostApiAsync($"hub/api/users/{name}/activity", new { last_activity = withOffset })).Is(200);
        Assert.Equal(Iso(t), await LastActivityAsync(name));
    }

    [Theory]
    [InlineData("{\"last_activity\": \"not a time\"}")]
    [InlineData("{\"last_activity\": 12}")]
    [InlineData("{\"last_activity\": true}")]
    [InlineData("{}")]
    [InlineData("[]")]
    [InlineData("\"2024-01-01T00:00:00Z\"")]
    [InlineData("{\"servers\": []}")]
    [InlineData("{\"servers\": {}}")]
    [InlineData("{\"last_activity\": null}")]
    [InlineData("{\"servers\": {\"\": 5}}")]
    [InlineData("{\"servers\": {\"\": {}}}")]
    [InlineData("{\"servers\": {\"nope\": {\"last_activity\": \"2024-01-01T00:00:00Z\"}}}")]
    [InlineData("{\"last_activity\": \"2024-01-01T00:00:00Z\", \"servers\": {\"nope\": {\"last_activity\": \"2024-01-01T00:00:00Z\"}}}")]
    [InlineData("{nope")]
    public async Task Activity_rejects_bad_bodies_with_400(string body)
    {
        var name = Api.Unique("badact");
        await fixture.UsersAsync(name);
        (await Admin.PostApiAsync($"hub/api/users/{name}/activity", body)).Is(400);
        Assert.Null(await LastActivityAsync(name));
    }

    [Fact]
    public async Task Activity_more_than_an_hour_ahead_is_rejected()
    {
        var name = Api.Unique("future");
        await fixture.UsersAsync(name);
        var r = (await Admin.PostApiAsync($"hub/api/users/{name}/activity", new { last_activity = Iso(Now.AddHours(2)) })).Is(400);
        Assert.Contains("future", r.Message());
        Assert.Null(await LastActivityAsync(name));
        (await Admin.PostApiAsync($"hub/api/users/{Api.Unique("ghost")}/activity", new { last_activity = Iso(Now) })).Is(404);
    }

    private async Task<string?> LastActivityAsync(string name)
    {
        var v = (await Admin.GetApiAsync($"hub/api/users/{name}")).Is(200).Root.GetProperty("last_activity");
        return v.ValueKind == JsonValueKind.Null ? null : v.GetString();
    }

    // ---- tokens ----------------------------------------------------------------------------------------

    [Fact]
    public async Task A_client_without_a_token_gets_one_with_its_password_in_the_body_as_in_JupyterHub()
    {
        var name = Api.Unique("pw");
        var other = Api.Unique("pw");
        await Hub.SetPasswordAsync(name, "a long enough password");
        await Hub.SetPasswordAsync(other, "another long password");
        var anonymous = Hub.Client();
        object Auth(string user, string password) => new { auth = new { username = user, password }, note = "by password", expires_in = 600 };

        // Refusals are a bare 403 whatever the cause (JupyterHub turns every authentication error into one).
        (await anonymous.PostApiAsync($"hub/api/users/{name}/tokens")).Is(403);
        (await anonymous.PostApiAsync($"hub/api/users/{name}/tokens", Auth(name, "not the password"))).Is(403);
        (await anonymous.PostApiAsync($"hub/api/users/{name}/tokens", new { auth = new { username = name, password = 7 } })).Is(403);
        (await anonymous.PostApiAsync($"hub/api/users/{name}/tokens", Auth(Api.Unique("nobody"), "a long enough password"))).Is(403);
        // The password proves who the caller is, not a right to another user's tokens.
        (await anonymous.PostApiAsync($"hub/api/users/{other}/tokens", Auth(name, "a long enough password"))).Is(403);

        var created = (await anonymous.PostApiAsync($"hub/api/users/{name}/tokens", Auth(name, "a long enough password"))).Is(201).Root;
        Assert.Equal(name, created.GetProperty("user").GetString());
        Assert.Equal("by password", created.GetProperty("note").GetString());
        var me = (await Hub.Client(created.GetProperty("token").GetString()!).GetApiAsync("hub/api/user")).Is(200).Root;
        Assert.Equal(name, me.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Token_lifecycle_and_the_secret_is_shown_once()
    {
        var name = Api.Unique("tok");
        var own = await Hub.TokenForAsync(name);
        var client = Hub.Client(own);
        var created = (await client.PostApiAsync($"hub/api/users/{name}/tokens",
            new { expires_in = 3600, note = "for a test", scopes = new[] { $"read:users!user={name}" } })).Is(201).Root;
        Api.HasKeys(created, [.. TokenModelKeys, "token"]);
        var secret = created.GetProperty("token").GetString()!;
        Assert.Matches("^[0-9a-f]{32}$", secret);
        var id = created.GetProperty("id").GetString()!;
        Assert.Matches("^a[0-9]+$", id);
        Assert.Equal("api_token", created.GetProperty("kind").GetString());
        Assert.Equal(name, created.GetProperty("user").GetString());
        Assert.Equal("for a test", created.GetProperty("note").GetString());
        Assert.Empty(created.GetProperty("roles").Strings());
        Assert.Contains($"read:users!user={name}", created.GetProperty("scopes").Strings());
        Assert.Contains($"read:users:name!user={name}", created.GetProperty("scopes").Strings());
        Assert.DoesNotContain($"tokens!user={name}", created.GetProperty("scopes").Strings());
        var expires = DateTime.Parse(created.GetProperty("expires_at").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
        Assert.InRange(expires, Now.AddMinutes(55), Now.AddMinutes(65));
        Api.IsTimestampOrNull(created.GetProperty("created"));

        var one = (await client.GetApiAsync($"hub/api/users/{name}/tokens/{id}")).Is(200);
        Api.HasKeys(one.Root, TokenModelKeys);
        Assert.DoesNotContain(secret, one.Body);
        var list = (await client.GetApiAsync($"hub/api/users/{name}/tokens")).Is(200);
        Api.HasKeys(list.Root, "api_tokens");
        Assert.Contains(id, list.Root.GetProperty("api_tokens").EnumerateArray().Select(t => t.GetProperty("id").GetString()));
        Assert.DoesNotContain(secret, list.Body);
        Assert.DoesNotContain(own, list.Body);

        // The new token works, within its scopes only.
        var narrow = Hub.Client(secret);
        (await narrow.GetApiAsync($"hub/api/users/{name}")).Is(200);
        (await narrow.GetApiAsync($"hub/api/users/{name}/tokens")).Is(403);

        (await client.DeleteApiAsync($"hub/api/users/{name}/tokens/{id}")).Is(204);
        // Revoked: refused at once, though it was just used (and cached).
        (await narrow.GetApiAsync($"hub/api/users/{name}")).Is(403);
        (await narrow.GetApiAsync("hub/api/user")).Is(403);
        (await client.GetApiAsync($"hub/api/users/{name}/tokens/{id}")).Is(404);
        (await client.DeleteApiAsync($"hub/api/users/{name}/tokens/{id}")).Is(404);
    }

    [Fact]
    public async Task Token_defaults_inherit_the_owner_and_have_a_default_note()
    {
        var name = Api.Unique("inh");
        var own = await Hub.TokenForAsync(name);
        var created = (await Hub.Client(own).PostApiAsync($"hub/api/users/{name}/tokens")).Is(201).Root;
        Assert.Equal(JsonValueKind.Null, created.GetProperty("expires_at").ValueKind);
        Assert.Equal("Requested via api", created.GetProperty("note").GetString());
        var byAdmin = (await Admin.PostApiAsync($"hub/api/users/{name}/tokens", new { })).Is(201).Root;
        Assert.Equal("Requested via api by user admin", byAdmin.GetProperty("note").GetString());
        var me = (await Hub.Client(created.GetProperty("token").GetString()).GetApiAsync("hub/api/user")).Is(200).Root;
        Assert.Contains($"tokens!user={name}", me.GetProperty("scopes").Strings());
        // The model shows what the token can do (JupyterHub's get_scopes_for), not the raw "inherit".
        Assert.Equal(me.GetProperty("scopes").Strings(), created.GetProperty("scopes").Strings());
        Assert.DoesNotContain("inherit", byAdmin.GetProperty("scopes").Strings());
    }

    [Theory]
    [InlineData("{\"expires_in\": \"soon\"}")]
    [InlineData("{\"expires_in\": -5}")]
    [InlineData("{\"expires_in\": 1.5}")]
    [InlineData("{\"note\": 7}")]
    [InlineData("{\"scopes\": \"read:users\"}")]
    [InlineData("{\"scopes\": [1]}")]
    [InlineData("{\"scopes\": [\"no-such-scope\"]}")]
    [InlineData("{\"scopes\": [\"read:users!kind=x\"]}")]
    [InlineData("{\"roles\": [\"no-such-role\"]}")]
    [InlineData("{\"scopes\": [], \"roles\": []}")]
    [InlineData("{\"surprise\": 1}")]
    [InlineData("[1, 2]")]
    [InlineData("{\"scopes\": [\"admin:users\"]}")]
    public async Task Token_requests_with_bad_fields_are_400_and_create_nothing(string body)
    {
        var name = Api.Unique("badtok");
        var own = await Hub.TokenForAsync(name);
        var client = Hub.Client(own);
        var before = (await client.GetApiAsync($"hub/api/users/{name}/tokens")).Root.GetProperty("api_tokens").GetArrayLength();
        (await client.PostApiAsync($"hub/api/users/{name}/tokens", body)).Is(400);
        Assert.Equal(before, (await client.GetApiAsync($"hub/api/users/{name}/tokens")).Root.GetProperty("api_tokens").GetArrayLength());
    }

    [Fact]
    public async Task Token_ids_that_name_nothing_are_404()
    {
        var name = Api.Unique("tid");
        var own = await Hub.TokenForAsync(name);
        var client = Hub.Client(own);
        foreach (var id in new[] { "a999999", "x1", "a", "abc", "1", "a-1" })
        {
            (await client.GetApiAsync($"hub/api/users/{name}/tokens/{id}")).Is(404);
        }
        // Another user's token id is not found through this user.
        var otherName = Api.Unique("tid");
        await Hub.TokenForAsync(otherName);
        var other = (await Admin.GetApiAsync($"hub/api/users/{otherName}/tokens")).Root.GetProperty("api_tokens")[0].GetProperty("id").GetString();
        (await Admin.GetApiAsync($"hub/api/users/{name}/tokens/{other}")).Is(404);
        (await Admin.DeleteApiAsync($"hub/api/users/{name}/tokens/{other}")).Is(404);
    }

    // ---- groups ----------------------------------------------------------------------------------------

    [Fact]
    public async Task Group_lifecycle()
    {
        var u1 = Api.Unique("gm");
        var u2 = Api.Unique("gm");
        await fixture.UsersAsync(u1, u2);
        var g = Api.Unique("grp");
        var created = (await Admin.PostApiAsync($"hub/api/groups/{g}", new { users = new[] { u1 } })).Is(201).Root;
        Api.HasKeys(created, "kind", "name", "users", "properties", "roles");
        Assert.Equal("group", created.GetProperty("kind").GetString());
        Assert.Equal([u1], created.GetProperty("users").Strings());
        Assert.Equal(JsonValueKind.Object, created.GetProperty("properties").ValueKind);
        (await Admin.PostApiAsync($"hub/api/groups/{g}")).Is(409);

        // Member names are normalized as user names are.
        var added = (await Admin.PostApiAsync($"hub/api/groups/{g}/users", new { users = new[] { u2.ToUpperInvariant(), u1 } })).Is(200).Root;
        Assert.Equal(new[] { u1, u2 }.Order(StringComparer.Ordinal), added.GetProperty("users").Strings());
        Assert.Contains(g, (await Admin.GetApiAsync($"hub/api/users/{u2}")).Root.GetProperty("groups").Strings());
        var removed = (await Admin.DeleteApiAsync($"hub/api/groups/{g}/users", new { users = new[] { u1 } })).Is(200).Root;
        Assert.Equal([u2], removed.GetProperty("users").Strings());
        (await Admin.PostApiAsync($"hub/api/groups/{g}/users", new { users = new[] { Api.Unique("ghost") } })).Is(400);
        (await Admin.PostApiAsync($"hub/api/groups/{g}/users", new { })).Is(400);
        Assert.Equal([u2], (await Admin.GetApiAsync($"hub/api/groups/{g}")).Is(200).Root.GetProperty("users").Strings());

        var props = (await Admin.PutApiAsync($"hub/api/groups/{g}/properties", new { course = "ds101", seats = 30, nested = new { a = new[] { 1, 2 } } })).Is(200).Root;
        Assert.Equal("ds101", props.GetProperty("properties").GetProperty("course").GetString());
        Assert.Equal(30, props.GetProperty("properties").GetProperty("seats").GetInt32());
        (await Admin.PutApiAsync($"hub/api/groups/{g}/properties", "[1]")).Is(400);
        (await Admin.PutApiAsync($"hub/api/groups/{g}/properties", "\"x\"")).Is(400);
        var replaced = (await Admin.PutApiAsync($"hub/api/groups/{g}/properties", new { only = true })).Is(200).Root;
        Api.HasKeys(replaced.GetProperty("properties"), "only");

        (await Admin.DeleteApiAsync($"hub/api/groups/{g}")).Is(204);
        (await Admin.GetApiAsync($"hub/api/groups/{g}")).Is(404);
        (await Admin.DeleteApiAsync($"hub/api/groups/{g}")).Is(404);
        (await Admin.PutApiAsync($"hub/api/groups/{g}/properties", new { })).Is(404);
        (await Admin.PostApiAsync($"hub/api/groups/{g}/users", new { users = new[] { u1 } })).Is(404);
        Assert.DoesNotContain(g, (await Admin.GetApiAsync($"hub/api/users/{u2}")).Root.GetProperty("groups").Strings());
    }

    [Fact]
    public async Task Create_many_groups_and_list_them()
    {
        var member = Api.Unique("lm");
        await fixture.UsersAsync(member);
        var a = Api.Unique("ga");
        var b = Api.Unique("gb");
        var created = (await Admin.PostApiAsync("hub/api/groups", new { groups = new[] { a, b }, users = new[] { member } })).Is(201).Root;
        Assert.Equal([a, b], created.Names());
        Assert.All(created.EnumerateArray(), g => Assert.Equal([member], g.GetProperty("users").Strings()));
        (await Admin.PostApiAsync("hub/api/groups", new { groups = new[] { Api.Unique("gc"), a } })).Is(409);
        var c = Api.Unique("gc");
        (await Admin.PostApiAsync("hub/api/groups", new { groups = new[] { c }, users = new[] { Api.Unique("ghost") } })).Is(400);
        (await Admin.PostApiAsync("hub/api/groups", new { groups = new[] { c, "bad name" } })).Is(400);
        (await Admin.GetApiAsync($"hub/api/groups/{c}")).Is(404);
        (await Admin.PostApiAsync("hub/api/groups", new { groups = Array.Empty<string>() })).Is(400);

        var bare = (await Admin.GetApiAsync("hub/api/groups")).Is(200).Root;
        Assert.Equal(JsonValueKind.Array, bare.ValueKind);
        Assert.Contains(a, bare.Names());
        var page = (await Admin.GetApiAsync("hub/api/groups?limit=1", Paging)).Is(200).Root;
        Assert.Equal(1, page.GetProperty("items").GetArrayLength());
        Assert.True(page.GetProperty("_pagination").GetProperty("total").GetInt32() >= 2);
    }

    // ---- services --------------------------------------------------------------------------------------

    [Fact]
    public async Task Services_list_is_an_object_keyed_by_name()
    {
        var r = (await Admin.GetApiAsync("hub/api/services")).Is(200).Root;
        Assert.Equal(JsonValueKind.Object, r.ValueKind);
        Assert.Equal(["culler", "lonely"], r.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        var culler = r.GetProperty("culler");
        Assert.Equal("service", culler.GetProperty("kind").GetString());
        Assert.Equal("culler", culler.GetProperty("name").GetString());
        Assert.False(culler.GetProperty("admin").GetBoolean());
        Assert.Equal(["idle-culler"], culler.GetProperty("roles").Strings());
        Assert.Equal("http://127.0.0.1:10101", culler.GetProperty("url").GetString());
        Assert.Equal("/services/culler/", culler.GetProperty("prefix").GetString());
        Assert.Equal(JsonValueKind.Array, culler.GetProperty("command").ValueKind);
        Assert.Equal("culling", culler.GetProperty("info").GetProperty("purpose").GetString());
        Assert.Contains("pid", culler.EnumerateObject().Select(p => p.Name));
        Assert.Empty(r.GetProperty("lonely").GetProperty("roles").Strings());

        var one = (await Admin.GetApiAsync("hub/api/services/culler")).Is(200).Root;
        Assert.Equal(culler.GetRawText(), one.GetRawText());
        (await Admin.GetApiAsync("hub/api/services/nope")).Is(404);
        (await Hub.Client(await Hub.TokenForAsync(Api.Unique("svc"))).GetApiAsync("hub/api/services")).Is(403);
    }

    // ---- errors ----------------------------------------------------------------------------------------

    [Fact]
    public async Task Oversized_and_malformed_bodies_are_json_4xx()
    {
        var huge = new string('x', 2 * 1024 * 1024);
        // Expect: 100-continue lets the hub refuse on Content-Length before the body is sent; without it the
        // client may still be writing when the refused connection closes (a broken pipe, not an answer).
        using var request = new HttpRequestMessage(HttpMethod.Post, "hub/api/users")
        {
            Content = new StringContent("{\"usernames\": [\"" + huge + "\"]}", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.ExpectContinue = true;
        using var response = await Admin.SendAsync(request, Api.Ct);
        Assert.Equal(413, (int)response.StatusCode);
        var error = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(Api.Ct)).RootElement;
        Assert.Equal(413, error.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        (await Admin.PostApiAsync("hub/api/users", "{\"usernames\": [")).Is(400);
        (await Admin.PostApiAsync("hub/api/users", new byte[] { (byte)'{', 0xff, 0xfe, (byte)'}' })).Is(400);
        (await Admin.PostApiAsync("hub/api/users", new string('[', 5000) + new string(']', 5000))).Is(400);
    }

    [Fact]
    public async Task Authorization_header_variants_that_carry_no_token_are_anonymous()
    {
        foreach (var header in new[] { "token", "token ", "bearer  ", "Basic abc", "tokenabc" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "hub/api/user");
            request.Headers.TryAddWithoutValidation("Authorization", header);
            using var client = new HttpClient { BaseAddress = Hub.Address };
            using var response = await client.SendAsync(request, Api.Ct);
            Assert.Equal(403, (int)response.StatusCode);
        }
    }
}
