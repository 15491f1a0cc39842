using System.Text;
using Greyhub.Abstractions.Proxy;
using Greyhub.Proxy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Greyhub.Hub.Tests;

/// <summary>A proxy under attack: where clients connect, and its routes.</summary>
public sealed record HostileProxy(Uri Address, IProxyRoutes Routes);

/// <summary>
/// The three forwarding paths under attack, each with its error log kept: the default hub (connection-level path
/// first), a YARP-only hub, and the proxy brick on its own (<c>greyhub proxy</c>'s host, connection-level path first).
/// </summary>
public sealed class HostileHubs : IAsyncLifetime
{
    private HubInstance _fast = null!;
    private HubInstance _yarp = null!;
    private ProxyHost _standalone = null!;
    private readonly ErrorLogCapture _fastErrors = new();
    private readonly ErrorLogCapture _yarpErrors = new();
    private readonly ErrorLogCapture _standaloneErrors = new();

    public HostileProxy For(string path) => path switch
    {
        "fast" => new(_fast.Address, _fast.Services.GetRequiredService<IProxyRoutes>()),
        "yarp" => new(_yarp.Address, _yarp.Services.GetRequiredService<IProxyRoutes>()),
        _ => new(_standalone.PublicAddress, _standalone.Routes),
    };

    public ErrorLogCapture ErrorsOf(string path) => path switch { "fast" => _fastErrors, "yarp" => _yarpErrors, _ => _standaloneErrors };

    public async ValueTask InitializeAsync()
    {
        _fast = await HubInstance.StartWithAsync(b => b.Logging.AddProvider(_fastErrors), null);
        _yarp = await HubInstance.StartWithAsync(b => b.Logging.AddProvider(_yarpErrors), null, "Greyhub:Proxy:FastPath=false");
        var settings = new ProxyHostSettings
        {
            Ip = "127.0.0.1", Port = 0, ApiIp = "127.0.0.1", ApiPort = 0,
            ConfigureServices = s => s.AddLogging(b => b.AddProvider(_standaloneErrors)),
        };
        settings.Configuration.Add(new("Logging:LogLevel:Default", "Warning"));
        settings.Configuration.Add(new("Greyhub:Proxy:ApiToken", "hostile-test"));
        _standalone = await ProxyHost.StartAsync(settings, CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await _fast.DisposeAsync();
        await _yarp.DisposeAsync();
        await _standalone.DisposeAsync();
    }
}

/// <summary>
/// Hostile input against every forwarding path (issue "The proxy as its own brick"): each case is forwarded as one
/// correct message or refused (4xx/5xx or a closed connection), and never desynchronises anything: a follow-up on the
/// same client connection, to another user's server, gets its own answer, and a second client on the same route never
/// sees a byte of the first exchange. YARP on Kestrel is the reference; the connection-level path must match it in safety.
/// </summary>
public sealed partial class ProxyHostileInputTests(HostileHubs hubs) : IClassFixture<HostileHubs>
{
    private const int Timeout = 60_000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Ok(string body) => $"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}";

    [Theory(Timeout = Timeout)]
    [MemberData(nameof(Cases))]
    public async Task Hostile_input_is_forwarded_whole_or_refused_and_never_desynchronises(string path, string id)
    {
        var c = All[id];
        TestContext.Current.CancellationToken.ThrowIfCancellationRequested();
        var hub = hubs.For(path);
        var errorsBefore = hubs.ErrorsOf(path).Errors.Count;
        var marker = "secret-" + Guid.NewGuid().ToString("N");
        string a = Api.Unique("attacked"), b = Api.Unique("other");
        var t = new HostileTarget($"/user/{a}/hostile", $"/user/{a}/smuggled", marker);
        await using var upstream = new ScriptedUpstream(async e =>
        {
            var target = e.Request.Target;
            if (target.Contains("/smuggled", StringComparison.Ordinal))
            {
                await e.SendAsync(Ok("smuggled " + marker));
            }
            else if (!target.EndsWith("/second", StringComparison.Ordinal) && c.Response is not null)
            {
                await e.SendAsync(c.Response(t));
                if (c.CloseAfter)
                {
                    e.Close();
                }
            }
            else
            {
                await e.SendAsync(Ok(target.EndsWith("/second", StringComparison.Ordinal) ? target : target + " " + marker));
            }
        });
        await using var other = new ScriptedUpstream(e => e.SendAsync(Ok("other " + e.Request.Target)));
        using var routes = new Routes(hub, (a, upstream), (b, other));

        // The hostile exchange.
        using var client = await StrictClient.ConnectAsync(hub.Address, Ct);
        await client.SendAsync(c.Request(t), Ct);
        var reply = await client.ReadAsync(c.HeadRequest, Ct);
        switch (c.Expect)
        {
            case HostileExpect.Refused:
                Assert.True(reply.Status is 0 or >= 400, $"Expected a refusal, got {reply.Status}:\n{reply.All}");
                break;
            case HostileExpect.Forwarded:
                Assert.Equal(200, reply.Status);
                break;
        }
        if (reply.Status is >= 200 and < 300 && c.Response is not null && c.Body is not null)
        {
            Assert.Equal(c.Body, reply.Text);
        }
        if (reply.Status is >= 200 and < 300 && c.Response is null)
        {
            Assert.DoesNotContain("smuggled", reply.Text, StringComparison.Ordinal);
        }

        // The same client connection, next request to another user's server: its own answer, or a close.
        var smuggledAnswers = 0;
        if (!reply.Close && await client.SendAsync($"GET /user/{b}/follow HTTP/1.1\r\n{Host}\r\n", Ct))
        {
            var follow = await client.ReadAsync(false, Ct);
            while (c.Response is null && follow.Text.StartsWith("smuggled ", StringComparison.Ordinal))
            {
                // The client itself pipelined it (one reading of its bytes); it is answered to it, in order.
                smuggledAnswers++;
                follow = await client.ReadAsync(false, Ct);
            }
            if (follow.Status != 0)
            {
                Assert.Equal(200, follow.Status);
                Assert.Equal($"other /user/{b}/follow", follow.Text);
            }
        }

        // A second client on the attacked route (the pooled connection, if one was kept): its own answer, no foreign byte.
        using (var second = await StrictClient.ConnectAsync(hub.Address, Ct))
        {
            await second.SendAsync($"GET /user/{a}/second HTTP/1.1\r\n{Host}\r\n", Ct);
            var answer = await second.ReadAsync(false, Ct);
            Assert.Equal(200, answer.Status);
            Assert.Equal($"/user/{a}/second", answer.Text);
            Assert.DoesNotContain(marker, second.Received.ToString(), StringComparison.Ordinal);
        }

        // What the server saw: well-framed requests only, and every smuggled one answered to the client that sent it.
        foreach (var request in upstream.Requests)
        {
            AssertWellFramed(request);
        }
        Assert.Equal(smuggledAnswers, upstream.Requests.Count(r => r.Target.Contains("/smuggled", StringComparison.Ordinal)));
        var errors = hubs.ErrorsOf(path).Errors.Skip(errorsBefore).ToList();
        Assert.DoesNotContain(errors, e => e.Contains("Unhandled", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>A request as a server must get it: one Host, unambiguous framing, an origin-form target, no bare CR/LF.</summary>
    private static void AssertWellFramed(UpstreamRequest request)
    {
        BareLineEnds.Refuse(request.Head, "forwarded request head");
        Assert.Single(request.Values("Host"));
        var lengths = request.Values("Content-Length");
        var codings = request.Values("Transfer-Encoding");
        Assert.True(lengths.Count <= 1 && (lengths.Count == 0 || codings.Count == 0), $"Ambiguous framing reached the server:\n{request.Head}");
        Assert.All(lengths, l => Assert.Matches("^[0-9]+$", l));
        Assert.All(codings, v => Assert.Equal("chunked", v, ignoreCase: true));
        Assert.StartsWith("/", request.Target, StringComparison.Ordinal);
        Assert.DoesNotContain('#', request.Target);
        Assert.DoesNotContain(request.Headers, h => h.Name.StartsWith(' ') || h.Name.StartsWith('\t'));
    }

    /// <summary>Routes for the test's users to their upstreams, removed with it.</summary>
    private sealed class Routes : IDisposable
    {
        private readonly IProxyRoutes _table;
        private readonly string[] _users;

        public Routes(HostileProxy proxy, params (string User, ScriptedUpstream Upstream)[] routes)
        {
            _table = proxy.Routes;
            _users = [.. routes.Select(r => r.User)];
            foreach (var (user, upstream) in routes)
            {
                // In-process, IProxyRoutes completes at once (the standalone host's too: the test holds its table).
                _table.AddRouteAsync($"/user/{user}/", new Uri($"http://127.0.0.1:{upstream.Port}"), new Dictionary<string, System.Text.Json.JsonElement>(), CancellationToken.None)
                    .GetAwaiter().GetResult();
            }
        }

        public void Dispose()
        {
            foreach (var user in _users)
            {
                _table.DeleteRouteAsync($"/user/{user}/", CancellationToken.None).GetAwaiter().GetResult();
            }
        }
    }
}
