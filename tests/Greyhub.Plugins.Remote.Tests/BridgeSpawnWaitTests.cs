using System.Net.Http.Headers;
using System.Text.Json;
using Greyhub.Host;
using Greyhub.Hub.Hosting;
using Greyhub.Testing;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Greyhub.Plugins.Remote.Tests;

/// <summary>
/// A spawn through the bridge (1.3) is a few calls: the start's progress is one streamed call, and while the started
/// server comes up the hub holds one <c>/v1/spawner/wait</c> call instead of polling the bridge every 100 ms; a server
/// that dies before it answers still fails its spawn, told by that call. A real hub with a managed bridge hosting Debian's
/// <c>SimpleLocalProcessSpawner</c> unchanged; the server is the stand-in single-user server (or a shell that exits).
/// </summary>
public sealed class BridgeSpawnWaitTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_spawn_is_a_start_a_progress_stream_and_a_wait_and_a_server_dying_early_fails_it()
    {
        Requires.PythonModules("apt-get install -y jupyterhub python3-tornado python3-traitlets", "jupyterhub.spawner", "tornado", "traitlets");
        var data = Directory.CreateTempSubdirectory("greyhub-bridge-wait-").FullName;
        var config = Path.Combine(data, "greyhub_bridge_config.py");
        var log = Path.Combine(data, "bridge.log");
        // Tornado's access line for every call the bridge answers, in its log; the server named "dies" exits before it listens.
        var script = "if [ \"$JUPYTERHUB_SERVER_NAME\" = dies ]; then sleep 1; exit 7; fi; exec " + DebianPython.Path + " -S " + StandInSingleUser.Script;
        await File.WriteAllTextAsync(config, $$"""
            import logging
            _access = logging.getLogger("tornado.access")
            _access.setLevel(logging.INFO)
            _access.addHandler(logging.StreamHandler())
            c.Bridge.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
            c.Bridge.server_log_dir = {{JsonSerializer.Serialize(Path.Combine(data, "logs"))}}
            c.SimpleLocalProcessSpawner.home_dir_template = {{JsonSerializer.Serialize(data)}} + "/{username}"
            c.Spawner.cmd = ["/bin/sh", "-c", {{JsonSerializer.Serialize(script)}}, "server"]
            """, Ct);
        const string At = "--Greyhub:Compute:Remote:jb:";
        string[] args =
        [
            "--urls", "http://127.0.0.1:0", "--Greyhub:DataDir=" + data, "--Logging:LogLevel:Default=Warning",
            "--Greyhub:Culler:Enabled=false", "--Greyhub:Spawner:Plugin=jb",
            // No poll of running servers during the test: every poll call in the log would be a start's.
            "--Greyhub:Servers:PollInterval=01:00:00",
            At + "Command:0=" + DebianPython.Path, At + "Command:1=-m", At + "Command:2=greyhub_bridge", At + "Command:3=-f", At + "Command:4=" + config,
            At + "Environment:PYTHONPATH=" + JupyterHubBridge.PackageRoot, At + "LogFile=" + log,
        ];
        var app = await HubHost.BuildAsync(args, cancellationToken: Ct);
        try
        {
            await app.StartAsync(Ct);
            using var hub = await ClientAsync(app);
            (await hub.PostAsync("hub/api/users/alice", null, Ct)).EnsureSuccessStatusCode();

            // A server that comes up: ready, reached through the proxy.
            (await hub.PostAsync("hub/api/users/alice/server", null, Ct)).EnsureSuccessStatusCode();
            var progress = await hub.GetStringAsync("hub/api/users/alice/server/progress", Ct);
            Assert.Contains("\"ready\": true", progress, StringComparison.Ordinal);
            using (var proxied = await hub.GetAsync("user/alice/api", Ct))
            {
                Assert.True(proxied.IsSuccessStatusCode, $"the server did not answer through the proxy: {proxied.StatusCode}");
            }

            // A server that exits before it answers: its spawn fails saying so (the wait call told the hub).
            using (var spawn = await hub.PostAsync("hub/api/users/alice/servers/dies", null, Ct))
            {
                var told = spawn.IsSuccessStatusCode
                    ? await hub.GetStringAsync("hub/api/users/alice/servers/dies/progress", Ct)
                    : await spawn.Content.ReadAsStringAsync(Ct);
                Assert.Contains("The server exited with code 7 before it answered", told, StringComparison.Ordinal);
            }

            using (var stop = await hub.DeleteAsync("hub/api/users/alice/server", Ct))
            {
                stop.EnsureSuccessStatusCode();
            }
            var lines = (await File.ReadAllLinesAsync(log, Ct)).Where(l => l.Contains(" /v1/spawner/", StringComparison.Ordinal)).ToList();
            // Per spawn one start and one streamed progress call, a wait (the one the hub drops is logged once the bridge
            // notices), and no poll at all.
            Assert.Equal(2, lines.Count(l => l.Contains("POST /v1/spawner/start", StringComparison.Ordinal)));
            Assert.Equal(2, lines.Count(l => l.Contains("POST /v1/spawner/progress", StringComparison.Ordinal)));
            Assert.True(lines.Any(l => l.Contains("POST /v1/spawner/wait", StringComparison.Ordinal)), "no wait call:\n" + string.Join('\n', lines));
            Assert.DoesNotContain(lines, l => l.Contains("/v1/spawner/poll", StringComparison.Ordinal));
        }
        finally
        {
            await HubTeardown.StopAsync(app, data);
        }
    }

    private static async Task<HttpClient> ClientAsync(Microsoft.AspNetCore.Builder.WebApplication app)
    {
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/");
        await using var scope = app.Services.CreateAsyncScope();
        var token = await HubAdmin.IssueTokenAsync(scope.ServiceProvider, "admin", admin: true, "bridge wait test", Ct);
        var hub = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(3) };
        hub.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("token", token);
        return hub;
    }
}
