using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Greyhub.Abstractions.Compute;
using Greyhub.Host;
using Greyhub.Hub.Hosting;
using Greyhub.Processes;
using Greyhub.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Greyhub.Plugins.Remote.Tests;

/// <summary>
/// A real hub whose engine is the reference plug-in, started and supervised by the hub, running real
/// jupyterhub-singleuser servers: a plug-in killed with SIGKILL is started again and its servers re-attached; a plug-in
/// that hangs fails a spawn with a clear error while the hub and the servers already running carry on.
/// </summary>
public sealed class PluginHubTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_hub_outlives_a_killed_and_a_hanging_plugin_and_servers_reattach()
    {
        Requires.Program("jupyterhub-singleuser", "apt-get install -y jupyterhub");
        var data = Directory.CreateTempSubdirectory("greyhub-plugin-hub-").FullName;
        var jobs = Path.Combine(data, "plugin-jobs");
        const string At = "--Greyhub:Compute:Remote:py:";
        string[] args =
        [
            "--urls", "http://127.0.0.1:0", "--Greyhub:DataDir=" + data, "--Logging:LogLevel:Default=Warning",
            "--Greyhub:Culler:Enabled=false", "--Greyhub:Spawner:Engine=py",
            At + "Command:0=" + DebianPython.Path, At + "Command:1=" + PythonEngine.Script,
            At + "Environment:GREYHUB_ENGINE_JOBS=" + jobs, At + "LogFile=" + Path.Combine(data, "plugin.log"),
            // Impatient calls, and a health check patient enough that a hang is seen by a spawn before any restart.
            At + "Timeout=00:00:03", At + "Retries=1", At + "HealthInterval=00:00:01", At + "HealthFailures=10",
        ];
        var app = await HubHost.BuildAsync(args, cancellationToken: Ct);
        var plugin = app.Services.GetRequiredKeyedService<RemotePlugin>("py");
        try
        {
            await app.StartAsync(Ct);
            using var hub = await ClientAsync(app);
            var supervisor = plugin.Supervisor!;
            var first = supervisor.ProcessId!.Value;

            // Alice's server runs on the plug-in.
            (await hub.PostAsync("hub/api/users/alice", null, Ct)).EnsureSuccessStatusCode();
            (await hub.PostAsync("hub/api/users/alice/server", null, Ct)).EnsureSuccessStatusCode();
            Assert.Contains("\"ready\": true", await hub.GetStringAsync("hub/api/users/alice/server/progress", Ct), StringComparison.Ordinal);
            await AnswersAsync(hub, "user/alice/api");
            var alice = Assert.Single(Jobs(jobs));
            var alicePid = int.Parse(alice.Id, CultureInfo.InvariantCulture);
            Assert.Equal(JobPhase.Running, (await plugin.Engine.GetStatusAsync([alice], Ct))[0].Phase);

            // kill -9 of the plug-in: the hub starts it again, and it finds alice's server from the stored state.
            LinuxProcess.Signal(first, 9);
            await UntilAsync(() => supervisor.Starts >= 2 && supervisor.ProcessId is { } pid && pid != first, "the plug-in was not started again");
            await UntilAsync(async () => (await plugin.Engine.GetStatusAsync([alice], Ct))[0].Phase == JobPhase.Running, "the restarted plug-in did not find alice's server");
            await AnswersAsync(hub, "user/alice/api");

            // A hanging plug-in (stopped with SIGSTOP): bob's spawn fails saying which plug-in and why; the hub answers, alice's server too.
            var second = supervisor.ProcessId!.Value;
            LinuxProcess.Signal(second, 19);
            try
            {
                (await hub.PostAsync("hub/api/users/bob", null, Ct)).EnsureSuccessStatusCode();
                // A spawn that fails at once is answered 500 with the reason (as JupyterHub does); a slower one in its progress.
                using var spawn = await hub.PostAsync("hub/api/users/bob/server", null, Ct);
                var told = spawn.StatusCode == HttpStatusCode.Accepted
                    ? await hub.GetStringAsync("hub/api/users/bob/server/progress", Ct)
                    : await spawn.Content.ReadAsStringAsync(Ct);
                // The answers are JSON, which escapes the apostrophe.
                told = told.Replace("\\u0027", "'", StringComparison.Ordinal);
                Assert.True(spawn.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.InternalServerError, $"bob's spawn answered {spawn.StatusCode}: {told}");
                Assert.Contains("Plug-in 'py': did not answer", told, StringComparison.Ordinal);
                using (var users = await hub.GetAsync("hub/api/users", Ct))
                {
                    Assert.Equal(HttpStatusCode.OK, users.StatusCode);
                }
                await AnswersAsync(hub, "user/alice/api");
            }
            finally
            {
                LinuxProcess.Signal(second, 18);
            }

            // The plug-in answers again; stopping alice's server through it ends her process.
            await UntilAsync(async () => (await plugin.Engine.GetStatusAsync([alice], Ct))[0].Phase == JobPhase.Running, "the plug-in did not come back");
            using (var stop = await hub.DeleteAsync("hub/api/users/alice/server", Ct))
            {
                stop.EnsureSuccessStatusCode();
            }
            await UntilAsync(() => !LinuxProcess.IsAlive(alicePid, LinuxProcess.Stat(alicePid)?.StartTicks ?? -1), "alice's server outlived its stop");
        }
        finally
        {
            // Whatever a test failure left running (bob's launch, queued while the plug-in hung, may have started later).
            foreach (var job in Directory.Exists(jobs) ? Jobs(jobs) : [])
            {
                try
                {
                    await plugin.Engine.StopAsync(job, TimeSpan.FromSeconds(2), CancellationToken.None);
                }
                catch (PluginException)
                {
                }
            }
            await HubTeardown.StopAsync(app, data);
        }
    }

    [Fact]
    public async Task A_plugin_failing_after_the_launch_fails_the_start_cleanly()
    {
        await using var plugin = await FaultyPlugin.StartAsync();
        plugin.OnStatus = (context, _) =>
        {
            context.Response.StatusCode = 500;
            return context.Response.WriteAsJsonAsync(new { error = "the backend exploded" });
        };
        var data = Directory.CreateTempSubdirectory("greyhub-plugin-hub-").FullName;
        const string At = "--Greyhub:Compute:Remote:faulty:";
        string[] args =
        [
            "--urls", "http://127.0.0.1:0", "--Greyhub:DataDir=" + data, "--Logging:LogLevel:Default=Warning",
            "--Greyhub:Culler:Enabled=false", "--Greyhub:Spawner:Engine=faulty",
            At + "Url=" + plugin.Url, At + "Secret=" + FaultyPlugin.Secret,
        ];
        var app = await HubHost.BuildAsync(args, cancellationToken: Ct);
        try
        {
            await app.StartAsync(Ct);
            using var hub = await ClientAsync(app);
            (await hub.PostAsync("hub/api/users/bob", null, Ct)).EnsureSuccessStatusCode();
            using var spawn = await hub.PostAsync("hub/api/users/bob/server", null, Ct);
            var told = (spawn.StatusCode == HttpStatusCode.Accepted
                ? await hub.GetStringAsync("hub/api/users/bob/server/progress", Ct)
                : await spawn.Content.ReadAsStringAsync(Ct)).Replace("\\u0027", "'", StringComparison.Ordinal);
            // The spawner's own undo (reading the log, stopping) fails too, as the plug-in has no such calls; the user is
            // told the start's own error, with the plug-in named, and the hub's undo failing as well still ends the start.
            Assert.Contains("Plug-in 'faulty': failed POST /v1/jobs/", told, StringComparison.Ordinal);
            Assert.Contains("the backend exploded", told, StringComparison.Ordinal);
            // Bob has no server left pending.
            using var bob = JsonDocument.Parse(await hub.GetStringAsync("hub/api/users/bob", Ct));
            Assert.Empty(bob.RootElement.GetProperty("servers").EnumerateObject());
            Assert.Single(plugin.LaunchKeys);
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
            Directory.Delete(data, recursive: true);
        }
    }

    private static async Task<HttpClient> ClientAsync(Microsoft.AspNetCore.Builder.WebApplication app)
    {
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/");
        await using var scope = app.Services.CreateAsyncScope();
        var token = await HubAdmin.IssueTokenAsync(scope.ServiceProvider, "admin", admin: true, "plugin test", Ct);
        var hub = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(3) };
        hub.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("token", token);
        return hub;
    }

    /// <summary>The jobs the plug-in launched, from its launch-key records.</summary>
    private static List<JobHandle> Jobs(string folder) => [.. Directory.GetFiles(Path.Combine(folder, "keys"), "*.json").Select(file =>
    {
        using var json = JsonDocument.Parse(File.ReadAllText(file));
        return new JobHandle("py", json.RootElement.GetProperty("id").GetString()!, json.RootElement.GetProperty("state").GetString()!);
    }).DistinctBy(j => j.Id)];

    private static async Task AnswersAsync(HttpClient hub, string path)
    {
        using var response = await hub.GetAsync(path, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("version", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    private static Task UntilAsync(Func<bool> condition, string failure) => UntilAsync(() => Task.FromResult(condition()), failure);

    private static async Task UntilAsync(Func<Task<bool>> condition, string failure)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (PluginException)
            {
                // Not back yet.
            }
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(90), failure);
            await Task.Delay(100, Ct);
        }
    }
}
