using Greyhub.Hub.Admission;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Tests;

/// <summary>The line's rules on their own: first come first served, places only go down, leaving and admitting.</summary>
public sealed class SpawnLineTests
{
    private static SpawnLine Line(int slots, SpawnEstimate? estimate = null) =>
        new(Options.Create(new HubOptions { Servers = new ServersOptions { ConcurrentSpawnLimit = slots } }), estimate ?? new SpawnEstimate());

    [Fact]
    public async Task Starts_beyond_the_slots_wait_in_order_and_each_hears_its_place_go_down()
    {
        var line = Line(2);
        var heard = new Dictionary<string, List<int>>();
        SpawnTicket Enter(string key)
        {
            heard[key] = [];
            return line.TryEnter(key, p => heard[key].Add(p.Position), wait: true)!;
        }
        var tickets = new[] { "a", "b", "c", "d", "e" }.Select(Enter).ToList();
        Assert.True(tickets[0].Admitted);
        Assert.True(tickets[1].Admitted);
        Assert.Equal(3, line.Waiting);
        Assert.Equal(2, line.Starting);

        Assert.True(line.TryCancel("d"));
        Assert.False(line.TryCancel("d"));
        Assert.False(line.TryCancel("a"));
        Assert.False(await tickets[3].Turn);
        line.Release();
        Assert.True(await tickets[2].Turn);
        line.Release();
        Assert.True(await tickets[4].Turn);
        Assert.Equal(0, line.Waiting);

        Assert.Empty(heard["a"]);
        Assert.Equal([1], heard["c"]);
        Assert.Equal([2], heard["d"]);
        // e: third, second once d left, first once c was admitted.
        Assert.Equal([3, 2, 1], heard["e"]);
    }

    [Fact]
    public void Reject_mode_refuses_when_every_slot_is_taken_and_no_limit_admits_everyone()
    {
        var line = Line(1);
        Assert.NotNull(line.TryEnter("a", _ => { }, wait: false));
        Assert.Null(line.TryEnter("b", _ => { }, wait: false));
        Assert.Equal(0, line.Waiting);

        var unlimited = Line(0);
        Assert.All(Enumerable.Range(0, 50), i => Assert.True(unlimited.TryEnter("u" + i, _ => { }, wait: true)!.Admitted));
    }

    [Fact]
    public void The_estimate_is_the_rounds_ahead_times_the_recent_mean()
    {
        var estimate = new SpawnEstimate();
        Assert.Null(estimate.For(5, 10));
        estimate.Record(TimeSpan.FromSeconds(2));
        estimate.Record(TimeSpan.FromSeconds(4));
        Assert.Equal(TimeSpan.FromSeconds(3), estimate.For(10, 10));
        Assert.Equal(TimeSpan.FromSeconds(6), estimate.For(11, 10));
        Assert.Equal("Waiting to start: number 11 in line, about 6 seconds", SpawnAdmission.Describe(new LinePosition(11, estimate.For(11, 10))));
        Assert.Equal("Waiting to start: next in line", SpawnAdmission.Describe(new LinePosition(1, null)));
    }
}
