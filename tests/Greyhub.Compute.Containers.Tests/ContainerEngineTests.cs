using System.Diagnostics;
using System.Globalization;
using Greyhub.Abstractions.Compute;
using Greyhub.Compute.TestKit;
using Microsoft.Extensions.Logging.Abstractions;

namespace Greyhub.Compute.Containers.Tests;

/// <summary>
/// The containers engine against a real container host (rootful Podman through its Docker-compatible API): the
/// engine conformance kit, plus images, limits, the user's folder, and (in the partial file) ownership.
/// </summary>
public sealed partial class ContainerEngineTests : ComputeEngineConformance, IAsyncDisposable
{
    private readonly string _instance = "tests-" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _root = Directory.CreateTempSubdirectory("greyhub-containers-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Logs => Path.Combine(_root, "logs");

    protected override IComputeEngine CreateEngine() => CreateEngine(_ => { });

    private ContainerEngine CreateEngine(Action<ContainerEngineOptions> configure)
    {
        ContainerHost.Require();
        var options = ContainerHost.Options(_instance, Logs);
        configure(options);
        return new ContainerEngine(options, ContainerEngine.CreateClient(options), NullLogger.Instance);
    }

    async ValueTask IAsyncDisposable.DisposeAsync()
    {
        try
        {
            await DisposeAsync();
        }
        finally
        {
            // Whatever a failed test left behind.
            await ContainerHost.RemoveAllAsync(_instance);
        }
    }

    [Fact]
    public async Task An_image_not_in_the_allowed_list_is_refused()
    {
        var engine = CreateEngine(o => o.AllowedImages = ["localhost/greyhub-other:1"]);
        var refused = await Assert.ThrowsAsync<ArgumentException>(() => engine.LaunchAsync(Job("evil", "true") with { Image = "localhost/evil:latest" }, Ct));
        Assert.Contains("Image 'localhost/evil:latest' is not allowed", refused.Message, StringComparison.Ordinal);
        Assert.Contains("localhost/greyhub-other:1", refused.Message, StringComparison.Ordinal);

        // Allowed but not on the host: a clear error, and no pull from any registry.
        var missing = await Assert.ThrowsAsync<InvalidOperationException>(() => engine.LaunchAsync(Job("other", "true") with { Image = "localhost/greyhub-other:1" }, Ct));
        Assert.Contains("not on the container host", missing.Message, StringComparison.Ordinal);

        // The default image, named explicitly, is always allowed.
        var job = await LaunchAsync(engine, Job("default", "exit 0") with { Image = ContainerHost.Image });
        Assert.Equal(JobPhase.Exited, (await WaitForAsync(engine, job, JobPhase.Exited)).Phase);
    }

    [Fact]
    public async Task Cpu_and_memory_limits_are_enforced()
    {
        var engine = CreateEngine();
        // cgroup v1 (this machine) or v2, whichever the host has.
        const string Limits = """
            if [ -f /sys/fs/cgroup/memory.max ]; then echo "mem=$(cat /sys/fs/cgroup/memory.max)"; echo "cpu=$(cat /sys/fs/cgroup/cpu.max)";
            else echo "mem=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)"; echo "cpu=$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) $(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)"; fi
            """;
        var resources = new JobResources { Cpus = 0.5, MemoryBytes = 64L * 1024 * 1024 };
        var limits = await LaunchAsync(engine, Job("limits", Limits) with { Resources = resources });
        await WaitForAsync(engine, limits, JobPhase.Exited);
        var log = await engine.ReadLogAsync(limits, 10_000, Ct);
        Assert.Contains($"mem={64 * 1024 * 1024}", log, StringComparison.Ordinal);
        Assert.Contains("cpu=50000 100000", log, StringComparison.Ordinal);

        // A process that goes past the memory limit is killed, and the status says why.
        var hog = await LaunchAsync(engine, new JobSpec
        {
            Name = "hog",
            Command = ["/usr/bin/python3", "-c", "x = bytearray(256 * 1024 * 1024); print('survived', len(x), flush=True)"],
            Resources = resources,
        });
        var ended = await WaitForAsync(engine, hog, JobPhase.Exited);
        Assert.Equal(137, ended.ExitCode);
        Assert.Contains("out of memory", ended.Reason, StringComparison.Ordinal);
        Assert.Contains("64 MiB", ended.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("survived", await engine.ReadLogAsync(hog, 10_000, Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_users_folder_is_mounted_writable_and_is_the_working_folder()
    {
        var engine = CreateEngine();
        var home = Path.Combine(_root, "home", "alice");
        var job = await LaunchAsync(engine, Job("home", "pwd; echo written-inside > note.txt") with { WorkingDirectory = home });
        var ended = await WaitForAsync(engine, job, JobPhase.Exited);
        Assert.Equal(0, ended.ExitCode);
        Assert.Contains(home, await engine.ReadLogAsync(job, 10_000, Ct), StringComparison.Ordinal);
        Assert.Equal("written-inside\n", await File.ReadAllTextAsync(Path.Combine(home, "note.txt"), Ct));
    }

    [Fact]
    public async Task Host_variable_and_port_variable_say_where_to_bind_inside()
    {
        var engine = CreateEngine(o => o.ExtraHosts = ["hub.greyhub.test:192.0.2.77"]);
        var script = "echo \"bind=$JOB_HOST:$JOB_PORT\"; grep hub.greyhub.test /etc/hosts; exec sleep 300";
        var job = await LaunchAsync(engine, Job("where", script) with { PortVariable = "JOB_PORT", HostVariable = "JOB_HOST" });
        var running = await WaitForAsync(engine, job, JobPhase.Running);
        Assert.Equal("127.0.0.1", running.Host);
        Assert.NotEqual(8888, running.Port);
        await WaitForLogAsync(engine, job, "bind=0.0.0.0:8888");
        await WaitForLogAsync(engine, job, "192.0.2.77");
    }

    [Fact]
    public async Task Host_network_mode_binds_a_free_loopback_port()
    {
        var engine = CreateEngine(o => o.NetworkMode = ContainerNetworkMode.Host);
        var job = await LaunchAsync(engine, Job("hostnet", "echo \"bind=$JOB_HOST:$JOB_PORT\"; exec sleep 300") with { PortVariable = "JOB_PORT", HostVariable = "JOB_HOST" });
        var running = await WaitForAsync(engine, job, JobPhase.Running);
        Assert.Equal("127.0.0.1", running.Host);
        await WaitForLogAsync(engine, job, $"bind=127.0.0.1:{running.Port!.Value.ToString(CultureInfo.InvariantCulture)}");
    }

    [Fact]
    public async Task The_log_outlives_the_container()
    {
        var engine = CreateEngine();
        var job = await LaunchAsync(engine, Job("talker", "echo before-the-stop; exec sleep 300"));
        await WaitForAsync(engine, job, JobPhase.Running);
        await WaitForLogAsync(engine, job, "before-the-stop");
        await engine.StopAsync(job, TimeSpan.FromSeconds(5), Ct);
        using var client = ContainerHost.Client();
        await Assert.ThrowsAsync<Docker.DotNet.DockerContainerNotFoundException>(() => client.Containers.InspectContainerAsync(job.Id, Ct));
        Assert.Contains("before-the-stop", await CreateEngine().ReadLogAsync(job, 10_000, Ct), StringComparison.Ordinal);
        var status = (await CreateEngine().GetStatusAsync([job], Ct))[0];
        Assert.Equal(JobPhase.Exited, status.Phase);
        Assert.StartsWith("stopped by Greyhub", status.Reason, StringComparison.Ordinal);
    }

    private static JobSpec Job(string name, string script) => new() { Name = name, Command = ["/bin/sh", "-c", script] };

    private async Task WaitForLogAsync(IComputeEngine engine, JobHandle job, string text)
    {
        var watch = Stopwatch.StartNew();
        string log;
        while (!(log = await engine.ReadLogAsync(job, 10_000, Ct)).Contains(text, StringComparison.Ordinal))
        {
            Assert.True(watch.Elapsed < Patience, $"'{text}' never appeared in the log:\n{log}");
            await Task.Delay(100, Ct);
        }
    }
}
