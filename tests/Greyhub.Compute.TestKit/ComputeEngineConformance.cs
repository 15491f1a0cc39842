using System.Diagnostics;
using Greyhub.Abstractions.Compute;

namespace Greyhub.Compute.TestKit;

/// <summary>
/// What every <see cref="IComputeEngine"/> must do, as tests that each engine's test class inherits: launch, report
/// status in one batch, serve on the port it was given, stop gracefully, keep logs, isolate the environment,
/// re-attach from saved state, and never touch a process it did not start.
/// </summary>
public abstract class ComputeEngineConformance : IAsyncLifetime
{
    private readonly List<(IComputeEngine Engine, JobHandle Job)> _launched = [];

    /// <summary>A new engine instance; two calls model a hub restart (same configuration, no memory).</summary>
    protected abstract IComputeEngine CreateEngine();

    /// <summary>The Python that jobs run (Debian's).</summary>
    protected virtual string Python => "/usr/bin/python3";

    /// <summary>Longest wait for a job to reach a state.</summary>
    protected virtual TimeSpan Patience => TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public virtual ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public virtual async ValueTask DisposeAsync()
    {
        foreach (var (engine, job) in _launched)
        {
            await engine.StopAsync(job, TimeSpan.FromSeconds(2), CancellationToken.None);
        }
        GC.SuppressFinalize(this);
    }

    protected async Task<JobHandle> LaunchAsync(IComputeEngine engine, JobSpec spec)
    {
        var job = await engine.LaunchAsync(spec, Ct);
        _launched.Add((engine, job));
        return job;
    }

    protected async Task<JobStatus> WaitForAsync(IComputeEngine engine, JobHandle job, JobPhase phase)
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
            await Task.Delay(50, Ct);
        }
        while (watch.Elapsed < Patience);
        Assert.Fail($"job {job.Id} did not reach {phase}; last status {status}; log:\n{await engine.ReadLogAsync(job, 4000, Ct)}");
        return status;
    }

    private JobSpec HttpServer(string name) => new()
    {
        Name = name,
        Command = ["/bin/sh", "-c", $"exec {Python} -m http.server --bind \"$JOB_HOST\" \"$JOB_PORT\""],
        PortVariable = "JOB_PORT",
        HostVariable = "JOB_HOST",
        Environment = new Dictionary<string, string> { ["PYTHONUNBUFFERED"] = "1" },
    };

    [Fact]
    public async Task A_job_runs_serves_on_its_port_and_stops()
    {
        var engine = CreateEngine();
        var job = await LaunchAsync(engine, HttpServer("serve"));
        var running = await WaitForAsync(engine, job, JobPhase.Running);
        Assert.NotNull(running.Port);
        Assert.False(string.IsNullOrEmpty(running.Host), "a running job with a port says where to connect");
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var watch = Stopwatch.StartNew();
        HttpResponseMessage? response = null;
        while (response is null && watch.Elapsed < Patience)
        {
            try
            {
                response = await client.GetAsync($"http://{running.Host}:{running.Port}/", Ct);
            }
            catch (HttpRequestException)
            {
                await Task.Delay(100, Ct);
            }
        }
        Assert.NotNull(response);
        Assert.True(response!.IsSuccessStatusCode);
        response.Dispose();

        await engine.StopAsync(job, TimeSpan.FromSeconds(10), Ct);
        var stopped = (await engine.GetStatusAsync([job], Ct))[0];
        Assert.Equal(JobPhase.Exited, stopped.Phase);
    }

    [Fact]
    public async Task Exit_code_and_output_are_kept()
    {
        var engine = CreateEngine();
        var job = await LaunchAsync(engine, new JobSpec { Name = "exit", Command = ["/bin/sh", "-c", "echo to-stdout; echo to-stderr >&2; exit 3"] });
        var exited = await WaitForAsync(engine, job, JobPhase.Exited);
        if (exited.ExitCode is { } code)
        {
            Assert.Equal(3, code);
        }
        var log = await engine.ReadLogAsync(job, 10_000, Ct);
        Assert.Contains("to-stdout", log);
        Assert.Contains("to-stderr", log);
    }

    [Fact]
    public async Task The_job_sees_only_the_environment_it_was_given()
    {
        Environment.SetEnvironmentVariable("GREYHUB_CONFORMANCE_SECRET", "must-not-leak");
        var engine = CreateEngine();
        var job = await LaunchAsync(engine, new JobSpec
        {
            Name = "env",
            Command = ["/bin/sh", "-c", "env"],
            Environment = new Dictionary<string, string> { ["GREYHUB_GIVEN"] = "given-value" },
        });
        await WaitForAsync(engine, job, JobPhase.Exited);
        var log = await engine.ReadLogAsync(job, 100_000, Ct);
        Assert.Contains("GREYHUB_GIVEN=given-value", log);
        Assert.DoesNotContain("must-not-leak", log);
    }

    [Fact]
    public async Task A_new_engine_reattaches_from_the_saved_state()
    {
        var first = CreateEngine();
        var job = await LaunchAsync(first, new JobSpec { Name = "long", Command = ["/bin/sh", "-c", "exec sleep 300"] });
        await WaitForAsync(first, job, JobPhase.Running);

        // A restarted hub: a new engine that only has the stored handle.
        var restored = new JobHandle(job.Engine, job.Id, job.State);
        var second = CreateEngine();
        Assert.Equal(JobPhase.Running, (await second.GetStatusAsync([restored], Ct))[0].Phase);
        await second.StopAsync(restored, TimeSpan.FromSeconds(5), Ct);
        Assert.Equal(JobPhase.Exited, (await second.GetStatusAsync([restored], Ct))[0].Phase);
        Assert.Equal(JobPhase.Exited, (await first.GetStatusAsync([job], Ct))[0].Phase);
    }

    /// <summary>Whether the engine finds jobs by their key (<see cref="IComputeEngine.FindAsync"/>); engines that cannot say so and must answer null.</summary>
    protected virtual bool FindsJobsByKey => true;

    [Fact]
    public async Task A_new_engine_finds_a_job_by_the_key_it_was_launched_with_and_nothing_by_another()
    {
        var first = CreateEngine();
        var key = "k-" + Guid.NewGuid().ToString("N");
        var spec = new JobSpec { Name = "keyed", Command = ["/bin/sh", "-c", "exec sleep 300"], Key = key };
        var job = await LaunchAsync(first, spec);
        // A sibling without a key and one with another key: neither may be taken for the keyed job.
        await LaunchAsync(first, spec with { Key = null });
        await LaunchAsync(first, spec with { Key = "k-" + Guid.NewGuid().ToString("N") });
        await WaitForAsync(first, job, JobPhase.Running);

        // A hub that crashed before storing the handle: a new engine with only the spec (and so the key).
        var second = CreateEngine();
        var found = await second.FindAsync(spec, Ct);
        Assert.Null(await second.FindAsync(spec with { Key = "k-" + Guid.NewGuid().ToString("N") }, Ct));
        Assert.Null(await second.FindAsync(spec with { Key = null }, Ct));
        if (!FindsJobsByKey)
        {
            Assert.Null(found);
            return;
        }
        Assert.NotNull(found);
        Assert.Equal(job.Id, found.Id);
        Assert.Equal(JobPhase.Running, (await second.GetStatusAsync([found], Ct))[0].Phase);
        await second.StopAsync(found, TimeSpan.FromSeconds(5), Ct);
        Assert.Equal(JobPhase.Exited, (await first.GetStatusAsync([job], Ct))[0].Phase);
    }

    [Fact]
    public async Task A_job_with_an_invalid_key_is_refused()
    {
        var engine = CreateEngine();
        var spec = new JobSpec { Name = "badkey", Command = ["/bin/sh", "-c", "exit 0"], Key = "no spaces/or slashes" };
        await Assert.ThrowsAnyAsync<ArgumentException>(() => engine.LaunchAsync(spec, Ct));
    }

    [Fact]
    public async Task Status_of_many_jobs_comes_back_in_order()
    {
        var engine = CreateEngine();
        var quick = await LaunchAsync(engine, new JobSpec { Name = "quick", Command = ["/bin/sh", "-c", "exit 0"] });
        var slow = await LaunchAsync(engine, new JobSpec { Name = "slow", Command = ["/bin/sh", "-c", "exec sleep 300"] });
        await WaitForAsync(engine, quick, JobPhase.Exited);
        await WaitForAsync(engine, slow, JobPhase.Running);
        var statuses = await engine.GetStatusAsync([slow, quick, slow], Ct);
        Assert.Equal([JobPhase.Running, JobPhase.Exited, JobPhase.Running], statuses.Select(s => s.Phase));
    }

    [Fact]
    public async Task Stopping_an_ended_job_is_harmless()
    {
        var engine = CreateEngine();
        var job = await LaunchAsync(engine, new JobSpec { Name = "done", Command = ["/bin/sh", "-c", "exit 0"] });
        await WaitForAsync(engine, job, JobPhase.Exited);
        await engine.StopAsync(job, TimeSpan.FromSeconds(1), Ct);
        Assert.Equal(JobPhase.Exited, (await engine.GetStatusAsync([job], Ct))[0].Phase);
    }
}
