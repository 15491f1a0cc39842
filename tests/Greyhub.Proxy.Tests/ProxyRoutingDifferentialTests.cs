using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Greyhub.Proxy.Tests;

/// <summary>
/// Odd request paths sent raw (no client normalisation) through the standalone proxy with the connection-level path on
/// and off: both must pick the same server, since the server a path reaches cannot depend on how a request was framed.
/// </summary>
public sealed class ProxyRoutingDifferentialTests : IAsyncLifetime
{
    private TestUpstream _hub = null!;
    private TestUpstream _alice = null!;
    private TestUpstream _bob = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string> OddPaths =>
    [
        "/user/alice/../bob/",
        "/user/alice/x/../../bob/",
        "/user/alice/%2e%2e/bob/",
        "/user/alice/%2E%2E/bob/",
        "/user/alice/.%2e/bob/",
        "/user/alice/..%2Fbob/",
        "/user/alice/..%2fbob/",
        "/user/alice/..\\bob/",
        "/user/alice/./x",
        "/user/alice/.",
        "/user/alice/..",
        "/user/./alice/x",
        "/user/bob/../alice/x",
        "/user/../user/alice/x",
        "/user//alice/x",
        "/user/alice//x",
        "/User/alice/x",
        "/user/Alice/x",
        "/user%2Falice/x",
        "/user/alice%2F/x",
        "/user/al%69ce/x",
        "/user/alice%00/x",
        "/user/alice/x?../../bob",
        "/user/alice/x/..?q",
        "//user/alice/x",
        "/hub/../user/alice/x",
        "/user/alice/x/../../../hub/",
    ];

    public static TheoryData<string> OddHeads =>
    [
        "Host: evil.example/x",
        "Host: evil.example?x",
        "Host: user@evil.example",
        // Not here: "Host: evil.example:99999" (Kestrel takes it; YARP's client refuses it, 503; the connection-level
        // path forwards it): a port out of range harms no one but the sender, left as a known difference.
        "Host: evil.example:-1",
        "Host: [::1",
        "Host: a b",
        "Host: \"quoted\"",
        "Host: evil.example\r\nHost: other.example",
        "Host: evil.example\r\nX-Forwarded-Host: forged.example\r\nX-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Proto: https",
        "Host: evil.example\r\nX-Forwarded-For: 6.6.6.6\r\nX-Forwarded-For: 7.7.7.7",
        "Host: evil.example\r\nConnection: X-Forwarded-For",
        "Host: evil.example\r\nTransfer-Encoding: chunked\r\nContent-Length: 0",
        "Host: evil.example\r\nContent-Length: 0\r\nContent-Length: 0",
        "Host: evil.example\r\nUpgrade: websocket\r\nConnection: Upgrade",
    ];

    [Theory]
    [MemberData(nameof(OddHeads))]
    public async Task Both_forwarding_paths_answer_an_odd_head_alike(string headers)
    {
        var fast = await AnswerAsync(headers, fastPath: true);
        var yarp = await AnswerAsync(headers, fastPath: false);

        Assert.Equal(yarp, fast);
    }

    [Theory]
    [InlineData("/../svc/x", "/prefix/svc/x")]
    [InlineData("/%2e%2e/svc/x", "/prefix/svc/x")]
    [InlineData("/./../svc/x", "/prefix/svc/x")]
    [InlineData("/svc/../../svc/x", "/prefix/svc/x")]
    [InlineData("/svc/a/../x", "/prefix/svc/x")]
    [InlineData("/svc/a/%2E%2E/x?q=1", "/prefix/svc/x?q=1")]
    public async Task A_dot_segment_cannot_climb_out_of_the_target_path(string target, string seen)
    {
        foreach (var fastPath in new[] { true, false })
        {
            await using var proxy = await StandaloneProxy.StartAsync(null, StandaloneProxy.Token, $"Greyhub:Proxy:FastPath={fastPath}");
            await proxy.Routes.AddRouteAsync("/svc", new Uri(_alice.Address, "prefix/"), new Dictionary<string, JsonElement>(), Ct);
            var response = await RawHttp.GetAsync(proxy.PublicAddress, target, Ct);

            Assert.Contains("alice GET " + seen, response, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_client_cannot_forge_the_headers_tornado_believes(bool fastPath)
    {
        await using var proxy = await StandaloneProxy.StartAsync(null, StandaloneProxy.Token, $"Greyhub:Proxy:FastPath={fastPath}");
        await proxy.Routes.AddRouteAsync("/user/alice", _alice.Address, new Dictionary<string, JsonElement>(), Ct);
        var response = await RawHttp.SendAsync(proxy.PublicAddress, $"GET /user/alice/x HTTP/1.1\r\nHost: {proxy.PublicAddress.Authority}\r\n"
            + "X-Real-IP: 6.6.6.6\r\nx-scheme: https\r\nForwarded: for=6.6.6.6;proto=https\r\nX-Forwarded-For: 6.6.6.6\r\nConnection: close\r\n\r\n", Ct);

        Assert.StartsWith("HTTP/1.1 200", response, StringComparison.Ordinal);
        Assert.DoesNotContain("6.6.6.6", response, StringComparison.Ordinal);
        Assert.DoesNotContain("https", response, StringComparison.Ordinal);
    }

    /// <summary>The status and what the server saw of Host and X-Forwarded-* (empty when it saw nothing).</summary>
    private async Task<string> AnswerAsync(string headers, bool fastPath)
    {
        await using var proxy = await StandaloneProxy.StartAsync(null, StandaloneProxy.Token, $"Greyhub:Proxy:FastPath={fastPath}");
        await proxy.Routes.AddRouteAsync("/user/alice", _alice.Address, new Dictionary<string, JsonElement>(), Ct);
        var response = await RawHttp.SendAsync(proxy.PublicAddress, $"GET /user/alice/x HTTP/1.1\r\n{headers}\r\nConnection: close\r\n\r\n", Ct);
        var head = response[..Math.Max(0, response.IndexOf("\r\n\r\n", StringComparison.Ordinal))].Split("\r\n");
        return string.Join(" | ", head.Take(1).Select(l => l.Split(' ')[1]).Concat(head.Where(l => l.StartsWith("X-Seen-", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal)));
    }

    public async ValueTask InitializeAsync()
    {
        _hub = await TestUpstream.StartAsync("hub");
        _alice = await TestUpstream.StartAsync("alice");
        _bob = await TestUpstream.StartAsync("bob");
    }

    public async ValueTask DisposeAsync()
    {
        await _hub.DisposeAsync();
        await _alice.DisposeAsync();
        await _bob.DisposeAsync();
    }

    [Theory]
    [MemberData(nameof(OddPaths))]
    public async Task Both_forwarding_paths_pick_the_same_server_for_an_odd_path(string target)
    {
        var fast = await WhoAnswersAsync(target, fastPath: true);
        var yarp = await WhoAnswersAsync(target, fastPath: false);

        Assert.Equal(yarp, fast);
    }

    private async Task<string> WhoAnswersAsync(string target, bool fastPath)
    {
        await using var proxy = await StandaloneProxy.StartAsync(_hub.Address, StandaloneProxy.Token, $"Greyhub:Proxy:FastPath={fastPath}");
        await proxy.Routes.AddRouteAsync("/user/alice", _alice.Address, new Dictionary<string, JsonElement>(), Ct);
        await proxy.Routes.AddRouteAsync("/user/bob", _bob.Address, new Dictionary<string, JsonElement>(), Ct);
        return Who(await RawHttp.GetAsync(proxy.PublicAddress, target, Ct));
    }

    /// <summary>The status and, for a 200, the server that answered (the first word of the echo).</summary>
    private static string Who(string response)
    {
        var status = response.Split(' ', 3)[1];
        if (status != "200")
        {
            return status;
        }
        var body = response[(response.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
        if (response.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))
        {
            body = body[(body.IndexOf("\r\n", StringComparison.Ordinal) + 2)..];
        }
        return "200 " + body.Split(' ')[0];
    }
}

/// <summary>A request written byte for byte on a socket, so that no client normalises its target.</summary>
internal static class RawHttp
{
    public static async Task<string> GetAsync(Uri server, string target, CancellationToken cancellationToken) =>
        await SendAsync(server, $"GET {target} HTTP/1.1\r\nHost: {server.Authority}\r\nConnection: close\r\n\r\n", cancellationToken);

    public static async Task<string> SendAsync(Uri server, string head, CancellationToken cancellationToken)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port, cancellationToken);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.Latin1.GetBytes(head), cancellationToken);
        using var reader = new StreamReader(stream, Encoding.Latin1);
        return await reader.ReadToEndAsync(cancellationToken);
    }
}
