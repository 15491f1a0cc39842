using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Greyhub.Proxy.Tests;

/// <summary>
/// The standalone proxy forwarding to real Kestrel servers: by route (longest prefix), WebSockets, the default target,
/// and errors (CHP's error target or the built-in page). Theories run with the connection-level path on and off.
/// </summary>
public sealed class ProxyHostForwardingTests : IAsyncLifetime
{
    private TestUpstream _alice = null!;
    private TestUpstream _named = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _alice = await TestUpstream.StartAsync("alice");
        _named = await TestUpstream.StartAsync("named");
    }

    public async ValueTask DisposeAsync()
    {
        await _alice.DisposeAsync();
        await _named.DisposeAsync();
    }

    private static Task<ProxyHost> StartAsync(bool fastPath, Uri? defaultTarget = null, params string[] config) =>
        StandaloneProxy.StartAsync(defaultTarget, StandaloneProxy.Token, [$"Greyhub:Proxy:FastPath={fastPath}", .. config]);

    private static Dictionary<string, JsonElement> NoData => [];

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Requests_go_to_the_longest_matching_route_with_path_query_and_host_kept(bool fastPath)
    {
        await using var proxy = await StartAsync(fastPath);
        await proxy.Routes.AddRouteAsync("/user/alice", _alice.Address, NoData, Ct);
        await proxy.Routes.AddRouteAsync("/user/alice/gpu", _named.Address, NoData, Ct);
        using var client = new HttpClient { BaseAddress = proxy.PublicAddress };

        Assert.Equal("alice GET /user/alice/tree?x=1", await client.GetStringAsync("user/alice/tree?x=1", Ct));
        Assert.Equal("named GET /user/alice/gpu/lab", await client.GetStringAsync("user/alice/gpu/lab", Ct));
        Assert.Equal("alice GET /user/alice/gpux", await client.GetStringAsync("user/alice/gpux", Ct));
        using var response = await client.GetAsync("user/alice/", Ct);
        Assert.Equal(proxy.PublicAddress.Authority, response.Headers.GetValues("X-Seen-Host").Single());
        Assert.Equal(proxy.PublicAddress.Authority, response.Headers.GetValues("X-Seen-X-Forwarded-Host").Single());
        Assert.Equal("127.0.0.1", response.Headers.GetValues("X-Seen-X-Forwarded-For").Single());
        Assert.Equal("http", response.Headers.GetValues("X-Seen-X-Forwarded-Proto").Single());
        using var post = await client.PostAsync("user/alice/api/contents", new StringContent("body!"), Ct);
        Assert.Equal("alice POST /user/alice/api/contents body!", await post.Content.ReadAsStringAsync(Ct));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_target_path_is_prepended_as_chp_does(bool fastPath)
    {
        await using var proxy = await StartAsync(fastPath);
        await proxy.Routes.AddRouteAsync("/svc", new Uri(_alice.Address, "prefix/"), NoData, Ct);
        using var client = new HttpClient { BaseAddress = proxy.PublicAddress };

        Assert.Equal("alice GET /prefix/svc/x", await client.GetStringAsync("svc/x", Ct));
    }

    [Fact]
    public async Task A_websocket_is_forwarded_both_ways()
    {
        await using var proxy = await StartAsync(fastPath: true);
        await proxy.Routes.AddRouteAsync("/ws", _alice.Address, NoData, Ct);
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://{proxy.PublicAddress.Authority}/ws"), Ct);

        var buffer = new byte[64];
        var opened = (await proxy.Routes.GetRouteAsync("/ws", Ct))!.LastActivity;
        foreach (var message in new[] { "hello", "kernel message" })
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, true, Ct);
            var received = await socket.ReceiveAsync(buffer, Ct);
            Assert.Equal(message, Encoding.UTF8.GetString(buffer, 0, received.Count));
        }
        // As in CHP, messages on an open WebSocket are activity, not only its start and end.
        Assert.True((await proxy.Routes.GetRouteAsync("/ws", Ct))!.LastActivity > opened);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, Ct);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Without_a_route_the_default_target_answers_and_is_the_route_slash(bool fastPath)
    {
        await using var proxy = await StartAsync(fastPath, _named.Address);
        await proxy.Routes.AddRouteAsync("/user/alice", _alice.Address, NoData, Ct);
        using var client = new HttpClient { BaseAddress = proxy.PublicAddress };

        Assert.Equal("named GET /hub/home", await client.GetStringAsync("hub/home", Ct));
        Assert.Equal("alice GET /user/alice/x", await client.GetStringAsync("user/alice/x", Ct));
        Assert.Equal(_named.Address.OriginalString, (await proxy.Routes.GetRouteAsync("/", Ct))!.Target.OriginalString);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Without_a_route_or_default_target_the_answer_is_the_builtin_404(bool fastPath)
    {
        await using var proxy = await StartAsync(fastPath);
        using var client = new HttpClient { BaseAddress = proxy.PublicAddress };

        using var response = await client.GetAsync("user/nobody/x", Ct);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("/user/nobody/x", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_server_that_does_not_answer_is_a_503_from_the_error_target(bool fastPath)
    {
        // The error target is a server of its own: /status/{code} answers "status page {code}".
        await using var proxy = await StartAsync(fastPath, null, "Greyhub:Proxy:ErrorTarget=" + new Uri(_named.Address, "status"));
        await proxy.Routes.AddRouteAsync("/user/gone", new Uri($"http://127.0.0.1:{FreePort()}"), NoData, Ct);
        using var client = new HttpClient { BaseAddress = proxy.PublicAddress };

        using var down = await client.GetAsync("user/gone/lab?x=1", Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        Assert.Equal("status page 503", await down.Content.ReadAsStringAsync(Ct));
        using var missing = await client.GetAsync("nowhere", Ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("status page 404", await missing.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task The_error_target_is_asked_for_the_status_with_the_request_url()
    {
        await using var proxy = await StartAsync(fastPath: true, null, "Greyhub:Proxy:ErrorTarget=" + new Uri(_alice.Address, "hub/error"));
        using var client = new HttpClient { BaseAddress = proxy.PublicAddress };

        using var response = await client.GetAsync("user/x/y?z=1", Ct);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("alice GET /hub/error/404?url=%2Fuser%2Fx%2Fy%3Fz%3D1", await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task A_failing_error_target_falls_back_to_the_builtin_page()
    {
        await using var proxy = await StartAsync(fastPath: true, null, $"Greyhub:Proxy:ErrorTarget=http://127.0.0.1:{FreePort()}/");
        await proxy.Routes.AddRouteAsync("/user/gone", new Uri($"http://127.0.0.1:{FreePort()}"), NoData, Ct);
        using var client = new HttpClient { BaseAddress = proxy.PublicAddress };

        using var response = await client.GetAsync("user/gone/", Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("503 Service Unavailable", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task No_x_forward_sends_the_request_without_forwarded_headers(bool fastPath)
    {
        await using var proxy = await StartAsync(fastPath, null, "Greyhub:Proxy:XForward=false");
        await proxy.Routes.AddRouteAsync("/user/alice", _alice.Address, NoData, Ct);
        using var client = new HttpClient { BaseAddress = proxy.PublicAddress };

        using var response = await client.GetAsync("user/alice/", Ct);
        Assert.Equal("", response.Headers.GetValues("X-Seen-X-Forwarded-For").Single());
        Assert.Equal(proxy.PublicAddress.Authority, response.Headers.GetValues("X-Seen-Host").Single());
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(false, false)]
    public async Task Forwarded_headers_are_kept_only_from_a_trusted_proxy(bool fastPath, bool trusted)
    {
        await using var proxy = await StartAsync(fastPath, null, trusted ? ["Greyhub:Proxy:TrustedProxies:0=127.0.0.0/8"] : []);
        await proxy.Routes.AddRouteAsync("/user/alice", _alice.Address, NoData, Ct);
        using var client = new HttpClient { BaseAddress = proxy.PublicAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "user/alice/");
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", "203.0.113.9");
        request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", "https");

        using var response = await client.SendAsync(request, Ct);
        // One header line or two: the server reads the same list.
        var seen = response.Headers.GetValues("X-Seen-X-Forwarded-For").Single().Split(',').Select(a => a.Trim());
        Assert.Equal(trusted ? ["203.0.113.9", "127.0.0.1"] : ["127.0.0.1"], seen);
        Assert.Equal(trusted ? "https" : "http", response.Headers.GetValues("X-Seen-X-Forwarded-Proto").Single());
    }

    [Fact]
    public async Task Activity_through_a_route_moves_its_last_activity()
    {
        await using var proxy = await StartAsync(fastPath: true);
        await proxy.Routes.AddRouteAsync("/user/alice", _alice.Address, NoData, Ct);
        var added = (await proxy.Routes.GetRouteAsync("/user/alice", Ct))!.LastActivity;
        using var client = new HttpClient { BaseAddress = proxy.PublicAddress };

        await client.GetStringAsync("user/alice/api/status", Ct);
        Assert.True((await proxy.Routes.GetRouteAsync("/user/alice", Ct))!.LastActivity > added);
    }

    [Fact]
    public async Task Tls_on_the_public_listener_from_pem_files()
    {
        var dir = Directory.CreateTempSubdirectory("greyhub-proxy-tls-").FullName;
        try
        {
            using var rsa = System.Security.Cryptography.RSA.Create(2048);
            var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=127.0.0.1", rsa,
                System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
            var now = TimeProvider.System.GetUtcNow();
            using var cert = request.CreateSelfSigned(now.AddMinutes(-5), now.AddHours(1));
            var (certFile, keyFile) = (Path.Combine(dir, "cert.pem"), Path.Combine(dir, "key.pem"));
            await File.WriteAllTextAsync(certFile, cert.ExportCertificatePem(), Ct);
            await File.WriteAllTextAsync(keyFile, rsa.ExportPkcs8PrivateKeyPem(), Ct);
            var settings = new ProxyHostSettings { Ip = "127.0.0.1", Port = 0, ApiIp = "127.0.0.1", ApiPort = 0, SslCert = certFile, SslKey = keyFile };
            settings.Configuration.Add(new("Greyhub:Proxy:ApiToken", StandaloneProxy.Token));
            settings.Configuration.Add(new("Logging:LogLevel:Default", "Warning"));
            await using var proxy = await ProxyHost.StartAsync(settings, Ct);
            await proxy.Routes.AddRouteAsync("/user/alice", _alice.Address, NoData, Ct);
            using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, c, _, _) => c?.Thumbprint == cert.Thumbprint };
            using var client = new HttpClient(handler) { BaseAddress = proxy.PublicAddress };

            Assert.Equal("https", proxy.PublicAddress.Scheme);
            using var response = await client.GetAsync("user/alice/x", Ct);
            Assert.Equal("alice GET /user/alice/x", await response.Content.ReadAsStringAsync(Ct));
            Assert.Equal("https", response.Headers.GetValues("X-Seen-X-Forwarded-Proto").Single());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>A port that was free a moment ago, with nothing listening.</summary>
    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
