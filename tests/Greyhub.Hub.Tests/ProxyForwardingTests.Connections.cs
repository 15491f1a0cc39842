using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;

namespace Greyhub.Hub.Tests;

/// <summary>
/// The connection-level path: requests it takes and those it hands to Kestrel on one connection, heads that arrive in
/// pieces or pipelined, closing, X-Forwarded-*, timeouts and shutdown.
/// </summary>
public sealed partial class ProxyForwardingTests
{
    private static string Get(string path, string extra = "") => $"GET /{path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}\r\n";

    [Fact(Timeout = Timeout)]
    public async Task One_connection_carries_proxied_and_hub_requests_in_any_order()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var scene = Scene.Start(hubs.Fast, new ScriptedUpstream(e => e.SendAsync(Ok(e.Request.Target))));
        using var client = await RawConnection.ConnectAsync(scene.Hub.Address, ct);

        await client.SendAsync(Get(scene.Path("one")), ct);
        Assert.Equal($"/{scene.Path("one")}", (await client.ReadResponseAsync(ct)).Text);
        // The hub's own API: the connection goes to Kestrel from here on, and the proxy keeps answering on it.
        await client.SendAsync(Get("hub/api/"), ct);
        var hub = await client.ReadResponseAsync(ct);
        Assert.Equal(200, hub.Status);
        Assert.True(JsonDocument.Parse(hub.Body).RootElement.TryGetProperty("version", out _));
        await client.SendAsync(Get(scene.Path("two")), ct);
        Assert.Equal($"/{scene.Path("two")}", (await client.ReadResponseAsync(ct)).Text);

        Assert.Equal([$"/{scene.Path("one")}", $"/{scene.Path("two")}"], scene.Upstream.Requests.Select(r => r.Target));
    }

    [Fact(Timeout = Timeout)]
    public async Task Pipelined_requests_are_answered_in_order()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var scene = Scene.Start(hubs.Fast, new ScriptedUpstream(e => e.SendAsync(Ok(e.Request.Target))));
        using var client = await RawConnection.ConnectAsync(scene.Hub.Address, ct);

        await client.SendAsync(Get(scene.Path("a")) + Get(scene.Path("b")) + Get("hub/api/") + Get(scene.Path("c")), ct);

        Assert.Equal($"/{scene.Path("a")}", (await client.ReadResponseAsync(ct)).Text);
        Assert.Equal($"/{scene.Path("b")}", (await client.ReadResponseAsync(ct)).Text);
        Assert.Contains("\"version\"", (await client.ReadResponseAsync(ct)).Text, StringComparison.Ordinal);
        Assert.Equal($"/{scene.Path("c")}", (await client.ReadResponseAsync(ct)).Text);
    }

    [Fact(Timeout = Timeout)]
    public async Task A_head_arriving_in_pieces_is_forwarded_once_whole()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var scene = Scene.Start(hubs.Fast, ScriptedUpstream.Answering(Ok("whole")));
        using var client = await RawConnection.ConnectAsync(scene.Hub.Address, ct);
        var request = Get(scene.Path("x"), "X-Long: " + new string('v', 5000) + "\r\n");

        foreach (var piece in request.Chunk(700))
        {
            await client.SendAsync(new string(piece), ct);
            await Task.Delay(20, ct);
        }

        Assert.Equal("whole", (await client.ReadResponseAsync(ct)).Text);
        Assert.Equal(5000, Assert.Single(Assert.Single(scene.Upstream.Requests).Values("X-Long")).Length);
    }

    [Theory(Timeout = Timeout)]
    [InlineData("client")]
    [InlineData("body ended by the server's close")]
    public async Task The_connection_ends_after_a_response_when_it_must(string why)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var scene = Scene.Start(hubs.Fast, new ScriptedUpstream(async e =>
        {
            if (why == "client")
            {
                await e.SendAsync(Ok("bye"));
                return;
            }
            await e.SendAsync("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nbye");
            e.Close();
        }));
        using var client = await RawConnection.ConnectAsync(scene.Hub.Address, ct);

        await client.SendAsync(Get(scene.Path(), why == "client" ? "Connection: close\r\n" : ""), ct);
        var response = await client.ReadResponseAsync(ct);

        Assert.Equal("bye", response.Text);
        Assert.Equal(["close"], response.Values("Connection"));
        Assert.True(await ClosedAsync(client));
    }

    [Theory(Timeout = Timeout)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Forwarded_headers_from_a_proxy_in_front_are_kept_and_the_client_address_is_appended(bool all)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var hub = await HubInstance.StartAsync("Greyhub:TrustedProxies:0=127.0.0.0/8");
        await using var scene = Scene.Start(hub, ScriptedUpstream.Answering(Ok("ok")));
        using var client = await RawConnection.ConnectAsync(scene.Hub.Address, ct);

        // From a trusted proxy (the same list the hub's own forwarded-headers handling believes); it may send only some.
        var forwarded = "X-Forwarded-For: 203.0.113.7\r\n" + (all ? "X-Forwarded-Proto: https\r\nX-Forwarded-Host: hub.example\r\n" : "");
        await client.SendAsync(Get(scene.Path(), forwarded), ct);
        Assert.Equal(200, (await client.ReadResponseAsync(ct)).Status);

        var seen = Assert.Single(scene.Upstream.Requests);
        Assert.Equal(["203.0.113.7", "127.0.0.1"], seen.Values("X-Forwarded-For"));
        Assert.Equal([all ? "https" : "http"], seen.Values("X-Forwarded-Proto"));
        Assert.Equal([all ? "hub.example" : "127.0.0.1"], seen.Values("X-Forwarded-Host"));
    }

    [Theory(Timeout = Timeout)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Forwarded_headers_from_loopback_are_replaced_when_no_proxy_is_trusted(bool fastPath)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var scene = Scene.Start(hubs.For(fastPath), ScriptedUpstream.Answering(Ok("ok")));
        using var client = await RawConnection.ConnectAsync(scene.Hub.Address, ct);

        // Users' servers and kernels of the local engine connect from loopback too: by default nobody is a proxy.
        await client.SendAsync(Get(scene.Path(), "X-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: hub.example\r\n"), ct);
        Assert.Equal(200, (await client.ReadResponseAsync(ct)).Status);

        var seen = Assert.Single(scene.Upstream.Requests);
        Assert.Equal(["127.0.0.1"], seen.Values("X-Forwarded-For"));
        Assert.Equal(["http"], seen.Values("X-Forwarded-Proto"));
        Assert.Equal(["127.0.0.1"], seen.Values("X-Forwarded-Host"));
    }

    [Theory(Timeout = Timeout)]
    [InlineData("HTTP/1.0")]
    [InlineData("escaped name")]
    [InlineData("no trailing slash")]
    public async Task Requests_the_connection_path_leaves_to_Kestrel_still_work(string kind)
    {
        var ct = TestContext.Current.CancellationToken;
        var user = kind == "escaped name" ? Api.Unique("j\u00f6rg") : null;
        await using var scene = Scene.Start(hubs.Fast, new ScriptedUpstream(e => e.SendAsync(Ok(e.Request.Target))), user);
        using var client = await RawConnection.ConnectAsync(scene.Hub.Address, ct);
        var escaped = $"user/{Uri.EscapeDataString(scene.User)}/x";

        await client.SendAsync(kind switch
        {
            "HTTP/1.0" => $"GET /{scene.Path("x")} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n",
            "escaped name" => Get(escaped),
            _ => Get($"user/{scene.User}"),
        }, ct);
        var response = await client.ReadResponseAsync(ct);

        Assert.Equal(200, response.Status);
        // As configurable-http-proxy's trie: /user/NAME is the route /user/NAME's (its key has no trailing slash), so the
        // server gets it, as behind JupyterHub's own proxy.
        Assert.Equal(kind switch { "escaped name" => $"/{escaped}", "no trailing slash" => $"/user/{scene.User}", _ => $"/{scene.Path("x")}" }, response.Text);
    }

    [Fact(Timeout = Timeout)]
    public async Task A_head_ending_in_bare_line_feeds_goes_to_Kestrel_instead_of_waiting()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var scene = Scene.Start(hubs.Fast, new ScriptedUpstream(e => e.SendAsync(Ok(e.Request.Target))));
        using var client = await RawConnection.ConnectAsync(scene.Hub.Address, ct);

        await client.SendAsync($"GET /{scene.Path("lf")} HTTP/1.1\nHost: 127.0.0.1\n\n", ct);

        // Kestrel accepts bare LF terminators; the connection-level path must not sit waiting for a CRLF CRLF.
        var response = await client.ReadResponseAsync(ct);
        Assert.Equal(200, response.Status);
        Assert.Equal($"/{scene.Path("lf")}", response.Text);
    }

    [Fact(Timeout = Timeout)]
    public async Task A_Content_Length_beside_chunked_framing_is_not_passed_on()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var scene = Scene.Start(hubs.Fast, ScriptedUpstream.Answering(
            "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"));
        using var client = await RawConnection.ConnectAsync(scene.Hub.Address, ct);

        await client.SendAsync(Get(scene.Path()), ct);
        var response = await client.ReadResponseAsync(ct);

        Assert.Equal("hello", response.Text);
        Assert.Empty(response.Values("Content-Length"));
        Assert.Equal(["chunked"], response.Values("Transfer-Encoding"));
    }

    [Fact(Timeout = Timeout)]
    public async Task Idle_and_slow_connections_are_closed_and_stopping_the_hub_closes_the_rest()
    {
        var ct = TestContext.Current.CancellationToken;
        var hub = await HubInstance.StartWithAsync(
            b => b.WebHost.ConfigureKestrel(o =>
            {
                o.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(2);
                o.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(2);
            }),
            null);
        await using (var scene = Scene.Start(hub, ScriptedUpstream.Answering(Ok("ok"))))
        {
            using var idle = await RawConnection.ConnectAsync(hub.Address, ct);
            await idle.SendAsync(Get(scene.Path()), ct);
            Assert.Equal("ok", (await idle.ReadResponseAsync(ct)).Text);
            using var slow = await RawConnection.ConnectAsync(hub.Address, ct);
            await slow.SendAsync($"GET /{scene.Path()} HTTP/1.1\r\nHost: 1", ct);

            Assert.True(await ClosedAsync(idle));
            Assert.True(await ClosedAsync(slow));
        }

        await using var upstream = ScriptedUpstream.Answering(Ok("ok"));
        var last = Scene.Start(hub, upstream);
        using var held = await RawConnection.ConnectAsync(hub.Address, ct);
        await held.SendAsync(Get(last.Path()), ct);
        Assert.Equal("ok", (await held.ReadResponseAsync(ct)).Text);
        await hub.DisposeAsync();
        Assert.True(await ClosedAsync(held));
    }

    [Fact(Timeout = Timeout)]
    public async Task A_TLS_endpoint_hands_every_connection_to_Kestrel_and_YARP_forwards()
    {
        var ct = TestContext.Current.CancellationToken;
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(TimeProvider.System.GetUtcNow().AddDays(-1), TimeProvider.System.GetUtcNow().AddDays(1));
        // The connection middleware sits in front of TLS (endpoint defaults come first), so it sees encrypted bytes.
        await using var hub = await HubInstance.StartWithAsync(
            b => b.WebHost.ConfigureKestrel(o => o.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate))), null);
        Assert.Equal("https", hub.Address.Scheme);
        await using var scene = Scene.Start(hub, ScriptedUpstream.Answering(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-Checksum: abc\r\n\r\n"));
        using var client = new HttpClient(new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, presented, _, _) => presented?.Thumbprint == certificate.Thumbprint,
        })
        { BaseAddress = hub.Address };

        using var response = await client.GetAsync(scene.Path("x"), ct);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync(ct));
        Assert.Contains("\"version\"", await client.GetStringAsync("hub/api/", ct), StringComparison.Ordinal);

        // YARP forwarded it: it says https (the connection-level path only ever sees plain HTTP) and drops trailers.
        var seen = Assert.Single(scene.Upstream.Requests);
        Assert.Equal(["https"], seen.Values("X-Forwarded-Proto"));
        Assert.Empty(response.TrailingHeaders);
    }

    /// <summary>Reads until the hub closes the connection (true), failing the test on any other byte.</summary>
    private static async Task<bool> ClosedAsync(RawConnection connection)
    {
        try
        {
            var more = await connection.FillAsync(Ct);
            Assert.False(more, "The hub sent more bytes instead of closing");
            return true;
        }
        catch (SocketException)
        {
            return true;
        }
    }
}
