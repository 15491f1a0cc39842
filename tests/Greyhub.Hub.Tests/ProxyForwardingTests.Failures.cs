using System.Net;
using Greyhub.Hub.Servers;
using Greyhub.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Greyhub.Hub.Tests;

/// <summary>The proxy when a server fails: unreachable, invalid, cut short, silent, or left by its client.</summary>
public sealed partial class ProxyForwardingTests
{
    [Theory(Timeout = Timeout)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_server_not_listening_gets_the_503_page(bool fastPath)
    {
        var ct = TestContext.Current.CancellationToken;
        var hub = hubs.For(fastPath);
        using (var gone = new DeadRoute(hub))
        {
            using var response = await hub.Client().GetAsync($"user/{gone.User}/tree", ct);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
            var page = await response.Content.ReadAsStringAsync(ct);
            Assert.Contains("<h1>503 Service Unavailable</h1>", page, StringComparison.Ordinal);
            Assert.Contains($"/user/{gone.User}/tree is not answering", page, StringComparison.Ordinal);
        }
        await AssertHubHealthyAsync(hub);
    }

    /// <summary>Heads the fast path refuses with 502, and whether HttpClient (under YARP) refuses them too.</summary>
    public static TheoryData<bool, string, bool> InvalidHeads()
    {
        var heads = new (string Head, bool YarpRefuses)[]
        {
            ("HTTP/1.1 abc\r\n\r\n", true),
            ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok", true),
            ("HTTP/1.1 200 OK\r\nX-Ctl: a\u0001b\r\nContent-Length: 2\r\n\r\nok", true),
            ("HTTP/1.1 200 OK\r\nX(A): 1\r\nContent-Length: 2\r\n\r\nok", true),
            ("HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\nContent-Length: 2\r\n\r\nok", false),
            ("HTTP/1.1 200 OK\r\nX-Big: " + new string('a', 17 * 1024) + "\r\nContent-Length: 2\r\n\r\nok", false),
        };
        var data = new TheoryData<bool, string, bool>();
        foreach (var (head, yarpRefuses) in heads)
        {
            data.Add(true, head, true);
            data.Add(false, head, yarpRefuses);
        }
        return data;
    }

    [Theory(Timeout = Timeout)]
    [MemberData(nameof(InvalidHeads))]
    public async Task An_invalid_response_head_is_a_bad_gateway(bool fastPath, string answer, bool refused)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var scene = Scene.Start(hubs.For(fastPath), ScriptedUpstream.Answering(answer));

        using var response = await scene.Hub.Client().GetAsync(scene.Path(), ct);
        var page = await response.Content.ReadAsStringAsync(ct);
        if (fastPath)
        {
            Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
            Assert.Contains("<h1>502 Bad Gateway</h1>", page, StringComparison.Ordinal);
        }
        else if (refused)
        {
            // Any YARP error becomes the 503 page.
            Assert.True((int)response.StatusCode >= 500, $"YARP answered {(int)response.StatusCode}");
        }
        else
        {
            // HttpClient takes an obs-fold and a head up to 64 KiB.
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        await AssertHubHealthyAsync(scene.Hub);
    }

    [Theory(Timeout = Timeout)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_server_closing_in_the_middle_of_a_body_fails_the_client_read(bool fastPath)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var scene = Scene.Start(hubs.For(fastPath), new ScriptedUpstream(async e =>
        {
            if (e.Request.Connection > 0)
            {
                await e.SendAsync(Ok("fine"));
                return;
            }
            await e.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + new string('x', 50_000));
            e.Close();
        }));
        var client = scene.Hub.Client();

        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            using var response = await client.GetAsync(scene.Path(), HttpCompletionOption.ResponseHeadersRead, ct);
            await response.Content.ReadAsByteArrayAsync(ct);
        });
        Assert.True(error is HttpRequestException or IOException, error.ToString());
        Assert.Equal("fine", await client.GetStringAsync(scene.Path(), ct));
        await AssertHubHealthyAsync(scene.Hub);
    }

    [Fact(Timeout = Timeout)]
    public async Task A_server_silent_past_the_activity_timeout_gets_the_504_page()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var hub = await HubInstance.StartAsync("Greyhub:Proxy:ActivityTimeout=00:00:01");
        await using var scene = Scene.Start(hub, new ScriptedUpstream(async e => await e.WaitForPeerCloseAsync()));

        using var response = await hub.Client().GetAsync(scene.Path(), ct);
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Contains("<h1>504 Gateway Timeout</h1>", await response.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        await scene.Upstream.PeerClosedAsync(0).WaitAsync(TimeSpan.FromSeconds(10), ct);
    }

    [Theory(Timeout = Timeout)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_client_leaving_mid_response_closes_the_server_connection(bool fastPath)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var scene = Scene.Start(hubs.For(fastPath), new ScriptedUpstream(async e =>
        {
            await e.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n");
            var piece = new byte[16 * 1024];
            while (true)
            {
                // Ends when the proxy closes the connection (the send fails) or the upstream stops.
                await e.SendAsync(piece);
                await Task.Delay(10, e.Stopping);
            }
        }));
        using (var client = await RawConnection.ConnectAsync(scene.Hub.Address, ct))
        {
            await client.SendAsync($"GET /{scene.Path()} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", ct);
            Assert.NotNull(await client.ReadHeadAsync(ct));
            while (client.Buffered == 0)
            {
                Assert.True(await client.FillAsync(ct));
            }
        }
        await scene.Upstream.PeerClosedAsync(0).WaitAsync(TimeSpan.FromSeconds(20), ct);
        Assert.Equal(1, scene.Upstream.Connections);
    }

    /// <summary>A route (a unique user) to a port that was just free and has nothing listening, removed with it.</summary>
    private sealed class DeadRoute : IDisposable
    {
        private readonly ServerRoutes _routes;

        public DeadRoute(HubInstance hub)
        {
            _routes = hub.Services.GetRequiredService<ServerRoutes>();
            User = Api.Unique("gone");
            // In-process, IProxyRoutes completes at once.
            _routes.AddAsync(User, "", new Uri($"http://127.0.0.1:{FreePort.Next()}/"), CancellationToken.None).GetAwaiter().GetResult();
        }

        public string User { get; }

        public void Dispose() => _routes.RemoveAsync(User, "", CancellationToken.None).GetAwaiter().GetResult();
    }
}
