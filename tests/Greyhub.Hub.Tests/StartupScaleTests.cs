using System.Diagnostics;
using Greyhub.Data;
using Greyhub.Data.Entities;
using Greyhub.Data.Stores;
using Greyhub.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Greyhub.Hub.Tests;

/// <summary>
/// Start-up that scales (issue 14): a hub restarted over 50,000 users and 1,000 servers the database says are running,
/// whose processes are gone, answers authenticated API requests at once, then takes every one of those servers to
/// stopped with its reason, in the background, losing no user. No timing is asserted (that is the start-up benchmark's,
/// <c>benchmarks/startup/</c>); the time to the first answer is written to the test's output. Runs on the provider
/// <c>GREYHUB_TEST_DATABASE</c> picks. Servers are the STAND-IN single-user command (<see cref="StandInSingleUser"/>).
/// </summary>
public sealed class StartupScaleTests
{
    private const int Users = 50_000;
    private const int RunningServers = 1_000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_hub_with_fifty_thousand_users_and_a_thousand_dead_servers_serves_at_once_and_stops_each_with_its_reason()
    {
        var dataDir = Directory.CreateTempSubdirectory("greyhub-startup-").FullName;
        var first = await HubInstance.StartInAsync(dataDir, StandInSingleUser.Config());
        string deadState;
        long usersBefore;
        try
        {
            // A real server's state (the local engine's process and start time, the server's token), then the server is
            // stopped: its process is gone, exactly what a hub finds after the machine it ran on rebooted.
            deadState = await RealServerStateThenStoppedAsync(first);
            usersBefore = await SeedAsync(first, deadState);
            await first.StopAsync(keepData: true);
        }
        catch
        {
            // The second hub would have deleted the data folder and its database; without one, they go here.
            await first.StopAsync(keepData: false);
            throw;
        }

        var clock = Stopwatch.StartNew();
        await using var hub = await HubInstance.StartInAsync(dataDir, StandInSingleUser.Config());
        var admin = hub.Client(hub.AdminToken);
        (await admin.GetApiAsync("hub/api/")).Is(200);
        var firstAnswer = clock.Elapsed;
        // A user whose server is being re-adopted: the model says what is known (still checking, or already stopped).
        var crowd1 = (await admin.GetApiAsync("hub/api/users/crowd1")).Is(200).Root;
        var afterUser = clock.Elapsed;
        if (crowd1.GetProperty("servers").TryGetProperty("", out var checking))
        {
            Assert.Equal("check", checking.GetProperty("pending").GetString());
            Assert.False(checking.GetProperty("ready").GetBoolean());
        }
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{TestDatabase.Provider}: {Users} users, {RunningServers} running servers with no process: first API answer {firstAnswer.TotalSeconds:0.00} s after the start began, a user's model {afterUser.TotalSeconds:0.00} s");

        await hub.Services.GetRequiredService<ServerChecks>().AllChecked.WaitAsync(Ct);
        var checkedAfter = clock.Elapsed;
        TestContext.Current.TestOutputHelper?.WriteLine($"all {RunningServers} servers checked {checkedAfter.TotalSeconds:0.00} s after the start began");

        await using (var scope = hub.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<HubDbContext>();
            var crowdServers = await db.Servers.AsNoTracking().Where(s => s.User!.Name.StartsWith("crowd")).ToListAsync(Ct);
            Assert.Equal(RunningServers, crowdServers.Count);
            Assert.All(crowdServers, s =>
            {
                Assert.Equal(ServerPhases.Stopped, s.Phase);
                Assert.False(string.IsNullOrEmpty(s.StopReason), $"server {s.Id} stopped without a reason");
            });
            Assert.Equal(usersBefore, await db.Users.LongCountAsync(Ct));
        }
        // The owner is told why: the API model no longer lists it, and the page for it gives the reason.
        Assert.Empty((await admin.GetApiAsync("hub/api/users/crowd1")).Is(200).Root.GetProperty("servers").EnumerateObject());
        string reason;
        await using (var scope = hub.Services.CreateAsyncScope())
        {
            var owner = (await scope.ServiceProvider.GetRequiredService<UserStore>().FindAsync("crowd1", Ct))!;
            reason = owner.Servers.Single().StopReason!;
        }
        var page = await hub.Client(await hub.TokenForAsync("crowd1")).GetApiAsync("hub/user/crowd1/", "text/html");
        Assert.Equal(424, (int)page.Status);
        Assert.Contains(System.Net.WebUtility.HtmlEncode(reason), page.Body, StringComparison.Ordinal);
        // Each stop is in the audit log with its reason (the log is written in the background: wait for all of them).
        await using (var scope = hub.Services.CreateAsyncScope())
        {
            var audit = scope.ServiceProvider.GetRequiredService<AuditStore>();
            var query = new AuditQuery(null, "server.stop", null);
            while ((await audit.ListAsync(query, 0, 1, Ct)).Total < RunningServers)
            {
                await Task.Delay(50, Ct);
            }
            var entries = (await audit.ListAsync(query, 0, RunningServers + 10, Ct)).Items.Where(e => e.UserName?.StartsWith("crowd", StringComparison.Ordinal) == true).ToList();
            Assert.Equal(RunningServers, entries.Count);
            Assert.All(entries, e => Assert.False(string.IsNullOrEmpty(e.Detail), "a stop without its reason in the audit log"));
        }
    }

    private static async Task<string> RealServerStateThenStoppedAsync(HubInstance hub)
    {
        var admin = hub.Client(hub.AdminToken);
        (await admin.PostApiAsync("hub/api/users/template")).Is(201);
        var start = await admin.PostApiAsync("hub/api/users/template/server");
        Assert.True(start.Code is 201 or 202, start.ToString());
        string state;
        try
        {
            while (!(await admin.GetApiAsync("hub/api/users/template")).Is(200).Root.GetProperty("servers").TryGetProperty("", out var s)
                || !s.GetProperty("ready").GetBoolean())
            {
                await Task.Delay(50, Ct);
            }
            await using var scope = hub.Services.CreateAsyncScope();
            var user = (await scope.ServiceProvider.GetRequiredService<UserStore>().FindAsync("template", Ct))!;
            state = user.Servers.Single().State;
        }
        finally
        {
            // Whatever happened, the server stops here: its process is gone before the restart (and after a failure).
            var stop = await admin.DeleteApiAsync("hub/api/users/template/server");
            Assert.True(stop.Status is System.Net.HttpStatusCode.NoContent or System.Net.HttpStatusCode.Accepted, stop.ToString());
        }
        Assert.Contains("spawner", state, StringComparison.Ordinal);
        while ((await admin.GetApiAsync("hub/api/users/template")).Is(200).Root.GetProperty("servers").EnumerateObject().Any())
        {
            await Task.Delay(50, Ct);
        }
        return state;
    }

    /// <summary>
    /// 50,000 users and, for the first 1,000 of them, a server marked running with <paramref name="state"/>: two
    /// INSERT ... SELECT statements over a recursive row generator, the same SQL on SQLite and PostgreSQL (the creation
    /// time is copied from the admin's row, so it is in the provider's own format). Returns the number of users.
    /// </summary>
    private static async Task<long> SeedAsync(HubInstance hub, string state)
    {
        await using var scope = hub.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<HubDbContext>();
        await db.Database.ExecuteSqlAsync($"""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {Users})
            INSERT INTO "users" ("Name", "Admin", "Created") SELECT 'crowd' || i, FALSE, (SELECT "Created" FROM "users" WHERE "Name" = 'admin') FROM n
            """, Ct);
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO "servers" ("UserId", "Name", "Phase", "Url", "Started", "UserOptions", "State")
            SELECT "Id", '', 'running', 'http://127.0.0.1:9/', "Created", {"{}"}, {state} FROM "users" WHERE "Name" LIKE 'crowd%' ORDER BY "Id" LIMIT {RunningServers}
            """, Ct);
        Assert.Equal(RunningServers, await db.Servers.CountAsync(s => s.Phase == ServerPhases.Running, Ct));
        return await db.Users.LongCountAsync(Ct);
    }
}
