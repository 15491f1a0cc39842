using System.Diagnostics;
using System.Globalization;
using Greyhub.Abstractions.Compute;
using Greyhub.Compute.TestKit;
using Microsoft.Extensions.Options;

namespace Greyhub.Compute.Local.Tests;

/// <summary>The local engine passes the engine conformance kit, and never signals a process it did not start.</summary>
public sealed class LocalProcessEngineTests : ComputeEngineConformance
{
    private readonly string _jobs = Directory.CreateTempSubdirectory("greyhub-local-engine-").FullName;

    protected override IComputeEngine CreateEngine() =>
        new LocalProcessEngine(Options.Create(new LocalEngineOptions { JobsDirectory = _jobs }), TimeProvider.System);

    [Fact]
    public async Task A_foreign_process_with_a_reused_id_is_never_signalled()
    {
        var ct = TestContext.Current.CancellationToken;
        // A process this test starts itself, outside the engine.
        using var foreign = Process.Start(new ProcessStartInfo("sleep", "300"))!;
        try
        {
            var engine = CreateEngine();
            // A handle naming the foreign process id but another start time: what a stale state looks like after the id was reused.
            var stale = new JobHandle("local", foreign.Id.ToString(CultureInfo.InvariantCulture),
                $"{{\"pid\":{foreign.Id},\"start_ticks\":1,\"port\":null,\"log\":\"/nonexistent\"}}");
            var status = (await engine.GetStatusAsync([stale], ct))[0];
            Assert.Equal(JobPhase.Exited, status.Phase);
            await engine.StopAsync(stale, TimeSpan.FromSeconds(1), ct);
            Assert.False(foreign.HasExited);
        }
        finally
        {
            foreign.Kill();
            await foreign.WaitForExitAsync(ct);
        }
    }

    [Fact]
    public async Task A_stop_ends_the_whole_process_group()
    {
        var ct = TestContext.Current.CancellationToken;
        var engine = CreateEngine();
        var marker = Path.Combine(_jobs, "child.pid");
        // The job starts a grandchild that ignores nothing special; stopping the job must end it too.
        var job = await LaunchAsync(engine, new JobSpec
        {
            Name = "group",
            Command = ["/bin/sh", "-c", $"sleep 300 & echo $! > {marker}; wait"],
        });
        await WaitForAsync(engine, job, JobPhase.Running);
        var watch = Stopwatch.StartNew();
        while (!File.Exists(marker) || new FileInfo(marker).Length == 0)
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), "the job never started its child");
            await Task.Delay(50, ct);
        }
        var child = int.Parse((await File.ReadAllTextAsync(marker, ct)).Trim(), CultureInfo.InvariantCulture);
        Assert.True(Directory.Exists($"/proc/{child}"));
        await engine.StopAsync(job, TimeSpan.FromSeconds(5), ct);
        watch.Restart();
        while (File.Exists($"/proc/{child}/stat") && !File.ReadAllText($"/proc/{child}/stat").Contains(") Z ", StringComparison.Ordinal))
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), "the grandchild outlived the stop");
            await Task.Delay(50, ct);
        }
    }
}
