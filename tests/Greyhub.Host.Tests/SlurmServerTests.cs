using System.Diagnostics;
using System.Net;

namespace Greyhub.Host.Tests;

/// <summary>A real <c>jupyterhub-singleuser</c> as a Slurm job: started by the hub, reached through its proxy, runs code, stops.</summary>
[Collection(nameof(SlurmTestCluster))]
public sealed class SlurmServerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_jupyter_server_runs_as_a_slurm_job_behind_the_proxy_and_stops_cleanly()
    {
        SlurmTestCluster.RequireJupyterAndSlurm();
        var jobs = Directory.CreateTempSubdirectory("greyhub-slurm-server-").FullName;
        try
        {
            await using var hub = await GreyhubProcess.StartAsync(extraArgs: SlurmTestCluster.HubArgs(jobs), cancellationToken: Ct);
            using var admin = await JupyterClient.AdminAsync(hub);
            using var ada = await admin.CreateUserAsync("ada");
            var events = await ada.StartAndWaitAsync("ada");
            Assert.Contains(events, e => e.GetProperty("message").GetString()!.Contains("slurm", StringComparison.OrdinalIgnoreCase));

            var jobId = (await admin.UserAsync("ada")).GetProperty("servers").GetProperty("").GetProperty("state").GetProperty("spawner").GetProperty("id").GetString()!;
            Assert.Contains("RUNNING", await SlurmTestCluster.SqueueAsync(jobId), StringComparison.Ordinal);
            using (var status = await ada.Http.GetAsync("user/ada/api/status", Ct))
            {
                Assert.Equal(HttpStatusCode.OK, status.StatusCode);
            }
            Assert.Equal("2", await ada.ExecuteAsync("ada", "1+1"));

            using (var stop = await ada.Http.DeleteAsync("hub/api/users/ada/server", Ct))
            {
                Assert.True(stop.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.Accepted, stop.StatusCode.ToString());
            }
            var watch = Stopwatch.StartNew();
            string state;
            while ((state = await SlurmTestCluster.SqueueAsync(jobId)).Contains("RUNNING", StringComparison.Ordinal) && watch.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(200, Ct);
            }
            Assert.DoesNotContain("RUNNING", state, StringComparison.Ordinal);
            Assert.Equal(System.Text.Json.JsonValueKind.Null, (await admin.UserAsync("ada")).GetProperty("server").ValueKind);
        }
        finally
        {
            Directory.Delete(jobs, recursive: true);
        }
    }

    [Fact]
    public async Task Twenty_jupyter_servers_run_as_slurm_jobs_at_once_on_two_cores()
    {
        SlurmTestCluster.RequireJupyterAndSlurm();
        var jobs = Directory.CreateTempSubdirectory("greyhub-slurm-twenty-").FullName;
        try
        {
            // Twenty Jupyter servers starting at once on 2 cores take a while each.
            await using var hub = await GreyhubProcess.StartAsync(
                extraArgs: SlurmTestCluster.HubArgs(jobs, "--Greyhub:Servers:HttpTimeout=00:03:00", "--Greyhub:Spawner:StartTimeout=00:03:00"),
                cancellationToken: Ct);
            using var admin = await JupyterClient.AdminAsync(hub);
            var names = Enumerable.Range(1, 20).Select(i => $"u{i}").ToList();
            var users = new List<JupyterClient>();
            foreach (var name in names)
            {
                users.Add(await admin.CreateUserAsync(name));
            }
            try
            {
                await Task.WhenAll(users.Select((u, i) => u.StartAndWaitAsync(names[i])));
                var jobIds = new List<string>();
                for (var i = 0; i < names.Count; i++)
                {
                    using var status = await users[i].Http.GetAsync($"user/{names[i]}/api/status", Ct);
                    Assert.Equal(HttpStatusCode.OK, status.StatusCode);
                    jobIds.Add((await admin.UserAsync(names[i])).GetProperty("servers").GetProperty("").GetProperty("state").GetProperty("spawner").GetProperty("id").GetString()!);
                }
                Assert.Equal(20, jobIds.Distinct().Count());
                Assert.All(jobIds, id => Assert.Contains("RUNNING", SlurmTestCluster.SqueueAsync(id).GetAwaiter().GetResult(), StringComparison.Ordinal));
                await Task.WhenAll(users.Select(async (u, i) =>
                {
                    using var stop = await u.Http.DeleteAsync($"hub/api/users/{names[i]}/server", Ct);
                    Assert.True(stop.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.Accepted, stop.StatusCode.ToString());
                }));
                var watch = Stopwatch.StartNew();
                while (watch.Elapsed < TimeSpan.FromSeconds(90))
                {
                    var states = await Task.WhenAll(jobIds.Select(SlurmTestCluster.SqueueAsync));
                    if (states.All(s => !s.Contains("RUNNING", StringComparison.Ordinal)))
                    {
                        break;
                    }
                    await Task.Delay(500, Ct);
                }
                Assert.All(await Task.WhenAll(jobIds.Select(SlurmTestCluster.SqueueAsync)), s => Assert.DoesNotContain("RUNNING", s, StringComparison.Ordinal));
            }
            finally
            {
                users.ForEach(u => u.Dispose());
            }
        }
        finally
        {
            Directory.Delete(jobs, recursive: true);
        }
    }
}
