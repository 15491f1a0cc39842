using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Greyhub.Abstractions.Compute;
using Greyhub.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Greyhub.Hub.Tests;

/// <summary>
/// <c>POST /hub/api/batchspawner</c>: a server reports its port with its own API token (as batchspawner-singleuser
/// does) and the hub hands it, with the server's job, to the engine's <see cref="IJobEndpointReceiver"/>.
/// </summary>
public sealed class BatchSpawnerApiTests
{
    // Stands in for batchspawner-singleuser: reports its port with the server's token, then serves.
    private const string Reporter = """
        import http.server, json, os, sys, urllib.parse, urllib.request
        url = urllib.parse.urlparse(os.environ["JUPYTERHUB_SERVICE_URL"])
        token = os.environ["JUPYTERHUB_API_TOKEN"]
        with open(os.environ["TOKEN_FILE"], "w") as f:
            f.write(token)
        req = urllib.request.Request(os.environ["JUPYTERHUB_API_URL"] + "/batchspawner", method="POST",
            data=json.dumps({"port": url.port}).encode(), headers={"Authorization": "token " + token, "Content-Type": "application/json"})
        print("hub says", urllib.request.urlopen(req).read().decode(), flush=True)
        class Ok(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200); self.end_headers(); self.wfile.write(b"ok")
            def log_message(self, *args):
                pass
        http.server.HTTPServer((url.hostname, url.port), Ok).serve_forever()
        """;

    private sealed class RecordingReceiver : IJobEndpointReceiver
    {
        public TaskCompletionSource<(JobHandle Job, string? Host, int Port)> Received { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<bool> TryAcceptEndpointAsync(JobHandle job, string? host, int port, CancellationToken cancellationToken)
        {
            Received.TrySetResult((job, host, port));
            return Task.FromResult(job.Engine == "local");
        }
    }

    [Fact]
    public async Task A_server_reports_its_port_with_its_own_token_and_the_engine_receives_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var receiver = new RecordingReceiver();
        var tokenFile = Path.Combine(Directory.CreateTempSubdirectory("greyhub-batchspawner-").FullName, "token");
        await using var hub = await HubInstance.StartWithAsync(
            b => b.Services.AddSingleton<IJobEndpointReceiver>(receiver),
            null,
            $"Greyhub:Spawner:Command:0={DebianPython.Path}", "Greyhub:Spawner:Command:1=-c", "Greyhub:Spawner:Command:2=" + Reporter,
            "Greyhub:Spawner:Environment:TOKEN_FILE=" + tokenFile);
        var alice = hub.Client(await hub.TokenForAsync("alice"));

        // Nobody, and a user's own (non-server) token, cannot report anything.
        using (var anonymous = await hub.Client().PostAsJsonAsync("hub/api/batchspawner", new { port = 1234 }, ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, anonymous.StatusCode);
        }
        using (var notAServer = await alice.PostAsJsonAsync("hub/api/batchspawner", new { port = 1234 }, ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, notAServer.StatusCode);
        }

        using var start = await alice.PostAsync("hub/api/users/alice/server", null, ct);
        Assert.True(start.IsSuccessStatusCode, await start.Content.ReadAsStringAsync(ct));
        var (job, host, port) = await receiver.Received.Task.WaitAsync(TimeSpan.FromSeconds(60), ct);
        Assert.Equal("local", job.Engine);
        Assert.Null(host);
        Assert.InRange(port, 1, 65535);
        // The job is the server's: its state names the same process the local engine reports.
        Assert.Contains($"\"pid\":{job.Id}", job.State, StringComparison.Ordinal);

        var serverToken = await File.ReadAllTextAsync(tokenFile, ct);
        var server = hub.Client(serverToken);
        using (var bad = await server.PostAsJsonAsync("hub/api/batchspawner", new { port = "x" }, ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        }
        using var again = await server.PostAsJsonAsync("hub/api/batchspawner", new { port, host = "10.0.0.7" }, ct);
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal("BatchSpawner data configured", (await again.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("message").GetString());

        using var stop = await alice.DeleteAsync("hub/api/users/alice/server", ct);
        Assert.True(stop.IsSuccessStatusCode);
    }
}
