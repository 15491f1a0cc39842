using System.Diagnostics;
using System.Text.Json;
using Greyhub.Abstractions.Compute;
using Greyhub.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Greyhub.Plugins.Remote.Tests;

/// <summary>
/// The bridge's log tail: Debian's <c>SimpleLocalProcessSpawner</c> hosted unchanged, its server's stdout and stderr
/// reach the hub through <c>/v1/spawner/log</c> while it runs, and a start that fails brings its output with its error.
/// </summary>
public sealed class BridgeSpawnerLogTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_running_server_s_output_is_the_log_tail_and_a_failed_start_brings_its_output()
    {
        Requires.PythonModules("apt-get install -y jupyterhub python3-tornado python3-traitlets", "jupyterhub.spawner", "tornado", "traitlets");
        var data = Directory.CreateTempSubdirectory("greyhub-bridge-log-").FullName;
        var config = Path.Combine(data, "greyhub_bridge_config.py");
        // The "server" is a shell that talks on both streams; a server named "fails" ends at once, and the spawner
        // (a subclass, as operators write them) then fails its start, as a spawner that waits for its server does.
        File.WriteAllText(config, $$"""
            import asyncio
            from jupyterhub.spawner import SimpleLocalProcessSpawner

            class CheckingSpawner(SimpleLocalProcessSpawner):
                async def start(self):
                    address = await super().start()
                    if self.name == "fails":
                        for _ in range(100):
                            if self.proc.poll() is not None:
                                raise RuntimeError(f"the server exited with {self.proc.returncode}")
                            await asyncio.sleep(0.1)
                    return address

            c.Bridge.spawner_class = CheckingSpawner
            c.Bridge.server_log_dir = {{JsonSerializer.Serialize(Path.Combine(data, "logs"))}}
            c.SimpleLocalProcessSpawner.home_dir_template = {{JsonSerializer.Serialize(data)}} + "/{username}"
            c.Spawner.cmd = ["/bin/sh", "-c", 'echo "hello from $JUPYTERHUB_SERVICE_PREFIX"; echo "and a complaint" >&2; if [ "$JUPYTERHUB_SERVER_NAME" = fails ]; then echo "goodbye"; exit 3; fi; exec sleep 300', "server"]
            """);
        var port = FreePort.Next();
        var secret = Guid.NewGuid().ToString("N");
        var psi = new ProcessStartInfo(DebianPython.Path) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { "-m", "greyhub_bridge", "-f", config })
        {
            psi.ArgumentList.Add(arg);
        }
        psi.Environment["PYTHONPATH"] = JupyterHubBridge.PackageRoot;
        psi.Environment["GREYHUB_PLUGIN_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment["GREYHUB_PLUGIN_SECRET"] = secret;
        using var bridge = Process.Start(psi)!;
        var output = bridge.StandardError.ReadToEndAsync(Ct);
        _ = bridge.StandardOutput.ReadToEndAsync(Ct);
        string? state = null;
        try
        {
            var spawner = Spawner(new Uri($"http://127.0.0.1:{port}/"), secret);
            var context = new Context();
            var started = await RetryUntilListeningAsync(bridge, output, () => spawner.StartAsync(Request("alice", ""), context, Ct));
            state = started.State;
            Assert.Equal(state, context.Saved);
            Assert.True((await spawner.PollAsync([state], Ct))[0].Running);
            var log = "";
            var watch = Stopwatch.StartNew();
            while (!(log.Contains("hello from /user/alice/", StringComparison.Ordinal) && log.Contains("and a complaint", StringComparison.Ordinal)))
            {
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), "the log tail never showed the server's output: " + log);
                await Task.Delay(100, Ct);
                log = await spawner.ReadLogAsync(state, 4000, Ct);
            }
            // The tail is the end: a few bytes are the last ones.
            Assert.Equal("complaint\n", await spawner.ReadLogAsync(state, 10, Ct));

            // A start that fails: the error says why, and brings the server's output.
            var failed = await Assert.ThrowsAsync<SpawnFailedException>(() => spawner.StartAsync(Request("alice", "fails"), new Context(), Ct));
            Assert.Contains("the server exited with 3", failed.Message, StringComparison.Ordinal);
            Assert.Contains("hello from /user/alice/fails/", failed.LogTail, StringComparison.Ordinal);
            Assert.Contains("goodbye", failed.LogTail, StringComparison.Ordinal);

            // A state naming a file outside the bridge's log folder reads nothing.
            var forged = JsonSerializer.Serialize(new { bridge = 1, user = new { name = "alice", admin = false, groups = Array.Empty<string>() }, log = config });
            Assert.Equal("", await spawner.ReadLogAsync(forged, 4000, Ct));

            await spawner.StopAsync(state, Ct);
            Assert.False((await spawner.PollAsync([state], Ct))[0].Running);
            state = null;
        }
        finally
        {
            if (state is not null)
            {
                await Spawner(new Uri($"http://127.0.0.1:{port}/"), secret).StopAsync(state, CancellationToken.None);
            }
            bridge.Kill();
            await bridge.WaitForExitAsync(CancellationToken.None);
            Directory.Delete(data, recursive: true);
        }
    }

    private static SpawnRequest Request(string user, string server)
    {
        var prefix = server.Length == 0 ? $"/user/{user}/" : $"/user/{user}/{server}/";
        return new SpawnRequest
        {
            UserName = user,
            ServerName = server,
            ServicePrefix = prefix,
            HubEnvironment = new Dictionary<string, string>
            {
                ["JUPYTERHUB_API_URL"] = "http://127.0.0.1:1/hub/api",
                ["JUPYTERHUB_API_TOKEN"] = "not-a-real-token",
                ["JUPYTERHUB_SERVICE_PREFIX"] = prefix,
                ["JUPYTERHUB_SERVER_NAME"] = server,
            },
        };
    }

    private static RemoteSpawner Spawner(Uri url, string secret)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddRemoteSpawner("bridge", o =>
        {
            o.Url = url;
            o.Secret = secret;
            o.Timeout = TimeSpan.FromSeconds(30);
        });
        return services.BuildServiceProvider().GetRequiredService<RemoteSpawner>();
    }

    /// <summary>The first call, repeated until the bridge listens (it imports JupyterHub first).</summary>
    private static async Task<T> RetryUntilListeningAsync<T>(Process bridge, Task<string> output, Func<Task<T>> call)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            Assert.False(bridge.HasExited, "the bridge ended at start: " + (bridge.HasExited ? await output : ""));
            try
            {
                return await call();
            }
            catch (SpawnFailedException e) when (e.InnerException is PluginException { Kind: PluginFailure.Unreachable } && watch.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(100, Ct);
            }
        }
    }

    private sealed class Context : ISpawnContext
    {
        public string? Saved { get; private set; }

        public void Report(int progress, string message)
        {
        }

        public Task SaveStateAsync(string state, CancellationToken cancellationToken)
        {
            Saved = state;
            return Task.CompletedTask;
        }
    }
}
