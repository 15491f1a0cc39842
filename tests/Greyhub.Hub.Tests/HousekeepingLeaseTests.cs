using Greyhub.Hub.Background;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Greyhub.Hub.Tests;

/// <summary>
/// One elected runner when hubs share a database: two real hubs on one database and their own fake clocks. The first
/// holds the housekeeping lease and culls; the second does not; once the first stops renewing (its clock stands still,
/// as a hung hub's), the second takes the lease after it expires and culls in its place.
/// </summary>
public sealed class HousekeepingLeaseTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Of_two_hubs_on_one_database_only_the_lease_holder_culls_and_the_other_takes_over_after_expiry()
    {
        var start = TimeProvider.System.GetUtcNow();
        await using var first = await CulledHub.StartAsync(["Greyhub:Culler:Timeout=01:00:00"], new FakeTimeProvider(start));
        await using var second = await CulledHub.StartAsync(["Greyhub:Culler:Timeout=01:00:00", .. SameDatabaseAs(first.Hub)], new FakeTimeProvider(start));
        var firstLease = first.Hub.Services.GetRequiredService<HousekeepingLease>();
        var secondLease = second.Hub.Services.GetRequiredService<HousekeepingLease>();
        Assert.True(await firstLease.TryHoldAsync(Ct), "the first hub took the lease at its start");
        Assert.False(await secondLease.TryHoldAsync(Ct));

        var early = Api.Unique("early");
        await first.StartServerAsync(early);
        // Both clocks move; the holder culls, the other's culler ticks find the lease taken.
        await first.AdvanceAsync(TimeSpan.FromMinutes(70));
        Assert.True(await first.IsStoppedAsync(early));
        Assert.Equal(1, first.Culls("idle"));
        second.Time.Advance(TimeSpan.FromMinutes(70));
        Assert.False(await secondLease.TryHoldAsync(Ct), "the first hub renews its lease");

        // The first hub's clock stands still from here: it renews no more. Within the lease the second still waits...
        second.Time.Advance(TimeSpan.FromSeconds(30));
        Assert.False(await secondLease.TryHoldAsync(Ct));
        // ...and once it has expired, takes it; the first, asking again, is told no.
        second.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(await secondLease.TryHoldAsync(Ct));
        Assert.False(await firstLease.TryHoldAsync(Ct));

        var late = Api.Unique("late");
        await second.StartServerAsync(late);
        await second.AdvanceAsync(TimeSpan.FromMinutes(70));
        Assert.True(await second.IsStoppedAsync(late));
        Assert.Equal(1, second.Culls("idle"));
        Assert.Equal(1, first.Culls("idle"));

        // Neither hub leaves a stand-in running behind it.
        await second.DisposeAsync();
        await first.DisposeAsync();
        Assert.Equal(2, first.Started.Count + second.Started.Count);
        Assert.All([.. first.Started, .. second.Started], p => Assert.False(p.IsAlive, $"process {p.Pid} outlived the test"));
    }

    /// <summary>The settings that point a second hub at <paramref name="hub"/>'s database.</summary>
    private static string[] SameDatabaseAs(HubInstance hub) => TestDatabase.IsPostgres
        ? ["Greyhub:Database:Provider=postgres", "Greyhub:Database:ConnectionString=" + TestDatabase.ConnectionStringFor(hub.DataDir)]
        : ["Greyhub:Database:Provider=sqlite", "Greyhub:Database:ConnectionString=Data Source=" + Path.Combine(hub.DataDir, "greyhub.sqlite") + ";Pooling=True;Default Timeout=30"];
}
