using System.Net;
using System.Security.Cryptography;
using System.Text;
using Greyhub.Hub.Servers;
using Greyhub.Proxy;
using Microsoft.Extensions.DependencyInjection;

namespace Greyhub.Hub.Tests;

/// <summary>Two hubs for the proxy's wire tests: one with the fast path (the default), one sending everything through YARP.</summary>
public sealed class ProxyHubs : IAsyncLifetime
{
    // The activity flush would otherwise run on its own every 30 s; the test that calls it must not race it.
    private const string NoTimedFlush = "Greyhub:Servers:ActivityFlushInterval=01:00:00";

    public HubInstance Fast { get; private set; } = null!;

    public HubInstance Yarp { get; private set; } = null!;

    public HubInstance For(bool fastPath) => fastPath ? Fast : Yarp;

    public async ValueTask InitializeAsync()
    {
        Fast = await HubInstance.StartAsync(NoTimedFlush);
        Yarp = await HubInstance.StartAsync(NoTimedFlush, "Greyhub:Proxy:FastPath=false");
    }

    public async ValueTask DisposeAsync()
    {
        await Fast.DisposeAsync();
        await Yarp.DisposeAsync();
    }
}

/// <summary>
/// The proxy at the byte level: a real hub in front of a <see cref="ScriptedUpstream"/> that answers with exact framing.
/// Theories run through both the fast path and YARP where the two must behave alike.
/// </summary>
public sealed partial class ProxyForwardingTests(ProxyHubs hubs) : IClassFixture<ProxyHubs>
{
    // Routes here have no database row behind them: ActivityFlushJob then finds no server for them (see the flush test).
    private const int Timeout = 60_000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Ok(string body, string extraHeaders = "") =>
        $"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n{extraHeaders}Content-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}";

    [Theory(Timeout = Timeout)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task End_to_end_headers_pass_and_hop_by_hop_headers_stop_both_ways(bool fastPath)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var scene = Scene.Start(hubs.For(fastPath), ScriptedUpstream.Answering(
            "HTTP/1.1 200 OK\r\nConnection: x-foo\r\nX-Foo: bar\r\nKeep-Alive: timeout=5, max=100\r\nX-End: kept\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"));
        using var client = await RawConnection.ConnectAsync(scene.Hub.Address, ct);
        // No keep-alive token next to X-Hop: Kestrel reduces a Connection value holding keep-alive or close to that token
        // alone, so the names listed beside it never reach the application (neither path can drop them).
        await client.SendAsync($"GET /{scene.Path("x")} HTTP/1.1\r\nHost: proxy.example:8443\r\nConnection: X-Hop, X-Other\r\nX-Hop: 1\r\nX-Other: 2\r\n"
            + "Keep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\nTE: trailers\r\nX-Client: yes\r\n\r\n", ct);
        var response = await client.ReadResponseAsync(ct);

        Assert.Equal(200, response.Status);
        Assert.Equal("hello", response.Text);
        Assert.Equal(["kept"], response.Values("X-End"));
        Assert.Equal(["text/plain"], response.Values("Content-Type"));
        Assert.Empty(response.Values("Keep-Alive"));
        Assert.DoesNotContain(response.Values("Connection"), v => v.Contains("x-foo", StringComparison.OrdinalIgnoreCase));
        if (fastPath)
        {
            // YARP forwards the headers a Connection header lists, both ways; only the fast path drops them.
            Assert.Empty(response.Values("X-Foo"));
        }

        var seen = Assert.Single(scene.Upstream.Requests);
        Assert.Equal(["proxy.example:8443"], seen.Values("Host"));
        Assert.Equal(["proxy.example:8443"], seen.Values("X-Forwarded-Host"));
        Assert.Equal(["http"], seen.Values("X-Forwarded-Proto"));
        Assert.Equal(["127.0.0.1"], seen.Values("X-Forwarded-For"));
        Assert.Equal(["yes"], seen.Values("X-Client"));
        string[] hopByHop = ["Connection", "Keep-Alive", "Proxy-Connection", "TE", "Upgrade", "Transfer-Encoding"];
        foreach (var hop in fastPath ? [.. hopByHop, "X-Hop", "X-Other"] : hopByHop)
        {
            Assert.True(seen.Values(hop).Count == 0, $"{hop} reached the server:\n{seen.Head}");
        }
    }

    [Theory(Timeout = Timeout)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_request_target_reaches_the_server_byte_for_byte(bool fastPath)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var scene = Scene.Start(hubs.For(fastPath), ScriptedUpstream.Answering(Ok("ok")));
        var target = $"/{scene.Path("a%2Fb/c")}?x=1&y=%20";
        using var client = await RawConnection.ConnectAsync(scene.Hub.Address, ct);
        await client.SendAsync($"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", ct);

        Assert.Equal(200, (await client.ReadResponseAsync(ct)).Status);
        Assert.Equal($"GET {target} HTTP/1.1", Assert.Single(scene.Upstream.Requests).RequestLine);
    }

    [Theory(Timeout = Timeout)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_chunked_response_arrives_whole(bool fastPath)
    {
        var ct = TestContext.Current.CancellationToken;
        var letters = "abcdefghijklmnopqrstuvwxyz";
        await using var scene = Scene.Start(hubs.For(fastPath), new ScriptedUpstream(async e =>
        {
            // Sent in pieces that cut through size lines and data, with extensions, upper-case hex and a trailer.
            await e.SendAsync("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n5;name=value\r\nhel");
            await e.SendAsync("lo\r\n1");
            await e.SendAsync($"A\r\n{letters}\r\n1;ext\r\n!\r\n0\r\nX-Checksum");
            await e.SendAsync(": abc\r\n\r\n");
        }));
        var client = scene.Hub.Client();

        using var response = await client.GetAsync(scene.Path(), ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("hello" + letters + "!", await response.Content.ReadAsStringAsync(ct));
        Assert.False(response.Headers.Contains("X-Checksum"));
        if (fastPath)
        {
            // The connection-level path passes the chunked body on as the server framed it, trailers included; YARP
            // passes the Trailer header but drops the trailers themselves.
            Assert.Equal(["abc"], response.TrailingHeaders.GetValues("X-Checksum"));
        }

        // The chunked body was read to its end, so the connection carries the next exchange.
        Assert.Equal("hello" + letters + "!", await client.GetStringAsync(scene.Path(), ct));
        Assert.Equal(1, scene.Upstream.Connections);
    }

    [Theory(Timeout = Timeout)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_body_ended_by_close_arrives_whole_and_the_connection_is_not_reused(bool fastPath)
    {
        var ct = TestContext.Current.CancellationToken;
        var body = string.Concat(Enumerable.Range(0, 20_000).Select(i => $"{i},"));
        await using var scene = Scene.Start(hubs.For(fastPath), new ScriptedUpstream(async e =>
        {
            await e.SendAsync("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n" + body);
            e.Close();
        }));
        var client = scene.Hub.Client();

        Assert.Equal(body, await client.GetStringAsync(scene.Path("one"), ct));
        Assert.Equal(body, await client.GetStringAsync(scene.Path("two"), ct));
        Assert.Equal([0, 1], scene.Upstream.Requests.Select(r => r.Connection));
    }

    [Theory(Timeout = Timeout)]
    [InlineData(true, "HEAD")]
    [InlineData(true, "204")]
    [InlineData(true, "304")]
    [InlineData(false, "HEAD")]
    [InlineData(false, "204")]
    [InlineData(false, "304")]
    public async Task Responses_without_a_body_keep_the_connection(bool fastPath, string kind)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var scene = Scene.Start(hubs.For(fastPath), new ScriptedUpstream(e => e.SendAsync(e.Request.Index switch
        {
            0 when kind == "HEAD" => "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\n",
            0 when kind == "204" => "HTTP/1.1 204 No Content\r\nX-Kind: 204\r\n\r\n",
            0 => "HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\n\r\n",
            _ => Ok("next"),
        })));
        var client = scene.Hub.Client();

        using (var request = new HttpRequestMessage(kind == "HEAD" ? HttpMethod.Head : HttpMethod.Get, scene.Path()))
        {
            using var first = await client.SendAsync(request, ct);
            Assert.Equal(kind switch { "HEAD" => 200, "204" => 204, _ => 304 }, (int)first.StatusCode);
            Assert.Empty(await first.Content.ReadAsByteArrayAsync(ct));
            if (kind == "HEAD")
            {
                Assert.Equal(10, first.Content.Headers.ContentLength);
            }
        }
        Assert.Equal("next", await client.GetStringAsync(scene.Path(), ct));
        Assert.Equal([0, 0], scene.Upstream.Requests.Select(r => r.Connection));
    }

    [Theory(Timeout = Timeout)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Interim_responses_are_not_forwarded(bool fastPath)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var scene = Scene.Start(hubs.For(fastPath), ScriptedUpstream.Answering(
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n" + Ok("final")));
        using var client = await RawConnection.ConnectAsync(scene.Hub.Address, ct);
        await client.SendAsync($"GET /{scene.Path()} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", ct);

        var response = await client.ReadResponseAsync(ct);
        Assert.Equal(200, response.Status);
        Assert.Equal("final", response.Text);
        Assert.Empty(response.Values("Link"));
    }

    [Theory(Timeout = Timeout)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Every_Set_Cookie_header_arrives(bool fastPath)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var scene = Scene.Start(hubs.For(fastPath), ScriptedUpstream.Answering(
            Ok("ok", "Set-Cookie: a=1; Path=/\r\nSet-Cookie: b=2; HttpOnly\r\nset-cookie: c=3\r\n")));

        using var response = await scene.Hub.Client().GetAsync(scene.Path(), ct);
        Assert.Equal(["a=1; Path=/", "b=2; HttpOnly", "c=3"], response.Headers.GetValues("Set-Cookie"));
    }

    [Theory(Timeout = Timeout)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    [InlineData(false, true)]
    public async Task A_large_body_arrives_intact(bool fastPath, bool chunked)
    {
        var ct = TestContext.Current.CancellationToken;
        var data = new byte[8 * 1024 * 1024];
        new Random(42).NextBytes(data);
        await using var scene = Scene.Start(hubs.For(fastPath), new ScriptedUpstream(async e =>
        {
            if (!chunked)
            {
                await e.SendAsync($"HTTP/1.1 200 OK\r\nContent-Length: {data.Length}\r\n\r\n");
                await e.SendAsync(data);
                return;
            }
            await e.SendAsync("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
            var sizes = new Random(7);
            for (var sent = 0; sent < data.Length;)
            {
                var size = Math.Min(sizes.Next(1, 70_000), data.Length - sent);
                await e.SendAsync($"{size:x}\r\n");
                await e.SendAsync(data.AsMemory(sent, size));
                await e.SendAsync("\r\n");
                sent += size;
            }
            await e.SendAsync("0\r\n\r\n");
        }));

        using var response = await scene.Hub.Client().GetAsync(scene.Path(), HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(data)), Convert.ToHexString(await SHA256.HashDataAsync(body, ct)));
    }

    [Theory(Timeout = Timeout)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Sequential_requests_share_one_connection_until_the_server_says_close(bool fastPath)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var scene = Scene.Start(hubs.For(fastPath), new ScriptedUpstream(async e =>
        {
            var close = e.Request.Values("X-Close").Count > 0;
            await e.SendAsync(Ok($"{e.Request.Connection}", close ? "Connection: close\r\n" : ""));
            if (close)
            {
                e.Close();
            }
        }));
        var client = scene.Hub.Client();

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("0", await client.GetStringAsync(scene.Path($"{i}"), ct));
        }
        Assert.Equal(1, scene.Upstream.Connections);

        using (var closing = new HttpRequestMessage(HttpMethod.Get, scene.Path("closing")))
        {
            closing.Headers.Add("X-Close", "1");
            using var response = await client.SendAsync(closing, ct);
            Assert.Equal("0", await response.Content.ReadAsStringAsync(ct));
        }
        Assert.Equal("1", await client.GetStringAsync(scene.Path("after"), ct));
        Assert.Equal(2, scene.Upstream.Connections);
    }

    [Theory(Timeout = Timeout)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_kept_alive_connection_the_server_closed_is_retried_on_a_new_one(bool fastPath)
    {
        var ct = TestContext.Current.CancellationToken;
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var scene = Scene.Start(hubs.For(fastPath), new ScriptedUpstream(async e =>
        {
            await e.SendAsync(Ok($"{e.Request.Connection}"));
            if (e.Request.Connection == 0)
            {
                // Keep-alive was promised, yet the server drops the idle connection (as servers do on their idle timeout).
                e.Close();
                closed.SetResult();
            }
        }));
        var client = scene.Hub.Client();

        Assert.Equal("0", await client.GetStringAsync(scene.Path(), ct));
        await closed.Task.WaitAsync(ct);
        using var response = await client.GetAsync(scene.Path(), ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("1", await response.Content.ReadAsStringAsync(ct));
        Assert.Equal(2, scene.Upstream.Requests.Count);
    }

    [Theory(Timeout = Timeout)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Parallel_requests_to_two_servers_never_cross(bool fastPath)
    {
        var ct = TestContext.Current.CancellationToken;
        var hub = hubs.For(fastPath);
        string alice = Api.Unique("alice"), bob = Api.Unique("bob");
        static ScriptedUpstream Echo(string name) => new(e => e.SendAsync(Ok($"{name} {e.Request.Target}")));
        await using var aliceScene = Scene.Start(hub, Echo(alice), alice);
        await using var bobScene = Scene.Start(hub, Echo(bob), bob);
        var client = hub.Client();

        var results = await Task.WhenAll(Enumerable.Range(0, 64).Select(async i =>
        {
            var user = i % 2 == 0 ? alice : bob;
            var target = $"/user/{user}/item/{i}?q={i}";
            return (Expected: $"{user} {target}", Actual: await client.GetStringAsync(target[1..], ct));
        }));

        Assert.All(results, r => Assert.Equal(r.Expected, r.Actual));
        Assert.Equal(32, aliceScene.Upstream.Requests.Count);
        Assert.All(aliceScene.Upstream.Requests, r => Assert.StartsWith($"/user/{alice}/", r.Target, StringComparison.Ordinal));
        Assert.Equal(32, bobScene.Upstream.Requests.Count);
        Assert.All(bobScene.Upstream.Requests, r => Assert.StartsWith($"/user/{bob}/", r.Target, StringComparison.Ordinal));
    }

    [Fact(Timeout = Timeout)]
    public async Task Removing_a_route_closes_its_idle_connections()
    {
        var ct = TestContext.Current.CancellationToken;
        // Fast path only: YARP's connections belong to one HttpClient shared by all routes.
        await using var scene = Scene.Start(hubs.Fast, ScriptedUpstream.Answering(Ok("ok")));
        Assert.Equal("ok", await scene.Hub.Client().GetStringAsync(scene.Path(), ct));
        Assert.Equal(1, scene.Route.Upstream!.Count);

        Assert.True(await scene.Hub.Services.GetRequiredService<ServerRoutes>().RemoveAsync(scene.User, "", ct));
        await scene.Upstream.PeerClosedAsync(0).WaitAsync(TimeSpan.FromSeconds(10), ct);
        Assert.Equal(0, scene.Route.Upstream.Count);
    }

    [Theory(Timeout = Timeout)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_request_with_a_body_goes_through_yarp_and_arrives(bool fastPath)
    {
        var ct = TestContext.Current.CancellationToken;
        var data = new byte[100_000];
        new Random(3).NextBytes(data);
        await using var scene = Scene.Start(hubs.For(fastPath), new ScriptedUpstream(e =>
            e.SendAsync($"HTTP/1.1 201 Created\r\nContent-Length: {e.Request.Body.Length.ToString().Length}\r\n\r\n{e.Request.Body.Length}")));

        using var response = await scene.Hub.Client().PostAsync(scene.Path("api/contents"), new ByteArrayContent(data), ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal($"{data.Length}", await response.Content.ReadAsStringAsync(ct));
        var seen = Assert.Single(scene.Upstream.Requests);
        Assert.StartsWith("POST ", seen.RequestLine, StringComparison.Ordinal);
        Assert.Equal(data, seen.Body);
        // The fast path's pool never opened a connection: the body went through YARP.
        Assert.Equal(0, scene.Route.Upstream!.Count);
    }

    [Theory(Timeout = Timeout)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_non_ASCII_header_byte_passes_unchanged(bool fastPath)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var scene = Scene.Start(hubs.For(fastPath), ScriptedUpstream.Answering(Ok("ok", "X-Name: caf\u00e9\r\n")));
        using var client = await RawConnection.ConnectAsync(scene.Hub.Address, ct);
        await client.SendAsync($"GET /{scene.Path()} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", ct);

        var response = await client.ReadResponseAsync(ct);
        Assert.Equal(200, response.Status);
        byte[] line = [.. "\r\nX-Name: caf"u8, 0xE9, .. "\r\n"u8];
        byte[] head = [.. response.HeadBytes, .. "\r\n"u8];
        Assert.True(head.AsSpan().IndexOf(line) >= 0, Encoding.Latin1.GetString(response.HeadBytes));
    }

    [Fact(Timeout = Timeout)]
    public async Task A_login_form_arriving_in_two_writes_still_logs_in()
    {
        var ct = TestContext.Current.CancellationToken;
        // With inline scheduling, the second half of the body resumes the request on a socket thread; the hub's
        // ThreadPoolHop must carry the login through regardless.
        var hub = hubs.Fast;
        var user = Api.Unique("split");
        await hub.SetPasswordAsync(user, "correct-horse-1");
        using var browser = new Browser(hub);
        var form = await browser.GetAsync("hub/login");
        var body = $"username={user}&password=correct-horse-1&_xsrf={Uri.EscapeDataString(Browser.XsrfOf(form.Body))}";
        using var client = await RawConnection.ConnectAsync(hub.Address, ct);

        await client.SendAsync($"POST /hub/login HTTP/1.1\r\nHost: 127.0.0.1:{hub.Address.Port}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            + $"Content-Length: {body.Length}\r\nCookie: {browser.Cookies.GetCookieHeader(new Uri(hub.Address, "hub/login"))}\r\n\r\n{body[..(body.Length / 2)]}", ct);
        await Task.Delay(200, ct);
        await client.SendAsync(body[(body.Length / 2)..], ct);

        var response = await client.ReadResponseAsync(ct);
        Assert.Equal(302, response.Status);
        Assert.Equal(["/hub/home"], response.Values("Location"));
        Assert.Contains(response.Values("Set-Cookie"), c => c.StartsWith("jupyterhub-session-id=", StringComparison.Ordinal));
    }

    [Fact(Timeout = Timeout)]
    public async Task Activity_of_a_route_without_a_server_row_flushes_without_error()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var scene = Scene.Start(hubs.Fast, ScriptedUpstream.Answering(Ok("ok")));
        var added = scene.Route.LastActivityTicks;
        Assert.Equal("ok", await scene.Hub.Client().GetStringAsync(scene.Path(), ct));
        Assert.True(scene.Route.LastActivityTicks > added);

        // Registered to start after the hub listens (AddHostedServiceAfterStart): resolvable as itself, not among the IHostedService list.
        var flush = scene.Hub.Services.GetRequiredService<ActivityFlushJob>();
        await flush.FlushAsync(ct);
    }

    private static async Task AssertHubHealthyAsync(HubInstance hub)
    {
        using var response = await hub.Client().GetAsync("hub/api/", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>An upstream behind a route of its own (a unique user), removed with it.</summary>
    private sealed class Scene : IAsyncDisposable
    {
        private Scene(HubInstance hub, ScriptedUpstream upstream, ProxyRoute route, string user)
        {
            User = user;
            Hub = hub;
            Upstream = upstream;
            Route = route;
        }

        public HubInstance Hub { get; }

        public ScriptedUpstream Upstream { get; }

        public ProxyRoute Route { get; }

        public string User { get; }

        public static Scene Start(HubInstance hub, ScriptedUpstream upstream, string? user = null)
        {
            user ??= Api.Unique("u");
            // In-process, IProxyRoutes completes at once.
            hub.Services.GetRequiredService<ServerRoutes>().AddAsync(user, "", new Uri($"http://127.0.0.1:{upstream.Port}/"), CancellationToken.None).GetAwaiter().GetResult();
            return new Scene(hub, upstream, hub.Services.GetRequiredService<RouteTable>().Get("/user/" + user)!, user);
        }

        /// <summary>A path under the route, relative to the hub's root.</summary>
        public string Path(string rest = "") => $"user/{User}/{rest}";

        public async ValueTask DisposeAsync()
        {
            await Hub.Services.GetRequiredService<ServerRoutes>().RemoveAsync(User, "", CancellationToken.None);
            await Upstream.DisposeAsync();
        }
    }
}
