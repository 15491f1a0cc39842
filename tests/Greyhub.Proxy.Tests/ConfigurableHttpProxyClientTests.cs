using System.Net;
using System.Text.Json;
using Greyhub.Abstractions.Proxy;

namespace Greyhub.Proxy.Tests;

/// <summary>The client of CHP's REST API against the real API of a standalone proxy, through the contract kit.</summary>
public sealed class ConfigurableHttpProxyClientTests : ProxyRoutesContractTests, IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly List<HttpClient> _clients = [];

    protected override async Task<IProxyRoutes> CreateAsync()
    {
        var proxy = await StandaloneProxy.StartAsync();
        _owned.Add(proxy);
        var http = new HttpClient { BaseAddress = proxy.ApiAddress };
        _clients.Add(http);
        return new ConfigurableHttpProxyClient(http, StandaloneProxy.Token);
    }

    [Fact]
    public async Task Routes_added_through_the_client_forward_requests()
    {
        var ct = TestContext.Current.CancellationToken;
        var proxy = await StandaloneProxy.StartAsync();
        _owned.Add(proxy);
        var upstream = await TestUpstream.StartAsync("alice");
        _owned.Add(upstream);
        using var http = new HttpClient { BaseAddress = proxy.ApiAddress };
        var client = new ConfigurableHttpProxyClient(http, StandaloneProxy.Token);

        await client.AddRouteAsync("/user/alice/", upstream.Address, new Dictionary<string, JsonElement>(), ct);
        using var browser = new HttpClient { BaseAddress = proxy.PublicAddress };
        Assert.Equal("alice GET /user/alice/tree", await browser.GetStringAsync("user/alice/tree", ct));
        // The client's view is the proxy's own, to the millisecond CHP's format carries. The proxy may stamp the request's
        // activity just after the response is sent: compare a client read taken between two equal reads inside.
        for (var attempt = 0; ; attempt++)
        {
            var inside = (await proxy.Routes.GetRouteAsync("/user/alice", ct))!.LastActivity;
            var seen = (await client.GetRouteAsync("/user/alice", ct))!.LastActivity;
            if (attempt < 20 && (await proxy.Routes.GetRouteAsync("/user/alice", ct))!.LastActivity != inside)
            {
                await Task.Delay(50, ct);
                continue;
            }
            Assert.Equal(inside.AddTicks(-(inside.Ticks % TimeSpan.TicksPerMillisecond)), seen);
            break;
        }
    }

    [Fact]
    public async Task A_wrong_token_is_refused_with_403()
    {
        var ct = TestContext.Current.CancellationToken;
        var proxy = await StandaloneProxy.StartAsync();
        _owned.Add(proxy);
        using var http = new HttpClient { BaseAddress = proxy.ApiAddress };
        var client = new ConfigurableHttpProxyClient(http, "wrong");

        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetRoutesAsync(null, ct));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    [Fact]
    public async Task Escaped_route_paths_are_stored_unescaped_as_chp_does()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = await CreateAsync();
        await client.AddRouteAsync("/user/j\u00f6rg@x y/", new Uri("http://127.0.0.1:9000"), new Dictionary<string, JsonElement>(), ct);

        Assert.Equal("/user/j\u00f6rg@x y", Assert.Single(await client.GetRoutesAsync(null, ct)).Key);
        Assert.NotNull(await client.GetRouteAsync("/user/j\u00f6rg@x y", ct));
        Assert.True(await client.DeleteRouteAsync("/user/j\u00f6rg@x y", ct));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }
    }
}
