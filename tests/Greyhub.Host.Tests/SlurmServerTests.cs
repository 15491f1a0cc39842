using System.Diagnostics;
using System.Net;
using Greyhub.Testing;

namespace Greyhub.Host.Tests;

/// <summary>A real <c>jupyterhub-singleuser</c> as a Slurm job: started by the hub, reached through its proxy, runs code, stops.</summary>
public sealed class SlurmServerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_jupyter_server_runs_as_a_slurm_job_behind_the_proxy_and_stops_cleanly()
    {
        Requires.Program("/usr/bin/jupyterhub-singleuser", "apt-get install -y jupyterhub python3-ipykernel");
        Requires.Program("sbatch", "apt-get install -y slurmctld slurmd slurm-client munge");
        if (Environment.GetEnvironmentVariable("SLURM_CONF") is not { Length: > 0 } conf || !File.Exists(conf))
        {
            Requires.Missing("No Slurm cluster: start one with `bash scripts/slurm-local.sh start && eval \"$(bash scripts/slurm-local.sh env)\"`");
            return;
        }
        var jobs = Directory.CreateTempSubdirectory("greyhub-slurm-server-").FullName;
        try
        {
            await using var hub = await GreyhubProcess.StartAsync(extraArgs:
            [
                "--Greyhub:Spawner:Engine=slurm",
                "--Greyhub:Compute:Slurm:JobsDirectory=" + jobs,
                "--Greyhub:Servers:SlowSpawnTimeout=00:00:00",
            ], cancellationToken: Ct);
            using var admin = await JupyterClient.AdminAsync(hub);
            using var ada = await admin.CreateUserAsync("ada");
            var events = await ada.StartAndWaitAsync("ada");
            Assert.Contains(events, e => e.GetProperty("message").GetString()!.Contains("slurm", StringComparison.OrdinalIgnoreCase));

            var jobId = (await admin.UserAsync("ada")).GetProperty("servers").GetProperty("").GetProperty("state").GetProperty("spawner").GetProperty("id").GetString()!;
            Assert.Contains("RUNNING", await SqueueAsync(jobId), StringComparison.Ordinal);
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
            while ((state = await SqueueAsync(jobId)).Contains("RUNNING", StringComparison.Ordinal) && watch.Elapsed < TimeSpan.FromSeconds(60))
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

    private static async Task<string> SqueueAsync(string jobId)
    {
        using var squeue = Process.Start(new ProcessStartInfo("squeue", ["-h", "-j", jobId, "-o", "%T"]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = await squeue.StandardOutput.ReadToEndAsync(Ct);
        await squeue.WaitForExitAsync(Ct);
        return output.Trim();
    }
}
