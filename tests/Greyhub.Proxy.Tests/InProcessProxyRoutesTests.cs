using Greyhub.Abstractions.Proxy;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Greyhub.Proxy.Tests;

/// <summary>The in-process route table (what the hub uses) against the contract, and its clock.</summary>
public sealed class InProcessProxyRoutesTests : ProxyRoutesContractTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 6, 22, 0, 0, TimeSpan.Zero));

    protected override Task<IProxyRoutes> CreateAsync() =>
        Task.FromResult<IProxyRoutes>(new InProcessProxyRoutes(new RouteTable(), _time, NullLogger<InProcessProxyRoutes>.Instance));

    [Fact]
    public async Task Last_activity_starts_when_the_route_is_added_and_follows_requests()
    {
        var ct = TestContext.Current.CancellationToken;
        var table = new RouteTable();
        var routes = new InProcessProxyRoutes(table, _time, NullLogger<InProcessProxyRoutes>.Instance);
        await routes.AddRouteAsync("/user/alice", new Uri("http://127.0.0.1:9000"), new Dictionary<string, System.Text.Json.JsonElement>(), ct);
        Assert.Equal(_time.GetUtcNow(), (await routes.GetRouteAsync("/user/alice", ct))!.LastActivity);

        _time.Advance(TimeSpan.FromMinutes(5));
        table.Match("/user/alice/lab".AsSpan())!.Touch(_time.GetUtcNow().UtcDateTime);

        Assert.Equal(_time.GetUtcNow(), (await routes.GetRouteAsync("/user/alice", ct))!.LastActivity);
        Assert.Empty(await routes.GetRoutesAsync(_time.GetUtcNow(), ct));
        Assert.Single(await routes.GetRoutesAsync(_time.GetUtcNow().AddTicks(1), ct));
    }

    [Fact]
    public async Task A_target_that_is_not_an_absolute_http_url_is_refused()
    {
        var routes = await CreateAsync();
        await Assert.ThrowsAsync<ArgumentException>(() =>
            routes.AddRouteAsync("/x", new Uri("ftp://127.0.0.1/"), new Dictionary<string, System.Text.Json.JsonElement>(), TestContext.Current.CancellationToken));
    }
}
