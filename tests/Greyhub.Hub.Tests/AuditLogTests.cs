using System.Text.Json;
using Greyhub.Data;
using Greyhub.Data.Stores;
using Greyhub.Hub.Audit;
using Greyhub.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Greyhub.Hub.Tests;

/// <summary>A hub whose servers are a stand-in single-user command (a Python HTTP server answering 200), for audit tests.</summary>
public sealed class AuditHub : IAsyncLifetime
{
    public const string CullerToken = "audit-culler-token-0123456789abcdef";

    public HubInstance Hub { get; private set; } = null!;

    public HttpClient Admin { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Hub = await HubInstance.StartAsync([.. StandInSingleUser.Config(),
            "Greyhub:Services:0:Name=cull-idle", "Greyhub:Services:0:ApiToken=" + CullerToken,
            "Greyhub:Roles:0:Name=idle-culler", "Greyhub:Roles:0:Scopes:0=list:users", "Greyhub:Roles:0:Scopes:1=read:servers",
            "Greyhub:Roles:0:Scopes:2=delete:servers", "Greyhub:Roles:0:Services:0=cull-idle"]);
        Admin = Hub.Client(Hub.AdminToken);
    }

    public async ValueTask DisposeAsync() => await Hub.DisposeAsync();
}

/// <summary>
/// The audit log end to end: each audited action leaves its entry (who, what, to whom, from where), entries are read
/// through an admin-only API, paged, filtered and exported as JSON lines.
/// </summary>
public sealed class AuditLogTests(AuditHub fixture) : IClassFixture<AuditHub>
{
    private HubInstance Hub => fixture.Hub;

    private HttpClient Admin => fixture.Admin;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Logins_record_success_and_failure_with_the_users_name_and_the_address_and_no_other_text_tried()
    {
        var user = Api.Unique("login");
        await Hub.SetPasswordAsync(user, "right-password-123");
        using var browser = new Browser(Hub);
        var xsrf = Browser.XsrfOf((await browser.GetAsync("hub/login")).Body);
        Assert.Equal(403, (await browser.PostFormAsync("hub/login", ("username", user), ("password", "wrong"), ("_xsrf", xsrf))).Status);
        await browser.LoginAsync(user, "right-password-123");

        var failure = await EntryAsync($"user={user}&action=login.failure");
        Assert.Equal("anonymous", failure.GetProperty("actor_kind").GetString());
        Assert.Equal("127.0.0.1", failure.GetProperty("address").GetString());
        var success = await EntryAsync($"user={user}&action=login.success");
        Assert.Equal(("user", user), (success.GetProperty("actor_kind").GetString(), success.GetProperty("actor").GetString()));
        Assert.Equal("127.0.0.1", success.GetProperty("address").GetString());
        Api.HasKeys(success, "id", "timestamp", "action", "actor_kind", "actor", "user", "target", "address", "detail");

        // A name that is no user's is often a password typed into the wrong box: the entry says so and keeps no trace of it.
        var typo = Api.Unique("hunter2-typed-here");
        Assert.Equal(403, (await browser.PostFormAsync("hub/login", ("username", typo), ("password", "x"), ("_xsrf", xsrf))).Status);
        var unknown = await EntryAsync("action=login.failure", e => e.GetProperty("detail").GetString()!.Contains("not a user's name", StringComparison.Ordinal));
        Assert.Equal(JsonValueKind.Null, unknown.GetProperty("user").ValueKind);
        using var export = await Admin.GetAsync("hub/api/audit?format=jsonl", Ct);
        Assert.DoesNotContain(typo, await export.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_creation_and_revocation_are_recorded_with_who_did_them()
    {
        var user = Api.Unique("tok");
        using var own = Hub.Client(await Hub.TokenForAsync(user));
        var created = (await own.PostApiAsync($"hub/api/users/{user}/tokens", new { note = "audit", scopes = new[] { "read:users!user" } })).Is(201).Root;
        var id = created.GetProperty("id").GetString()!;
        (await Admin.DeleteApiAsync($"hub/api/users/{user}/tokens/{id}")).Is(204);

        var create = await EntryAsync($"user={user}&action=token.create", e => e.GetProperty("target").GetString() == id);
        Assert.Equal(("user", user), (create.GetProperty("actor_kind").GetString(), create.GetProperty("actor").GetString()));
        Assert.Contains("read:users!user", create.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var revoke = await EntryAsync($"user={user}&action=token.revoke", e => e.GetProperty("target").GetString() == id);
        Assert.Equal(("admin", "admin"), (revoke.GetProperty("actor_kind").GetString(), revoke.GetProperty("actor").GetString()));
    }

    [Fact]
    public async Task Admin_actions_on_users_groups_and_shares_are_recorded()
    {
        var user = Api.Unique("adm");
        var renamed = user + "-new";
        var group = Api.Unique("grp");
        (await Admin.PostApiAsync($"hub/api/users/{user}", null)).Is(201);
        (await Admin.PatchApiAsync($"hub/api/users/{user}", new { admin = true })).Is(200);
        (await Admin.PatchApiAsync($"hub/api/users/{user}", new { name = renamed })).Is(200);
        (await Admin.PostApiAsync($"hub/api/groups/{group}", new { users = new[] { renamed } })).Is(201);
        (await Admin.DeleteApiAsync($"hub/api/groups/{group}/users", new { users = new[] { renamed } })).Is(200);
        (await Admin.PutApiAsync($"hub/api/groups/{group}/properties", new { course = "x" })).Is(200);
        (await Admin.PostApiAsync($"hub/api/shares/{renamed}/", new { group })).Is(200);
        (await Admin.DeleteApiAsync($"hub/api/shares/{renamed}/")).Is(204);
        (await Admin.DeleteApiAsync($"hub/api/groups/{group}")).Is(204);
        (await Admin.DeleteApiAsync($"hub/api/users/{renamed}")).Is(204);

        Assert.Equal("admin", (await EntryAsync($"user={user}&action=user.create")).GetProperty("actor_kind").GetString());
        Assert.Equal("granted", (await EntryAsync($"user={user}&action=user.admin")).GetProperty("detail").GetString());
        Assert.Equal($"renamed from {user}", (await EntryAsync($"user={renamed}&action=user.rename")).GetProperty("detail").GetString());
        Assert.Equal(group, (await EntryAsync($"user={renamed}&action=group.members.add")).GetProperty("target").GetString());
        Assert.Equal(group, (await EntryAsync($"user={renamed}&action=group.members.remove")).GetProperty("target").GetString());
        Assert.Contains($"group {group}", (await EntryAsync($"user={renamed}&action=share.grant")).GetProperty("detail").GetString(), StringComparison.Ordinal);
        await EntryAsync($"user={renamed}&action=share.revoke");
        await EntryAsync($"user={renamed}&action=user.delete");
        var groupEntries = await ListAsync("action=group.&user=admin&limit=200");
        Assert.Contains(groupEntries, e => e.GetProperty("action").GetString() == "group.create" && e.GetProperty("target").GetString() == group);
        Assert.Contains(groupEntries, e => e.GetProperty("action").GetString() == "group.properties" && e.GetProperty("target").GetString() == group);
        Assert.Contains(groupEntries, e => e.GetProperty("action").GetString() == "group.delete" && e.GetProperty("target").GetString() == group);
    }

    [Fact]
    public async Task Server_starts_and_stops_record_the_user_the_admin_or_the_service_that_caused_them()
    {
        var user = Api.Unique("srv");
        using var own = Hub.Client(await Hub.TokenForAsync(user));
        using var culler = Hub.Client(AuditHub.CullerToken);
        await StartAsync(own, $"hub/api/users/{user}/server");
        (await culler.DeleteApiAsync($"hub/api/users/{user}/server")).Is(204);
        await StartAsync(Admin, $"hub/api/users/{user}/servers/two");
        (await Admin.DeleteApiAsync($"hub/api/users/{user}/servers/two", new { remove = true })).Is(204);

        var starts = await ListAsync($"user={user}&action=server.start", atLeast: 2);
        Assert.Contains(starts, e => e.GetProperty("target").GetString() == "" && e.GetProperty("actor_kind").GetString() == "user" && e.GetProperty("actor").GetString() == user);
        Assert.Contains(starts, e => e.GetProperty("target").GetString() == "two" && e.GetProperty("actor_kind").GetString() == "admin");
        var stops = await ListAsync($"user={user}&action=server.stop", atLeast: 2);
        Assert.Contains(stops, e => e.GetProperty("target").GetString() == "" && e.GetProperty("actor_kind").GetString() == "service" && e.GetProperty("actor").GetString() == "cull-idle");
        Assert.Contains(stops, e => e.GetProperty("target").GetString() == "two" && e.GetProperty("actor_kind").GetString() == "admin" && e.GetProperty("detail").GetString() == "removed");
    }

    [Fact]
    public async Task A_failed_start_is_recorded_as_caused_by_failure()
    {
        await using var hub = await HubInstance.StartAsync("Greyhub:Spawner:Command:0=/bin/false", "Greyhub:Servers:HttpTimeout=00:00:05");
        using var admin = hub.Client(hub.AdminToken);
        var user = Api.Unique("fail");
        (await admin.PostApiAsync($"hub/api/users/{user}", null)).Is(201);
        var answer = await admin.PostApiAsync($"hub/api/users/{user}/server");
        Assert.True(answer.Code is 202 or 500, answer.Body);

        var stop = await EntryAsync(admin, $"user={user}&action=server.stop");
        Assert.Equal("failure", stop.GetProperty("actor_kind").GetString());
        Assert.StartsWith("Its start failed", stop.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_admins_read_the_log_and_a_user_cannot_get_read_audit_into_a_token()
    {
        var user = Api.Unique("nosy");
        using var own = Hub.Client(await Hub.TokenForAsync(user));
        (await own.GetApiAsync("hub/api/audit")).Is(403);
        (await own.GetApiAsync("hub/api/audit?format=jsonl")).Is(403);
        // As for any scope the owner does not hold (JupyterHub's 400).
        Assert.Contains("read:audit", (await own.PostApiAsync($"hub/api/users/{user}/tokens", new { scopes = new[] { "read:audit" } })).Is(400).Message(), StringComparison.Ordinal);
        using var anonymous = Hub.Client();
        Assert.NotEqual(200, (await anonymous.GetApiAsync("hub/api/audit")).Code);
        // Not an admin-ui sub-scope: an admin-ui-only token sees nothing either.
        using var adminUi = Hub.Client(await Hub.ScopedTokenAsync("admin", "admin-ui"));
        (await adminUi.GetApiAsync("hub/api/audit")).Is(403);

        Assert.Contains("read:audit", (await Admin.GetApiAsync("hub/api/user")).Is(200).Root.GetProperty("scopes").Strings());
        using var reader = Hub.Client(await Hub.ScopedTokenAsync("admin", "read:audit"));
        (await reader.GetApiAsync("hub/api/audit")).Is(200);
        // The users API is no way around it: no user model carries audit entries.
        Assert.DoesNotContain("audit", (await own.GetApiAsync($"hub/api/users/{user}")).Is(200).Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_log_pages_filters_by_time_and_action_family_and_exports_json_lines()
    {
        var user = Api.Unique("page");
        (await Admin.PostApiAsync($"hub/api/users/{user}", null)).Is(201);
        for (var i = 0; i < 3; i++)
        {
            (await Admin.PatchApiAsync($"hub/api/users/{user}", new { admin = i % 2 == 0 })).Is(200);
        }
        var all = await ListAsync($"user={user}", atLeast: 4);
        Assert.Equal(4, all.Count);
        // Newest first.
        Assert.Equal("user.create", all[^1].GetProperty("action").GetString());
        Assert.True(all[0].GetProperty("id").GetInt64() > all[^1].GetProperty("id").GetInt64());

        var paged = (await Admin.GetApiAsync($"hub/api/audit?user={user}&limit=2", Http.Paging.MediaType)).Is(200).Root;
        Assert.Equal(2, paged.GetProperty("items").GetArrayLength());
        Assert.Equal(4, paged.GetProperty("_pagination").GetProperty("total").GetInt32());
        Assert.Equal(2, paged.GetProperty("_pagination").GetProperty("next").GetProperty("offset").GetInt32());
        Assert.Equal(3, (await ListAsync($"user={user}&action=user.")).Count(e => e.GetProperty("action").GetString() == "user.admin"));
        Assert.Single(await ListAsync($"user={user}&action=user.create"));
        var since = all[0].GetProperty("timestamp").GetString()!;
        Assert.All(await ListAsync($"user={user}&since={Uri.EscapeDataString(since)}"), e => Assert.True(string.CompareOrdinal(e.GetProperty("timestamp").GetString(), since) >= 0));
        Assert.Empty(await ListAsync($"user={user}&since=2999-01-01T00:00:00Z"));

        foreach (var (query, accept) in new[] { ($"user={user}&format=jsonl", (string?)null), ($"user={user}", AuditApi.JsonLines) })
        {
            var export = (await Admin.GetApiAsync("hub/api/audit?" + query, accept)).Is(200);
            Assert.Equal(AuditApi.JsonLines, export.ContentType);
            var lines = export.Body.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(4, lines.Length);
            // Oldest first, one object a line.
            Assert.Equal("user.create", JsonDocument.Parse(lines[0]).RootElement.GetProperty("action").GetString());
        }

        Api.AssertErrorShape((await Admin.GetApiAsync("hub/api/audit?since=yesterday")).Is(400));
        Api.AssertErrorShape((await Admin.GetApiAsync("hub/api/audit?format=xml")).Is(400));
        Api.AssertErrorShape((await Admin.GetApiAsync("hub/api/audit?limit=many")).Is(400));
    }

    /// <summary>Starts a server and waits until it is ready (201, or 202 then the progress stream's end).</summary>
    private static async Task StartAsync(HttpClient client, string path)
    {
        var answer = await client.PostApiAsync(path);
        Assert.True(answer.Code is 201 or 202, answer.Body);
        if (answer.Code == 202)
        {
            var progress = await client.GetStringAsync(path.TrimEnd('/') + "/progress", Ct);
            Assert.Contains("\"ready\": true", progress, StringComparison.Ordinal);
        }
    }

    private Task<JsonElement> EntryAsync(string query, Func<JsonElement, bool>? match = null) => EntryAsync(Admin, query, match);

    /// <summary>The newest entry matching, once written (entries are written in the background, within moments).</summary>
    private static async Task<JsonElement> EntryAsync(HttpClient admin, string query, Func<JsonElement, bool>? match = null)
    {
        var found = await ListAsync(admin, query, 1, match);
        return found.First(e => match?.Invoke(e) ?? true);
    }

    private Task<IReadOnlyList<JsonElement>> ListAsync(string query, int atLeast = 0) => ListAsync(Admin, query, atLeast, null);

    private static async Task<IReadOnlyList<JsonElement>> ListAsync(HttpClient admin, string query, int atLeast, Func<JsonElement, bool>? match)
    {
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        patience.CancelAfter(TimeSpan.FromSeconds(30));
        while (true)
        {
            var list = (await admin.GetApiAsync("hub/api/audit?" + query)).Is(200).Root.EnumerateArray().ToList();
            if (list.Count(e => match?.Invoke(e) ?? true) >= atLeast)
            {
                return list;
            }
            await Task.Delay(20, patience.Token);
        }
    }
}

/// <summary>The audit log's writer and pruning, in a hub of their own: nothing queued is lost at a clean stop; old entries go.</summary>
public sealed class AuditRetentionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Entries_still_queued_when_the_hub_stops_cleanly_are_written()
    {
        var dataDir = Directory.CreateTempSubdirectory("greyhub-audit-").FullName;
        const int Count = 5000;
        var hub = await HubInstance.StartInAsync(dataDir);
        try
        {
            var log = hub.Services.GetRequiredService<AuditLog>();
            for (var i = 0; i < Count; i++)
            {
                log.Record("test.burst", AuditActor.Hub, "burst", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            await hub.StopAsync(keepData: true);
            hub = await HubInstance.StartInAsync(dataDir);
            await using var scope = hub.Services.CreateAsyncScope();
            var page = await scope.ServiceProvider.GetRequiredService<AuditStore>().ListAsync(new AuditQuery("burst", "test.burst", null), 0, 1, Ct);
            Assert.Equal(Count, page.Total);
        }
        finally
        {
            await hub.DisposeAsync();
        }
    }

    [Fact]
    public async Task Pruning_on_the_clock_removes_entries_older_than_the_retention_only()
    {
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var hub = await HubInstance.StartWithAsync(b => b.Services.AddSingleton<TimeProvider>(time), null,
            "Greyhub:Audit:Retention=30.00:00:00", "Greyhub:Audit:PruneInterval=01:00:00");
        var now = time.GetUtcNow().UtcDateTime;
        await using (var scope = hub.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<AuditStore>().AddAsync(
            [
                new AuditRecord(0, now.AddDays(-31), "test.old", "hub", null, "prune", null, null, null),
                new AuditRecord(0, now.AddDays(-29), "test.young", "hub", null, "prune", null, null, null),
            ], Ct);
        }

        time.Advance(TimeSpan.FromHours(1));
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        patience.CancelAfter(TimeSpan.FromSeconds(30));
        IReadOnlyList<AuditRecord> left;
        while (true)
        {
            await using var scope = hub.Services.CreateAsyncScope();
            left = (await scope.ServiceProvider.GetRequiredService<AuditStore>().ListAsync(new AuditQuery("prune", null, null), 0, 10, Ct)).Items;
            if (left.Count < 2)
            {
                break;
            }
            await Task.Delay(20, patience.Token);
        }
        Assert.Equal("test.young", Assert.Single(left).Action);
    }

    [Fact]
    public async Task Bad_audit_settings_stop_the_start_naming_each()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => HubInstance.StartAsync("Greyhub:Audit:Retention=-1.00:00:00", "Greyhub:Audit:QueueCapacity=0"));
        Assert.Contains("Greyhub:Audit:Retention", error.Message, StringComparison.Ordinal);
        Assert.Contains("Greyhub:Audit:QueueCapacity", error.Message, StringComparison.Ordinal);
    }
}
