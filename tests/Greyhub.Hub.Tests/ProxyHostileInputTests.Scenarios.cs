using System.Text;

namespace Greyhub.Hub.Tests;

/// <summary>Hostile sequences that one request and one answer cannot script: timing around the pool, and clients that do not read.</summary>
public sealed partial class ProxyHostileInputTests
{
    /// <summary>The scenarios against each path, numbered so a run's test names count them.</summary>
    public static TheoryData<string, string> Scenarios()
    {
        string[] names = ["1/4 unsolicited bytes on an idle pooled connection", "2/4 POST on a pooled connection that dies", "3/4 a client that never reads", "4/4 a client sending one byte at a time"];
        var data = new TheoryData<string, string>();
        foreach (var path in new[] { "fast", "yarp", "standalone" })
        {
            foreach (var name in names)
            {
                data.Add(path, name);
            }
        }
        return data;
    }

    [Theory(Timeout = Timeout)]
    [MemberData(nameof(Scenarios))]
    public async Task Hostile_sequence_never_leaks_or_repeats(string path, string scenario)
    {
        var hub = hubs.For(path);
        var user = Api.Unique("seq");
        TestContext.Current.CancellationToken.ThrowIfCancellationRequested();
        var run = scenario[..1] switch
        {
            "1" => UnsolicitedBytesBeforeReuseAsync(hub, user),
            "2" => PostIsNeverRetriedAsync(hub, user),
            "3" => NeverReadingClientAsync(hub, user),
            _ => ByteAtATimeAsync(hub, user),
        };
        await run;
    }

    /// <summary>
    /// The server answers, then (idle, unasked) sends a response echoing the first request's token: the next client
    /// on that route must get a fresh answer, never the echo (the pooled connection is checked before reuse).
    /// </summary>
    private static async Task UnsolicitedBytesBeforeReuseAsync(HostileProxy hub, string user)
    {
        var token = "secret-" + Guid.NewGuid().ToString("N");
        var sendNow = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = new ScriptedUpstream(async e =>
        {
            await e.SendAsync(Ok(e.Request.Target));
            if (e.Request.Connection == 0 && e.Request.Index == 0)
            {
                await sendNow.Task.WaitAsync(e.Stopping);
                var echo = e.Request.Head;
                await e.SendAsync($"HTTP/1.1 200 OK\r\nContent-Length: {echo.Length}\r\n\r\n{echo}");
                sent.SetResult();
            }
        });
        var otherUser = Api.Unique("other");
        await using var other = new ScriptedUpstream(e => e.SendAsync(Ok(e.Request.Target)));
        using var routes = new Routes(hub, (user, upstream), (otherUser, other));
        // The first client stays connected: the server connection must be pooled because of the server's bytes, not
        // dropped because its client left.
        using var first = await StrictClient.ConnectAsync(hub.Address, Ct);
        await first.SendAsync($"GET /user/{user}/first HTTP/1.1\r\n{Host}Authorization: token {token}\r\n\r\n", Ct);
        Assert.Equal($"/user/{user}/first", (await first.ReadAsync(false, Ct)).Text);
        // Its next request answered means the first exchange is over on either path: the connection is back in the pool.
        await first.SendAsync($"GET /user/{otherUser}/then HTTP/1.1\r\n{Host}\r\n", Ct);
        Assert.Equal($"/user/{otherUser}/then", (await first.ReadAsync(false, Ct)).Text);
        sendNow.SetResult();
        await sent.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        using var next = await StrictClient.ConnectAsync(hub.Address, Ct);
        await next.SendAsync($"GET /user/{user}/next HTTP/1.1\r\n{Host}\r\n", Ct);
        var answer = await next.ReadAsync(false, Ct);
        Assert.DoesNotContain(token, next.Received.ToString(), StringComparison.Ordinal);
        Assert.Equal(200, answer.Status);
        Assert.Equal($"/user/{user}/next", answer.Text);
    }

    /// <summary>A POST sent on a kept-alive connection that the server then drops reached the server once; it is never sent again (RFC 9110 9.2.2).</summary>
    private static async Task PostIsNeverRetriedAsync(HostileProxy hub, string user)
    {
        await using var upstream = new ScriptedUpstream(async e =>
        {
            if (e.Request.RequestLine.StartsWith("POST ", StringComparison.Ordinal))
            {
                // Seen, then the connection dies before any answer: the server may have acted on it.
                e.Close();
                return;
            }
            await e.SendAsync(Ok(e.Request.Target));
        });
        using var routes = new Routes(hub, (user, upstream));
        using var client = await StrictClient.ConnectAsync(hub.Address, Ct);
        await client.SendAsync($"GET /user/{user}/warm HTTP/1.1\r\n{Host}\r\n", Ct);
        Assert.Equal(200, (await client.ReadAsync(false, Ct)).Status);

        await client.SendAsync($"POST /user/{user}/api/contents HTTP/1.1\r\n{Host}Content-Length: 0\r\n\r\n", Ct);
        var reply = await client.ReadAsync(false, Ct);

        Assert.True(reply.Status is 0 or >= 500, $"A POST the server never answered got {reply.Status}");
        Assert.Single(upstream.Requests, r => r.RequestLine.StartsWith("POST ", StringComparison.Ordinal));
    }

    /// <summary>A client that asks for a large body and never reads holds only its own exchange: another client is answered, and the server connection closes with it.</summary>
    private static async Task NeverReadingClientAsync(HostileProxy hub, string user)
    {
        var streaming = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = new ScriptedUpstream(async e =>
        {
            if (!e.Request.Target.EndsWith("/big", StringComparison.Ordinal))
            {
                await e.SendAsync(Ok(e.Request.Target));
                return;
            }
            await e.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n");
            streaming.SetResult();
            var piece = new byte[64 * 1024];
            while (true)
            {
                // Ends when the proxy closes the connection (the send fails) or the upstream stops.
                await e.SendAsync(piece);
            }
        });
        using var routes = new Routes(hub, (user, upstream));
        var stuck = await StrictClient.ConnectAsync(hub.Address, Ct);
        await stuck.SendAsync($"GET /user/{user}/big HTTP/1.1\r\n{Host}\r\n", Ct);
        await streaming.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        using (var other = await StrictClient.ConnectAsync(hub.Address, Ct))
        {
            await other.SendAsync($"GET /user/{user}/other HTTP/1.1\r\n{Host}\r\n", Ct);
            Assert.Equal($"/user/{user}/other", (await other.ReadAsync(false, Ct)).Text);
        }
        stuck.Dispose();
        var big = upstream.Requests.Single(r => r.Target.EndsWith("/big", StringComparison.Ordinal));
        await upstream.PeerClosedAsync(big.Connection).WaitAsync(TimeSpan.FromSeconds(20), Ct);
    }

    /// <summary>A request trickling in one byte per send (a slow client) is answered once, whole, and the connection carries the next.</summary>
    private static async Task ByteAtATimeAsync(HostileProxy hub, string user)
    {
        await using var upstream = new ScriptedUpstream(e => e.SendAsync(Ok(e.Request.Target)));
        using var routes = new Routes(hub, (user, upstream));
        using var client = await StrictClient.ConnectAsync(hub.Address, Ct);
        foreach (var b in Encoding.Latin1.GetBytes($"GET /user/{user}/slow HTTP/1.1\r\n{Host}X-Pad: {new string('p', 200)}\r\n\r\n"))
        {
            await client.SendAsync(((char)b).ToString(), Ct);
        }
        Assert.Equal($"/user/{user}/slow", (await client.ReadAsync(false, Ct)).Text);
        await client.SendAsync($"GET /user/{user}/after HTTP/1.1\r\n{Host}\r\n", Ct);
        Assert.Equal($"/user/{user}/after", (await client.ReadAsync(false, Ct)).Text);
        Assert.Single(upstream.Requests, r => r.Target.EndsWith("/slow", StringComparison.Ordinal));
    }
}
