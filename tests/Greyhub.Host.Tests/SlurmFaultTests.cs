using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Greyhub.Testing;

namespace Greyhub.Host.Tests;

/// <summary>
/// What Slurm does to servers behind the hub's back (an admin's scancel, a time limit, a controller restart), and a hub
/// that crashes while its servers run as jobs: each ends in the true state, the owner is told why, no job is left behind.
/// </summary>
[Collection(nameof(SlurmTestCluster))]
public sealed class SlurmFaultTests
{
    private const string Password = "slurm password";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Scancel_and_time_limit_are_shown_to_the_owner_and_a_hub_killed_hard_readopts_its_jobs()
    {
        SlurmTestCluster.RequireJupyterAndSlurm();
        var jobs = Directory.CreateTempSubdirectory("greyhub-slurm-faults-").FullName;
        var dataDir = Directory.CreateTempSubdirectory("greyhub-slurm-faults-data-").FullName;
        var port = FreePort.Next();
        var args = SlurmTestCluster.HubArgs(
            jobs,
            "--Greyhub:Servers:PollInterval=00:00:01",
            "--Greyhub:Spawner:Profiles:0:Name=standard",
            // Slurm counts in whole minutes: this job's limit is one minute, enforced within ~30 s after.
            "--Greyhub:Spawner:Profiles:1:Name=short",
            "--Greyhub:Spawner:Profiles:1:TimeLimit=00:00:01",
            "--Greyhub:Spawner:Profiles:1:Labels:greyhub.slurm.directives=--nice=5");
        var jobIds = new Dictionary<string, string>();
        try
        {
            await using var first = await GreyhubProcess.StartAsync(dataDir, args, port, Ct);
            using var admin = await JupyterClient.AdminAsync(first);
            await HubPages.AddUserAsync(first, "timed", Password);
            await HubPages.AddUserAsync(first, "cancelled", Password);
            using var timed = await admin.ForUserAsync("timed");
            using var cancelled = await admin.ForUserAsync("cancelled");
            await HubPages.AddUserAsync(first, "survivor", Password);
            using var survivor = await admin.ForUserAsync("survivor");
            await timed.StartAndWaitAsync("timed", options: new { profile = "short" });
            var timedStarted = Stopwatch.StartNew();
            await Task.WhenAll(cancelled.StartAndWaitAsync("cancelled"), survivor.StartAndWaitAsync("survivor"));
            foreach (var name in new[] { "timed", "cancelled", "survivor" })
            {
                jobIds[name] = (await admin.UserAsync(name)).GetProperty("servers").GetProperty("").GetProperty("state").GetProperty("spawner").GetProperty("id").GetString()!;
                Assert.Equal("RUNNING", await SlurmTestCluster.SqueueAsync(jobIds[name]));
            }
            // The profile's directives and limit reached Slurm.
            var timedJob = await SlurmTestCluster.RunAsync("scontrol", "show", "job", jobIds["timed"]);
            Assert.Contains("TimeLimit=00:01:00", timedJob, StringComparison.Ordinal);
            Assert.Contains("Nice=5", timedJob, StringComparison.Ordinal);

            // An administrator cancels a job outside Greyhub: the hub notices, takes the server down and says why.
            await SlurmTestCluster.RunAsync("scancel", jobIds["cancelled"]);
            await admin.WaitStoppedAsync("cancelled", TimeSpan.FromSeconds(60));
            var home = await HubPages.ReadAsync(first.Address, "cancelled", Password, "hub/home");
            Assert.Contains("Your default server stopped: Slurm cancelled the job", home, StringComparison.Ordinal);
            var notRunning = await HubPages.ReadAsync(first.Address, "cancelled", Password, "hub/user/cancelled/lab");
            Assert.Contains("id=\"stop-reason\">It stopped: Slurm cancelled the job", notRunning, StringComparison.Ordinal);
            using (var gone = await cancelled.Http.GetAsync("hub/user/cancelled/api/status", Ct))
            {
                Assert.Equal(HttpStatusCode.FailedDependency, gone.StatusCode);
            }

            // The hub crashes; a new one on the same data finds both jobs and routes to them with no one's help.
            await first.KillHardAsync();
            await using var second = await GreyhubProcess.StartAsync(dataDir, args, port, Ct);
            using (var status = await survivor.Http.GetAsync("user/survivor/api/status", Ct))
            {
                Assert.Equal(HttpStatusCode.OK, status.StatusCode);
            }
            Assert.Equal("2", await survivor.ExecuteAsync("survivor", "1+1"));
            await second.LogWithAsync("Re-attached 2 running servers; 0 found stopped", Ct);

            // slurmctld restarts while the jobs run: the hub's polls (every second here) wait it out, nothing is marked
            // stopped, and the server answers throughout.
            await SlurmTestCluster.RestartControllerAsync();
            await Task.Delay(TimeSpan.FromSeconds(3), Ct);
            using (var status = await survivor.Http.GetAsync("user/survivor/api/status", Ct))
            {
                Assert.Equal(HttpStatusCode.OK, status.StatusCode);
            }
            Assert.True((await admin.UserAsync("survivor")).GetProperty("servers").GetProperty("").GetProperty("ready").GetBoolean());
            Assert.Equal("RUNNING", await SlurmTestCluster.SqueueAsync(jobIds["survivor"]));

            // Slurm ends the short job at its time limit: stopped, and the owner reads why.
            var patience = TimeSpan.FromSeconds(200) - timedStarted.Elapsed;
            await admin.WaitStoppedAsync("timed", patience > TimeSpan.FromSeconds(30) ? patience : TimeSpan.FromSeconds(30));
            var timedHome = await HubPages.ReadAsync(second.Address, "timed", Password, "hub/home");
            Assert.Contains("Your default server stopped: Slurm ended the job: time limit reached", timedHome, StringComparison.Ordinal);
            Assert.Equal(JsonValueKind.Null, (await admin.UserAsync("timed")).GetProperty("server").ValueKind);

            // The survivor still answers, and stops on request; then no job of this test is left in Slurm.
            using (var stop = await survivor.Http.DeleteAsync("hub/api/users/survivor/server", Ct))
            {
                Assert.True(stop.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.Accepted, stop.StatusCode.ToString());
            }
            var watch = Stopwatch.StartNew();
            while (watch.Elapsed < TimeSpan.FromSeconds(60)
                && (await Task.WhenAll(jobIds.Values.Select(SlurmTestCluster.SqueueAsync))).Any(s => s is "RUNNING" or "PENDING" or "COMPLETING"))
            {
                await Task.Delay(250, Ct);
            }
            Assert.All(await Task.WhenAll(jobIds.Values.Select(SlurmTestCluster.SqueueAsync)), s => Assert.DoesNotContain(s, new[] { "RUNNING", "PENDING", "COMPLETING" }));
            // A stop the owner asked for is not a fault: no reason shown.
            Assert.DoesNotContain("id=\"reason-default\"", await HubPages.ReadAsync(second.Address, "survivor", Password, "hub/home"), StringComparison.Ordinal);
        }
        finally
        {
            foreach (var id in jobIds.Values)
            {
                // Only on failure is anything left; scancel of an ended job is harmless.
                using var cancel = Process.Start(new ProcessStartInfo("scancel", [id]) { RedirectStandardError = true })!;
                await cancel.WaitForExitAsync(CancellationToken.None);
            }
            Directory.Delete(jobs, recursive: true);
        }
    }
}
