using System.Net.Sockets;
using Greyhub.Hub.Culling;
using Microsoft.Extensions.DependencyInjection;

namespace Greyhub.Hub.Tests;

/// <summary>
/// The built-in idle culler on a fake clock, against a real hub whose servers are real (stand-in) processes: idle
/// servers stopped, active ones spared, per-group policies, max age, user culling that spares admins, named server
/// removal; each cull audited as the culler's, counted by reason and explained to the owner.
/// </summary>
public sealed class CullingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_idle_server_is_stopped_and_an_active_one_spared_and_the_owner_reads_why()
    {
        await using var hub = await CulledHub.StartAsync(["Greyhub:Culler:Timeout=01:00:00"]);
        var idle = Api.Unique("idle");
        var busy = Api.Unique("busy");
        await hub.Hub.SetPasswordAsync(idle, "idle-password-1");
        await hub.StartServerAsync(idle);
        await hub.StartServerAsync(busy);
        var idleUrl = new Uri((await hub.RowAsync(idle))!.Url!);

        await hub.AdvanceAsync(TimeSpan.FromMinutes(50));
        Assert.False(await hub.IsStoppedAsync(idle), "50 minutes idle is under the 1 h timeout");
        await hub.ReportActivityAsync(busy);
        await hub.AdvanceAsync(TimeSpan.FromMinutes(20));

        var stopped = (await hub.RowAsync(idle))!;
        Assert.Equal("stopped", stopped.Phase);
        Assert.Equal("running", (await hub.RowAsync(busy))!.Phase);
        Assert.StartsWith("The idle culler stopped it after 1h without activity", stopped.StopReason, StringComparison.Ordinal);
        // The process is gone, not only the row: nothing answers where the server listened.
        using (var socket = new TcpClient())
        {
            await Assert.ThrowsAnyAsync<SocketException>(() => socket.ConnectAsync(idleUrl.Host, idleUrl.Port, Ct).AsTask());
        }
        Assert.Null(await hub.ServerAsync(idle));

        var entry = Assert.Single(await hub.AuditAsync($"user={idle}&action=server.stop"));
        Assert.Equal("culler", entry.GetProperty("actor_kind").GetString());
        Assert.StartsWith("idle for 1h (timeout 1h)", entry.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, hub.Culls("idle"));
        Assert.Equal(0, hub.Culls("max_age"));
        var metrics = (await hub.Admin.GetApiAsync("hub/metrics")).Is(200).Body;
        Assert.Contains("greyhub_culler_culls_total{reason=\"idle\"} 1", metrics, StringComparison.Ordinal);

        using var browser = new Browser(hub.Hub);
        await browser.LoginAsync(idle, "idle-password-1");
        var home = await browser.GetAsync("hub/home");
        Assert.Contains("Your default server stopped: The idle culler stopped it after 1h without activity", home.Body, StringComparison.Ordinal);

        // The spared server is still running when the test ends: disposing the fixture stops it, and its process with it.
        var spared = hub.Started[1];
        Assert.True(spared.IsAlive, "the active server's process runs until the fixture stops it");
        await hub.DisposeAsync();
        Assert.False(spared.IsAlive, $"the spared server's process {spared.Pid} outlived the test");
        Assert.All(hub.Started, p => Assert.False(p.IsAlive, $"process {p.Pid} outlived the test"));
    }

    [Fact]
    public async Task Group_policies_apply_to_their_members_and_the_most_lenient_wins_for_a_member_of_several()
    {
        await using var hub = await CulledHub.StartAsync(["Greyhub:Culler:Timeout=01:00:00",
            "Greyhub:Culler:Groups:short:Timeout=00:30:00", "Greyhub:Culler:Groups:long:Timeout=03:00:00"]);
        var inShort = Api.Unique("short");
        var inLong = Api.Unique("long");
        var inBoth = Api.Unique("both");
        var inNone = Api.Unique("none");
        foreach (var user in new[] { inShort, inLong, inBoth, inNone })
        {
            await hub.StartServerAsync(user);
        }
        (await hub.Admin.PostApiAsync("hub/api/groups/short", new { users = new[] { inShort, inBoth } })).Is(201);
        (await hub.Admin.PostApiAsync("hub/api/groups/long", new { users = new[] { inLong, inBoth } })).Is(201);

        await hub.AdvanceAsync(TimeSpan.FromMinutes(40));
        Assert.True(await hub.IsStoppedAsync(inShort), "the short group's 30 min timeout");
        Assert.False(await hub.IsStoppedAsync(inNone), "the default 1 h timeout");
        Assert.False(await hub.IsStoppedAsync(inBoth), "in both groups: the long group's 3 h timeout wins");

        await hub.AdvanceAsync(TimeSpan.FromMinutes(30));
        Assert.True(await hub.IsStoppedAsync(inNone), "the default 1 h timeout");
        Assert.False(await hub.IsStoppedAsync(inLong));
        Assert.False(await hub.IsStoppedAsync(inBoth));

        await hub.AdvanceAsync(TimeSpan.FromMinutes(120));
        Assert.True(await hub.IsStoppedAsync(inLong));
        Assert.True(await hub.IsStoppedAsync(inBoth));
        Assert.Equal(4, hub.Culls("idle"));
    }

    [Fact]
    public async Task Max_age_stops_a_server_that_is_still_active()
    {
        await using var hub = await CulledHub.StartAsync(["Greyhub:Culler:Timeout=01:00:00", "Greyhub:Culler:MaxAge=02:05:00"]);
        var user = Api.Unique("old");
        await hub.StartServerAsync(user);
        for (var i = 0; i < 4; i++)
        {
            await hub.AdvanceAsync(TimeSpan.FromMinutes(30));
            Assert.False(await hub.IsStoppedAsync(user), $"active and {30 * (i + 1)} min old");
            await hub.ReportActivityAsync(user);
        }
        await hub.AdvanceAsync(TimeSpan.FromMinutes(10));

        var row = (await hub.RowAsync(user))!;
        Assert.Equal("stopped", row.Phase);
        Assert.StartsWith("The idle culler stopped it after 2h 10m running, longer than the 2h 5m allowed", row.StopReason, StringComparison.Ordinal);
        Assert.Equal(1, hub.Culls("max_age"));
        var entry = Assert.Single(await hub.AuditAsync($"user={user}&action=server.stop"));
        Assert.StartsWith("older than max age 2h 5m", entry.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cull_users_deletes_an_idle_user_with_no_server_left_but_never_an_admin()
    {
        await using var hub = await CulledHub.StartAsync(["Greyhub:Culler:Timeout=01:00:00", "Greyhub:Culler:CullUsers=true"]);
        var student = Api.Unique("student");
        var teacher = Api.Unique("teacher");
        await hub.StartServerAsync(student);
        (await hub.Admin.PostApiAsync($"hub/api/users/{teacher}", new { admin = true })).Is(201);
        await hub.StartServerAsync(teacher);

        await hub.AdvanceAsync(TimeSpan.FromMinutes(70));

        Assert.Equal(404, (await hub.Admin.GetApiAsync($"hub/api/users/{student}")).Code);
        var kept = (await hub.Admin.GetApiAsync($"hub/api/users/{teacher}")).Is(200).Root;
        Assert.True(kept.GetProperty("admin").GetBoolean());
        Assert.True(await hub.IsStoppedAsync(teacher), "an admin's server is culled; only the admin stays");
        var deleted = Assert.Single(await hub.AuditAsync($"user={student}&action=user.delete"));
        Assert.Equal("culler", deleted.GetProperty("actor_kind").GetString());
        Assert.Equal(1, hub.Hub.Services.GetRequiredService<Observability.HubMetrics>().CulledUsers.Value);
    }

    [Fact]
    public async Task Named_servers_are_removed_when_configured_and_default_servers_only_stopped()
    {
        await using var hub = await CulledHub.StartAsync(["Greyhub:Culler:Timeout=01:00:00", "Greyhub:Culler:RemoveNamedServers=true"]);
        var user = Api.Unique("named");
        await hub.StartServerAsync(user);
        await hub.StartServerAsync(user, "nb");

        await hub.AdvanceAsync(TimeSpan.FromMinutes(70));

        Assert.Null(await hub.RowAsync(user, "nb"));
        Assert.True(await hub.IsStoppedAsync(user));
        await CulledHub.UntilAsync(async () => (await hub.AuditAsync($"user={user}&action=server.stop")).Count == 2);
        Assert.Contains(await hub.AuditAsync($"user={user}&action=server.stop"),
            e => e.GetProperty("target").GetString() == "nb" && e.GetProperty("detail").GetString()!.EndsWith("; removed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Bad_culler_settings_stop_the_start_naming_each()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => HubInstance.StartAsync("Greyhub:Culler:Every=00:00:00",
            "Greyhub:Culler:Concurrency=0", "Greyhub:Culler:Groups:bad name:Timeout=-01:00:00", "Greyhub:Housekeeping:RenewInterval=00:01:00"));
        Assert.Contains("Greyhub:Culler:Every", error.Message, StringComparison.Ordinal);
        Assert.Contains("Greyhub:Culler:Concurrency", error.Message, StringComparison.Ordinal);
        Assert.Contains("'bad name'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Greyhub:Housekeeping:RenewInterval", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new string[0], 60, 0, true)]
    [InlineData(new[] { "short" }, 30, 0, true)]
    [InlineData(new[] { "short", "long" }, 180, 0, false)]
    [InlineData(new[] { "short", "forever" }, 0, 0, true)]
    [InlineData(new[] { "other" }, 60, 0, true)]
    public void A_users_policy_is_the_most_lenient_of_their_groups(string[] groups, int timeoutMinutes, int maxAgeMinutes, bool cullUsers)
    {
        var options = new CullerOptions
        {
            Timeout = TimeSpan.FromHours(1),
            CullUsers = true,
            Groups =
            {
                ["short"] = new CullGroupPolicy { Timeout = TimeSpan.FromMinutes(30) },
                ["long"] = new CullGroupPolicy { Timeout = TimeSpan.FromHours(3), CullUsers = false },
                ["forever"] = new CullGroupPolicy { Timeout = TimeSpan.Zero },
            },
        };
        var policy = CullPolicy.For(groups, options);
        Assert.Equal(TimeSpan.FromMinutes(timeoutMinutes), policy.Timeout);
        Assert.Equal(TimeSpan.FromMinutes(maxAgeMinutes), policy.MaxAge);
        Assert.Equal(cullUsers, policy.CullUsers);
    }
}
