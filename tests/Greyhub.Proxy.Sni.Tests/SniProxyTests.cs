using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using Greyhub.Proxy.Sni.Parsing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using static Greyhub.Proxy.Sni.Tests.ClientHellos;

namespace Greyhub.Proxy.Sni.Tests;

/// <summary>The SNI proxy over real sockets: TLS passes through to the backend the name picks; everything else is closed before any backend.</summary>
public sealed class SniProxyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Each_name_reaches_its_own_backend_whose_certificate_the_client_sees()
    {
        using var a = ClusterCertificates.Create("daskgateway-a");
        using var b = ClusterCertificates.Create("daskgateway-b");
        await using var backendA = new TlsEchoServer(a.Leaf);
        await using var backendB = new TlsEchoServer(b.Leaf);
        await using var proxy = await SniProxyHost.StartAsync();
        proxy.Routes.Set("daskgateway-a", "127.0.0.1", backendA.Port);
        proxy.Routes.Set("daskgateway-b", "localhost", backendB.Port);

        foreach (var (name, certs, backend) in new[] { ("daskgateway-a", a, backendA), ("DaskGateway-B", b, backendB) })
        {
            var (tls, seen) = await proxy.ConnectTlsAsync(name, certs.Ca);
            await using (tls)
            {
                // The backend's own certificate came through: the proxy did not terminate TLS.
                Assert.Equal(certs.Leaf.Thumbprint, seen.Thumbprint);
                Assert.Equal($"echo {name}", await EchoAsync(tls, $"echo {name}"));
            }
            Assert.Equal(1, backend.Accepted);
        }
    }

    [Fact]
    public async Task An_unknown_name_gets_a_TLS_alert_and_no_backend_is_reached()
    {
        using var a = ClusterCertificates.Create("daskgateway-a");
        await using var backend = new TlsEchoServer(a.Leaf);
        await using var proxy = await SniProxyHost.StartAsync();
        proxy.Routes.Set("daskgateway-a", "127.0.0.1", backend.Port);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => proxy.ConnectTlsAsync("daskgateway-nope", a.Ca));
        Assert.True(error is AuthenticationException or IOException, error.ToString());
        Assert.Equal(0, backend.Accepted);
    }

    [Fact]
    public async Task Removing_a_route_refuses_new_connections_for_that_name()
    {
        using var a = ClusterCertificates.Create("daskgateway-a");
        await using var backend = new TlsEchoServer(a.Leaf);
        await using var proxy = await SniProxyHost.StartAsync();
        proxy.Routes.Set("daskgateway-a", "127.0.0.1", backend.Port);
        var (open, _) = await proxy.ConnectTlsAsync("daskgateway-a", a.Ca);
        await using (open)
        {
            Assert.True(proxy.Routes.Remove("daskgateway-a"));
            Assert.False(proxy.Routes.Remove("daskgateway-a"));
            await Assert.ThrowsAnyAsync<Exception>(() => proxy.ConnectTlsAsync("daskgateway-a", a.Ca));
            Assert.Equal(1, backend.Accepted);
            // A connection made before the removal carries on.
            Assert.Equal("still here", await EchoAsync(open, "still here"));
        }
    }

    [Fact]
    public async Task The_ClientHello_is_replayed_byte_for_byte_and_a_half_close_reaches_the_backend()
    {
        var hello = await CaptureAsync("raw-backend", Ct);
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        await using var proxy = await SniProxyHost.StartAsync();
        proxy.Routes.Set("raw-backend", "127.0.0.1", ((System.Net.IPEndPoint)listener.LocalEndpoint).Port);

        using var client = await proxy.ConnectRawAsync();
        client.NoDelay = true;
        byte[] sent = [.. hello, .. "and more"u8];
        // Dripped a byte at a time: the proxy waits for whole records and routes once the ClientHello is complete.
        for (var i = 0; i < sent.Length; i++)
        {
            await client.SendAsync(sent.AsMemory(i, 1), SocketFlags.None, Ct);
        }
        client.Shutdown(SocketShutdown.Send);

        using var backend = await listener.AcceptSocketAsync(Ct);
        var received = await ReadToEndAsync(backend);
        Assert.Equal(sent, received);
        // The client's half-close arrived as end of stream; the other direction still flows.
        await backend.SendAsync("bye"u8.ToArray(), SocketFlags.None, Ct);
        backend.Shutdown(SocketShutdown.Send);
        Assert.Equal("bye", Encoding.ASCII.GetString(await ReadToEndAsync(client)));
    }

    public static TheoryData<string, byte[]> HostileOpenings()
    {
        var handshake = Handshake([HostName("daskgateway-a")]);
        return new()
        {
            { "plain HTTP", Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: daskgateway-a\r\n\r\n") },
            { "SSLv2 hello", [0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15, 0x00, 0x00, 0x00, 0x10, .. new byte[0x2c]] },
            { "record over 2^14", [0x16, 0x03, 0x01, 0xff, 0xff, .. new byte[64]] },
            { "hello over the limit", [0x16, 0x03, 0x01, 0x00, 0x04, 0x01, 0x10, 0x00, 0x00] },
            { "two names", Records(Handshake([HostName("daskgateway-a"), HostName("daskgateway-b")])) },
            { "no name", Records(Handshake(null)) },
            { "NUL in the name", Records(Handshake([ServerName((0, "daskgateway-a\0.evil"u8.ToArray()))])) },
            { "not a ClientHello", [0x16, 0x03, 0x01, 0x00, 0x04, 0x02, 0x00, 0x00, 0x00] },
            { "alert mid-hello", [.. Records(handshake[..8]), 0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x28] },
            // Within the 4096-byte limit as a message, but as one-byte records it overflows the proxy's buffer.
            { "tiny records past the buffer", Records(Handshake([HostName("daskgateway-a"), (0x0015, new byte[3000])]), 1) },
        };
    }

    [Theory]
    [MemberData(nameof(HostileOpenings))]
    public async Task Hostile_openings_are_closed_without_reaching_a_backend(string what, byte[] opening)
    {
        using var a = ClusterCertificates.Create("daskgateway-a");
        await using var backend = new TlsEchoServer(a.Leaf);
        await using var proxy = await SniProxyHost.StartAsync(new Dictionary<string, string?> { ["SniProxy:MaxClientHelloBytes"] = "4096" });
        proxy.Routes.Set("daskgateway-a", "127.0.0.1", backend.Port);
        proxy.Routes.Set("daskgateway-b", "127.0.0.1", backend.Port);

        using var client = await proxy.ConnectRawAsync();
        try
        {
            await client.SendAsync(opening, SocketFlags.None, Ct);
        }
        catch (SocketException)
        {
            // The proxy may close while the rest of a long opening is still on its way.
        }
        await ReadToEndAsync(client);
        Assert.True(backend.Accepted == 0, $"{what}: a backend was reached");
    }

    [Fact]
    public async Task Fuzzed_openings_reach_a_backend_exactly_when_the_parser_finds_a_routed_name()
    {
        var hello = await CaptureAsync("daskgateway-a", Ct);
        using var a = ClusterCertificates.Create("daskgateway-a");
        await using var backend = new TlsEchoServer(a.Leaf);
        await using var proxy = await SniProxyHost.StartAsync();
        proxy.Routes.Set("daskgateway-a", "127.0.0.1", backend.Port);
        var random = new Random(7);
        var expected = 0;
        for (var i = 0; i < 300; i++)
        {
            var input = (byte[])hello.Clone();
            for (var n = random.Next(1, 4); n > 0; n--)
            {
                input[random.Next(input.Length)] = (byte)random.Next(256);
            }
            if (random.Next(2) == 0)
            {
                input = input[..random.Next(1, input.Length)];
            }
            var parsed = ClientHelloParser.Parse(input, 16 * 1024);
            expected += parsed is { Status: ClientHelloStatus.Found, ServerName: "daskgateway-a" } ? 1 : 0;

            using var client = await proxy.ConnectRawAsync();
            await client.SendAsync(input, SocketFlags.None, Ct);
            client.Shutdown(SocketShutdown.Send);
            await ReadToEndAsync(client);
        }
        Assert.InRange(expected, 10, 290); // Both outcomes were exercised.
        Assert.Equal(expected, backend.Accepted);
        await WaitUntilAsync(() => proxy.OpenConnections == 0);
        // The proxy is still serving.
        var (tls, _) = await proxy.ConnectTlsAsync("daskgateway-a", a.Ca);
        await using (tls)
        {
            Assert.Equal("alive", await EchoAsync(tls, "alive"));
        }
    }

    [Fact]
    public async Task A_client_that_never_finishes_its_ClientHello_is_closed_after_the_time_limit()
    {
        var time = new FakeTimeProvider();
        var hello = await CaptureAsync("daskgateway-a", Ct);
        using var a = ClusterCertificates.Create("daskgateway-a");
        await using var backend = new TlsEchoServer(a.Leaf);
        await using var proxy = await SniProxyHost.StartAsync(new Dictionary<string, string?> { ["SniProxy:ClientHelloTimeout"] = "00:00:05" }, time);
        proxy.Routes.Set("daskgateway-a", "127.0.0.1", backend.Port);

        using var client = await proxy.ConnectRawAsync();
        await client.SendAsync(hello.AsMemory(0, hello.Length / 2), SocketFlags.None, Ct);
        var closed = ReadToEndAsync(client);
        // The proxy arms its timer once it reads; advance until it has and fires. No wall-clock time is asserted.
        while (!closed.IsCompleted)
        {
            time.Advance(TimeSpan.FromSeconds(5));
            await Task.WhenAny(closed, Task.Delay(50, Ct));
        }
        await closed;
        Assert.Equal(0, backend.Accepted);
        await WaitUntilAsync(() => proxy.OpenConnections == 0);
    }

    [Fact]
    public async Task Connections_past_the_limit_are_closed_on_accept()
    {
        using var a = ClusterCertificates.Create("daskgateway-a");
        await using var backend = new TlsEchoServer(a.Leaf);
        await using var proxy = await SniProxyHost.StartAsync(new Dictionary<string, string?> { ["SniProxy:MaxConnections"] = "2" });
        proxy.Routes.Set("daskgateway-a", "127.0.0.1", backend.Port);

        using var first = await proxy.ConnectRawAsync();
        using var second = await proxy.ConnectRawAsync();
        await WaitUntilAsync(() => proxy.OpenConnections == 2);
        using var third = await proxy.ConnectRawAsync();
        Assert.Empty(await ReadToEndAsync(third));

        first.Dispose();
        await WaitUntilAsync(() => proxy.OpenConnections == 1);
        var (tls, _) = await proxy.ConnectTlsAsync("daskgateway-a", a.Ca);
        await using (tls)
        {
            Assert.Equal("room again", await EchoAsync(tls, "room again"));
        }
    }

    [Fact]
    public async Task Bad_options_fail_at_start_naming_each_problem()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => SniProxyHost.StartAsync(new Dictionary<string, string?>
        {
            ["SniProxy:Ip"] = "not-an-ip",
            ["SniProxy:Port"] = "70000",
            ["SniProxy:MaxClientHelloBytes"] = "10",
            ["SniProxy:ClientHelloTimeout"] = "00:00:00",
            ["SniProxy:MaxConnections"] = "0",
        }));
        Assert.Equal(5, error.Failures.Count());
        Assert.Contains(error.Failures, f => f.Contains("SniProxy:Ip", StringComparison.Ordinal));
    }

    private static async Task<string> EchoAsync(Stream stream, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        await stream.WriteAsync(bytes, Ct);
        var buffer = new byte[bytes.Length];
        await stream.ReadExactlyAsync(buffer, Ct);
        return Encoding.UTF8.GetString(buffer);
    }

    /// <summary>Everything until the peer closes (a reset counts as closed).</summary>
    private static async Task<byte[]> ReadToEndAsync(Socket socket)
    {
        var output = new MemoryStream();
        var buffer = new byte[8192];
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, Ct)) > 0)
            {
                output.Write(buffer, 0, read);
            }
        }
        catch (SocketException)
        {
        }
        return output.ToArray();
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        while (!condition())
        {
            await Task.Delay(20, Ct);
        }
    }
}
