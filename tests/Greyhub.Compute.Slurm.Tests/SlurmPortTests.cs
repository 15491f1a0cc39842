using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Greyhub.Abstractions.Compute;

namespace Greyhub.Compute.Slurm.Tests;

/// <summary>
/// A job's port is its own: a port picked for one job is never used by a job starting beside it, and another program
/// listening on that port is never taken for the job's server (the hub would route a user to someone else's server).
/// </summary>
public sealed class SlurmPortTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Someone_elses_listener_on_the_port_is_never_taken_for_the_jobs_server()
    {
        using var foreign = new TcpListener(IPAddress.Loopback, 0);
        foreign.Start();
        var port = ((IPEndPoint)foreign.LocalEndpoint).Port;
        var engine = Engine(port);
        var job = await engine.LaunchAsync(Quiet("foreign-listener"), Ct);
        try
        {
            // The job runs (it never listens itself) while the foreign program listens on its port: never Running.
            var watch = Stopwatch.StartNew();
            var sawSlurmRunning = false;
            while (watch.Elapsed < TimeSpan.FromSeconds(8))
            {
                var status = (await engine.GetStatusAsync([job], Ct))[0];
                Assert.NotEqual(JobPhase.Running, status.Phase);
                Assert.NotEqual(JobPhase.Exited, status.Phase);
                sawSlurmRunning |= status.Reason?.StartsWith("Starting on", StringComparison.Ordinal) == true;
                await Task.Delay(200, Ct);
            }
            Assert.True(sawSlurmRunning, "the job never started on its node");
        }
        finally
        {
            await engine.StopAsync(job, TimeSpan.FromSeconds(1), CancellationToken.None);
        }
    }

    [Fact]
    public async Task Two_jobs_handed_the_same_free_port_never_share_it()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        // A port picker that always says the same port: the first job reserves it, the second cannot.
        var engine = Engine(port);
        var first = await engine.LaunchAsync(Quiet("same-port-1"), Ct);
        JobHandle? second = null;
        try
        {
            await WaitAsync(engine, first, s => s.Reason?.StartsWith("Starting on", StringComparison.Ordinal) == true);
            second = await engine.LaunchAsync(Quiet("same-port-2"), Ct);
            var ended = await WaitAsync(engine, second, s => s.Phase == JobPhase.Exited);
            Assert.Equal(70, ended.ExitCode);
            Assert.Contains("could not pick a free port", await engine.ReadLogAsync(second, 4000, Ct), StringComparison.Ordinal);
            Assert.NotEqual(JobPhase.Exited, (await engine.GetStatusAsync([first], Ct))[0].Phase);
        }
        finally
        {
            await engine.StopAsync(first, TimeSpan.FromSeconds(1), CancellationToken.None);
            if (second is not null)
            {
                await engine.StopAsync(second, TimeSpan.FromSeconds(1), CancellationToken.None);
            }
        }
    }

    private static SlurmEngine Engine(int port)
    {
        var options = SlurmCluster.Options(SlurmTransport.Cli);
        options.PortCommand = "echo " + port;
        options.BindHost = "127.0.0.1";
        return SlurmCluster.Engine(options, new SlurmCliTransport(options, new ProcessCommandRunner(options)));
    }

    // A job that asks for a port and never listens on it.
    private static JobSpec Quiet(string name) => new()
    {
        Name = name,
        Command = ["/bin/sh", "-c", "exec sleep 300"],
        PortVariable = "P",
        HostVariable = "H",
    };

    private static async Task<JobStatus> WaitAsync(SlurmEngine engine, JobHandle job, Func<JobStatus, bool> done)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var status = (await engine.GetStatusAsync([job], Ct))[0];
            if (done(status))
            {
                return status;
            }
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), $"job {job.Id}: {status}");
            await Task.Delay(200, Ct);
        }
    }
}
