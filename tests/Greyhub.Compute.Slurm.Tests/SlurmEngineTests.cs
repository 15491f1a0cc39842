using System.Diagnostics;
using Greyhub.Abstractions.Compute;

namespace Greyhub.Compute.Slurm.Tests;

/// <summary>What Slurm adds to the conformance kit, for both transports: pending reasons, ends decided by Slurm, foreign jobs, graceful stops, endpoints, many jobs.</summary>
public abstract class SlurmEngineTests : IAsyncLifetime
{
    private readonly List<(SlurmEngine Engine, JobHandle Job)> _launched = [];

    protected abstract SlurmTransport Transport { get; }

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_launched.Select(l => l.Engine.StopAsync(l.Job, TimeSpan.FromSeconds(1), CancellationToken.None)));
        GC.SuppressFinalize(this);
    }

    protected async Task<JobHandle> LaunchAsync(SlurmEngine engine, JobSpec spec)
    {
        var job = await engine.LaunchAsync(spec, Ct);
        _launched.Add((engine, job));
        return job;
    }

    protected static async Task<JobStatus> WaitForAsync(IComputeEngine engine, JobHandle job, JobPhase phase, TimeSpan? patience = null)
    {
        var watch = Stopwatch.StartNew();
        JobStatus status;
        do
        {
            status = (await engine.GetStatusAsync([job], Ct))[0];
            if (status.Phase == phase)
            {
                return status;
            }
            await Task.Delay(100, Ct);
        }
        while (watch.Elapsed < (patience ?? TimeSpan.FromSeconds(60)));
        Assert.Fail($"job {job.Id} did not reach {phase}; last status {status}");
        return status;
    }

    private static JobSpec Sleeper(string name, IReadOnlyDictionary<string, string>? labels = null, JobResources? resources = null) => new()
    {
        Name = name,
        Command = ["/bin/sh", "-c", "exec sleep 300"],
        Labels = labels ?? new Dictionary<string, string>(),
        Resources = resources ?? new JobResources(),
    };

    [Fact]
    public async Task A_pending_job_shows_Slurms_reason()
    {
        var engine = SlurmCluster.Engine(Transport);
        var job = await LaunchAsync(engine, Sleeper("held", new Dictionary<string, string> { [BatchScript.DirectivesLabel] = "--hold" }));
        var status = await WaitForAsync(engine, job, JobPhase.Pending);
        Assert.Equal("Pending in queue: JobHeldUser", status.Reason);
        await engine.StopAsync(job, TimeSpan.FromSeconds(5), Ct);
        Assert.Equal(JobPhase.Exited, (await engine.GetStatusAsync([job], Ct))[0].Phase);
    }

    [Fact]
    public async Task A_job_cancelled_outside_Greyhub_is_exited_with_the_reason()
    {
        var engine = SlurmCluster.Engine(Transport);
        var job = await LaunchAsync(engine, Sleeper("cancelled-outside"));
        await WaitForAsync(engine, job, JobPhase.Running);
        await SlurmCluster.RunAsync("scancel", job.Id);
        var status = await WaitForAsync(engine, job, JobPhase.Exited);
        Assert.Equal("Slurm cancelled the job (scancel outside Greyhub, or an administrator)", status.Reason);
    }

    [Fact]
    public async Task A_job_killed_by_its_time_limit_is_exited_with_the_reason()
    {
        var engine = SlurmCluster.Engine(Transport);
        // Slurm counts limits in whole minutes and checks them every 30 s or so: this takes 60–100 s.
        var job = await LaunchAsync(engine, Sleeper("time-limit", resources: new JobResources { TimeLimit = TimeSpan.FromSeconds(1) }));
        var status = await WaitForAsync(engine, job, JobPhase.Exited, TimeSpan.FromSeconds(180));
        Assert.Equal("Slurm ended the job: time limit reached", status.Reason);
    }

    [Fact]
    public async Task A_stop_is_graceful_and_says_so()
    {
        var engine = SlurmCluster.Engine(Transport);
        var job = await LaunchAsync(engine, new JobSpec
        {
            Name = "graceful",
            Command = ["/bin/sh", "-c", "trap 'echo got-term; exit 0' TERM; echo ready; sleep 300 & wait"],
        });
        await WaitForAsync(engine, job, JobPhase.Running);
        var watch = Stopwatch.StartNew();
        while (!(await engine.ReadLogAsync(job, 1000, Ct)).Contains("ready", StringComparison.Ordinal))
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), "the job never started");
            await Task.Delay(50, Ct);
        }
        watch.Restart();
        await engine.StopAsync(job, TimeSpan.FromSeconds(20), Ct);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"the stop waited {watch.Elapsed} instead of ending at SIGTERM");
        Assert.Contains("got-term", await engine.ReadLogAsync(job, 1000, Ct), StringComparison.Ordinal);
        Assert.Equal("stopped by Greyhub", (await engine.GetStatusAsync([job], Ct))[0].Reason);
    }

    [Fact]
    public async Task A_job_Greyhub_did_not_start_is_never_touched()
    {
        var engine = SlurmCluster.Engine(Transport);
        var output = await SlurmCluster.RunAsync("sbatch", "--parsable", "--comment=someone-else", "--output=/dev/null", "--wrap", "sleep 300");
        var id = output.Trim().Split(';')[0];
        try
        {
            // A stale handle whose job id now names someone else's job.
            var stale = new JobHandle("slurm", id, $"{{\"job_id\":\"{id}\",\"marker\":\"0123\",\"dir\":\"{SlurmCluster.JobsDirectory}/gone\"}}");
            await Task.Delay(500, Ct);
            var status = (await engine.GetStatusAsync([stale], Ct))[0];
            Assert.Equal(JobPhase.Exited, status.Phase);
            Assert.Contains("no longer Greyhub's", status.Reason, StringComparison.Ordinal);
            await engine.StopAsync(stale, TimeSpan.FromSeconds(1), Ct);
            Assert.False(await engine.TryAcceptEndpointAsync(stale, null, 8888, Ct));
            var state = await SlurmCluster.RunAsync("squeue", "-h", "-j", id, "-o", "%T");
            Assert.Contains(state.Trim(), new[] { "PENDING", "RUNNING" });
        }
        finally
        {
            await SlurmCluster.RunAsync("scancel", id);
        }
    }

    [Fact]
    public async Task The_batchspawner_callback_delivers_the_endpoint()
    {
        var engine = SlurmCluster.Engine(Transport);
        var job = await LaunchAsync(engine, Sleeper("callback"));
        var running = await WaitForAsync(engine, job, JobPhase.Running);
        Assert.Null(running.Port);
        IJobEndpointReceiver receiver = engine;
        Assert.False(await receiver.TryAcceptEndpointAsync(job with { Engine = "local" }, null, 8888, Ct));
        Assert.False(await receiver.TryAcceptEndpointAsync(job, "bad host", 8888, Ct));
        Assert.False(await receiver.TryAcceptEndpointAsync(job, null, 70000, Ct));
        Assert.True(await receiver.TryAcceptEndpointAsync(job, null, 8888, Ct));
        // No host: the job's node, through its NodeAddr (127.0.0.1 here).
        Assert.Equal(("127.0.0.1", 8888), ((await engine.GetStatusAsync([job], Ct))[0].Host, (await engine.GetStatusAsync([job], Ct))[0].Port));
        Assert.True(await receiver.TryAcceptEndpointAsync(job, "10.1.2.3", 9999, Ct));
        var status = (await engine.GetStatusAsync([job], Ct))[0];
        Assert.Equal((JobPhase.Running, "10.1.2.3", 9999), (status.Phase, status.Host, status.Port));

        await engine.StopAsync(job, TimeSpan.FromSeconds(5), Ct);
        Assert.False(await receiver.TryAcceptEndpointAsync(job, null, 8888, Ct));
    }

    [Fact]
    public async Task Twenty_jobs_run_at_once_on_two_cores_and_one_query_reports_them()
    {
        var engine = SlurmCluster.Engine(Transport);
        var watch = Stopwatch.StartNew();
        var jobs = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => LaunchAsync(engine, Sleeper($"many-{i}", resources: new JobResources { Cpus = 1 }))));
        IReadOnlyList<JobStatus> statuses;
        do
        {
            statuses = await engine.GetStatusAsync(jobs, Ct);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(90), $"not all running: {string.Join(", ", statuses.Select(s => s.Phase + " " + s.Reason))}");
            await Task.Delay(100, Ct);
        }
        while (statuses.Any(s => s.Phase != JobPhase.Running));
        TestContext.Current.SendDiagnosticMessage($"20 jobs submitted and running after {watch.ElapsedMilliseconds} ms");
        await Task.WhenAll(jobs.Select(j => engine.StopAsync(j, TimeSpan.FromSeconds(5), Ct)));
        Assert.All(await engine.GetStatusAsync(jobs, Ct), s => Assert.Equal(JobPhase.Exited, s.Phase));
    }
}

/// <summary>The Slurm-specific behaviour over sbatch/squeue/scancel.</summary>
public sealed class SlurmCliEngineTests : SlurmEngineTests
{
    protected override SlurmTransport Transport => SlurmTransport.Cli;
}

/// <summary>The Slurm-specific behaviour over slurmrestd.</summary>
public sealed class SlurmRestEngineTests : SlurmEngineTests
{
    protected override SlurmTransport Transport => SlurmTransport.Rest;
}
