using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Greyhub.Hub.Tests;

/// <summary>What the proxy did, as /hub/metrics tells it.</summary>
public sealed partial class ProxyForwardingTests
{
    [Fact(Timeout = Timeout)]
    public async Task Metrics_count_forwarded_requests_by_path_and_server_failures_by_reason()
    {
        var ct = TestContext.Current.CancellationToken;
        var hub = hubs.Fast;
        var prom = hub.Client(hub.AdminToken);
        var before = await ProxyMetricsAsync(prom);
        await using var scene = Scene.Start(hub, new ScriptedUpstream(e =>
            e.SendAsync(e.Request.RequestLine.Contains("/bad", StringComparison.Ordinal) ? "HTTP/1.1 abc\r\n\r\n" : Ok("ok"))));
        var client = hub.Client();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("ok", await client.GetStringAsync(scene.Path($"{i}"), ct));
        }
        using (var bad = await client.GetAsync(scene.Path("bad"), ct))
        {
            Assert.Equal(HttpStatusCode.BadGateway, bad.StatusCode);
        }
        // The invalid head closed that connection: the next request opens another.
        Assert.Equal("ok", await client.GetStringAsync(scene.Path("after"), ct));
        // A body goes through YARP, on a connection handed to the HTTP stack.
        using (var posted = await hub.Client().PostAsync(scene.Path("api/contents"), new ByteArrayContent(new byte[10]), ct))
        {
            Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        }
        using (var gone = new DeadRoute(hub))
        {
            using var unreachable = await hub.Client().GetAsync($"user/{gone.User}/tree", ct);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, unreachable.StatusCode);
        }

        var after = await ProxyMetricsAsync(prom);
        double Delta(string name) => after.GetValueOrDefault(name) - before.GetValueOrDefault(name);
        Assert.Equal(6, Delta("greyhub_proxy_requests_total{path=\"connection\"}"));
        Assert.Equal(1, Delta("greyhub_proxy_requests_total{path=\"http\"}"));
        Assert.Equal(1, Delta("greyhub_proxy_failures_total{reason=\"bad_response\"}"));
        Assert.Equal(1, Delta("greyhub_proxy_failures_total{reason=\"unreachable\"}"));
        Assert.Equal(0, Delta("greyhub_proxy_failures_total{reason=\"timeout\"}"));
        Assert.Equal(0, Delta("greyhub_proxy_failures_total{reason=\"cut_short\"}"));
        // The server saw two connections from the connection-level path and one from YARP (the POST).
        Assert.Equal(3, scene.Upstream.Connections);
        Assert.Equal(2, Delta("greyhub_proxy_upstream_connections_total"));
        // The POST's connection; the metrics client's one was handed over before the first scrape and kept alive since.
        Assert.Equal(1, Delta("greyhub_proxy_handovers_total"));
    }

    /// <summary>The proxy's samples on /hub/metrics, by name with labels.</summary>
    private static async Task<Dictionary<string, double>> ProxyMetricsAsync(HttpClient client)
    {
        var r = await client.GetApiAsync("hub/metrics");
        Assert.Equal(200, r.Code);
        return Regex.Matches(r.Body, @"^(greyhub_proxy_[a-z_]+(?:\{[^}]*\})?) (\S+)$", RegexOptions.Multiline)
            .ToDictionary(m => m.Groups[1].Value, m => double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
    }
}
