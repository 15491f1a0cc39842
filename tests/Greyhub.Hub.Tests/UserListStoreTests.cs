using Greyhub.Data;
using Greyhub.Data.Entities;
using Greyhub.Data.Stores;
using Microsoft.Extensions.DependencyInjection;

namespace Greyhub.Hub.Tests;

/// <summary>
/// The user list reads a page with its users' groups and servers in one go; every listing must give each user exactly
/// what the single-user read (<see cref="UserStore.FindAsync"/>) gives, in the page's order, whatever mix of groups and
/// servers the users have. Runs on whichever provider <c>GREYHUB_TEST_DATABASE</c> picks.
/// </summary>
public sealed class UserListStoreTests
{
    private static readonly DateTime T0 = new(2026, 3, 4, 5, 6, 7, DateTimeKind.Utc);

    [Fact]
    public async Task Every_listing_gives_each_user_the_groups_and_servers_a_single_read_gives()
    {
        await using var hub = await HubInstance.StartAsync();
        await using var scope = hub.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserStore>();
        var groups = scope.ServiceProvider.GetRequiredService<GroupStore>();
        var servers = scope.ServiceProvider.GetRequiredService<ServerStore>();

        // No groups and no servers; many groups (added out of order) and several servers in every phase; one of each.
        await users.CreateAsync(["lone", "busy", "one", "zed", "Cap"], admin: false, T0, Api.Ct);
        await groups.CreateAsync(["g-b", "G-a", "g_c", "g-a", "h"], ["busy"], Api.Ct);
        await groups.CreateAsync(["only"], ["one", "Cap"], Api.Ct);
        var busy = (await users.FindAsync("busy", Api.Ct))!.Id;
        foreach (var (name, at) in new[] { ("", 1), ("zz", 2), ("alpha", 3), ("Beta", 4), ("stopped", 5) })
        {
            Assert.True(await servers.TryMarkPendingAsync(busy, name, $$"""{"n":{{at}}}""", T0.AddMinutes(at), Api.Ct));
        }
        var named = await servers.FindAsync(busy, "alpha", Api.Ct);
        Assert.True(await servers.TransitionAsync(named!.Id, ServerPhases.Pending, ServerPhases.Running, "http://127.0.0.1:1/", Api.Ct));
        await servers.SaveStateAsync(named.Id, """{"pid":42}""", Api.Ct);
        await servers.MarkStoppedAsync((await servers.FindAsync(busy, "stopped", Api.Ct))!.Id, "culled", Api.Ct);
        var one = (await users.FindAsync("one", Api.Ct))!.Id;
        Assert.True(await servers.TryMarkPendingAsync(one, "", "{}", T0, Api.Ct));
        await servers.MarkStoppedAsync((await servers.FindAsync(one, "", Api.Ct))!.Id, null, Api.Ct);
        await users.RecordActivityAsync(busy, T0.AddHours(1), new Dictionary<string, DateTime>(), Api.Ct);
        await users.RecordActivityAsync(one, T0.AddHours(2), new Dictionary<string, DateTime>(), Api.Ct);

        UserQuery[] queries =
        [
            new(),
            new() { CountTotal = false },
            new() { Limit = 2 },
            new() { Offset = 2, Limit = 2 },
            new() { Offset = 100 },
            new() { Sort = "name" },
            new() { Sort = "name", Descending = true, Offset = 1, Limit = 3 },
            new() { Descending = true },
            new() { Sort = "last_activity" },
            new() { Sort = "last_activity", Descending = true },
            new() { State = "active" },
            new() { State = "ready" },
            new() { State = "inactive" },
            new() { OnlyGroups = ["only"] },
            new() { OnlyUsers = ["lone", "busy"], OnlyGroups = ["h"] },
        ];
        var all = (await users.ListAsync(new UserQuery { Limit = 1000 }, Api.Ct)).Items;
        Assert.Superset(new HashSet<string> { "lone", "busy", "one", "zed", "Cap" }, all.Select(u => u.Name).ToHashSet());
        foreach (var query in queries)
        {
            var page = await users.ListAsync(query, Api.Ct);
            Assert.True(page.Items.Count <= query.Limit, $"{query}: {page.Items.Count} users");
            Assert.Equal(page.Items.Select(u => u.Id).Distinct().Count(), page.Items.Count);
            if (query.CountTotal)
            {
                Assert.True(page.Total >= page.Items.Count, $"{query}: total {page.Total}");
            }
            else
            {
                Assert.Equal(-1, page.Total);
            }
            foreach (var listed in page.Items)
            {
                var single = await users.FindAsync(listed.Name, Api.Ct);
                Assert.NotNull(single);
                Assert.Equal((single.Id, single.Name, single.Admin, single.Created, single.LastActivity), (listed.Id, listed.Name, listed.Admin, listed.Created, listed.LastActivity));
                Assert.Equal(single.Groups, listed.Groups);
                Assert.Equal(single.Servers, listed.Servers);
            }
        }

        var busyListed = all.Single(u => u.Name == "busy");
        Assert.Equal(["G-a", "g-a", "g-b", "g_c", "h"], busyListed.Groups);
        Assert.Equal(["", "Beta", "alpha", "stopped", "zz"], busyListed.Servers.Select(s => s.Name));
        Assert.Equal([ServerPhases.Pending, ServerPhases.Pending, ServerPhases.Running, ServerPhases.Stopped, ServerPhases.Pending], busyListed.Servers.Select(s => s.Phase));
        Assert.Equal("""{"pid":42}""", busyListed.Servers[2].State);
        Assert.Equal("culled", busyListed.Servers[3].StopReason);
        Assert.Empty(all.Single(u => u.Name == "lone").Groups);
        Assert.Empty(all.Single(u => u.Name == "lone").Servers);
        Assert.Equal(["only"], all.Single(u => u.Name == "one").Groups);
        Assert.Equal([ServerPhases.Stopped], all.Single(u => u.Name == "one").Servers.Select(s => s.Phase));

        // The filters and sorts pick the users they should, in order.
        Assert.Equal(all.Select(u => u.Id).Order(), all.Select(u => u.Id));
        Assert.Equal(["busy"], (await users.ListAsync(new UserQuery { State = "active" }, Api.Ct)).Items.Select(u => u.Name));
        Assert.Equal(["busy"], (await users.ListAsync(new UserQuery { State = "ready" }, Api.Ct)).Items.Select(u => u.Name));
        Assert.Equal(["Cap", "one"], (await users.ListAsync(new UserQuery { OnlyGroups = ["only"], Sort = "name" }, Api.Ct)).Items.Select(u => u.Name));
        var byActivity = (await users.ListAsync(new UserQuery { Sort = "last_activity", Descending = true }, Api.Ct)).Items.Select(u => u.Name).ToList();
        Assert.True(byActivity.IndexOf("one") < byActivity.IndexOf("busy") && byActivity.IndexOf("busy") < byActivity.IndexOf("lone"));
    }
}
