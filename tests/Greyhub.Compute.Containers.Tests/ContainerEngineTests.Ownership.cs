using Docker.DotNet;
using Docker.DotNet.Models;
using Greyhub.Abstractions.Compute;
using Microsoft.Extensions.Logging.Abstractions;

namespace Greyhub.Compute.Containers.Tests;

/// <summary>Ownership: what the engine finds again, what it reports when others act, and what it never touches.</summary>
public sealed partial class ContainerEngineTests
{
    [Fact]
    public async Task A_container_removed_outside_Greyhub_is_exited_with_that_reason()
    {
        var engine = CreateEngine();
        var job = await LaunchAsync(engine, Job("victim", "exec sleep 300"));
        await WaitForAsync(engine, job, JobPhase.Running);
        using (var client = ContainerHost.Client())
        {
            // What `podman rm -f` does, through the same API.
            await client.Containers.RemoveContainerAsync(job.Id, new ContainerRemoveParameters { Force = true }, Ct);
        }
        var status = (await engine.GetStatusAsync([job], Ct))[0];
        Assert.Equal(JobPhase.Exited, status.Phase);
        Assert.Equal(ContainerEngine.RemovedOutside, status.Reason);
        await engine.StopAsync(job, TimeSpan.FromSeconds(1), Ct);
        Assert.Equal(ContainerEngine.RemovedOutside, (await engine.GetStatusAsync([job], Ct))[0].Reason);
    }

    [Fact]
    public async Task A_restarted_engine_readopts_by_container_id_and_stops_it()
    {
        var before = CreateEngine();
        var job = await LaunchAsync(before, Job("server", "echo up; exec sleep 300") with { PortVariable = "JOB_PORT", HostVariable = "JOB_HOST" });
        var running = await WaitForAsync(before, job, JobPhase.Running);

        // A restarted hub: a new engine with the same configuration and only the saved handle.
        var after = CreateEngine();
        var saved = new JobHandle(job.Engine, job.Id, job.State);
        var again = (await after.GetStatusAsync([saved], Ct))[0];
        Assert.Equal(JobPhase.Running, again.Phase);
        Assert.Equal((running.Host, running.Port), (again.Host, again.Port));
        await WaitForLogAsync(after, saved, "up");
        await after.StopAsync(saved, TimeSpan.FromSeconds(5), Ct);
        Assert.Equal(JobPhase.Exited, (await after.GetStatusAsync([saved], Ct))[0].Phase);
    }

    [Fact]
    public async Task A_container_without_the_marker_is_never_touched()
    {
        using var client = ContainerHost.Client();
        var engine = CreateEngine();
        // Two containers the engine did not create: one unmarked, one marked for another hub instance.
        var unmarked = await CreateForeignAsync(client, new Dictionary<string, string> { ["purpose"] = "not greyhub" });
        var otherHub = await CreateForeignAsync(client, new Dictionary<string, string> { ["greyhub.managed"] = "true", ["greyhub.instance"] = "someone-else" });
        try
        {
            foreach (var id in new[] { unmarked, otherHub })
            {
                // A handle forged (or left over) to point at the foreign container.
                var forged = new JobHandle("containers", id, $$"""{"id":"{{id}}","name":"x","instance":"{{_instance}}","has_port":false,"host_port":null,"log":"{{Logs}}/x.log"}""");
                var status = (await engine.GetStatusAsync([forged], Ct))[0];
                Assert.Equal(JobPhase.Exited, status.Phase);
                Assert.Equal("", await engine.ReadLogAsync(forged, 1000, Ct));
                await engine.StopAsync(forged, TimeSpan.FromSeconds(1), Ct);
                var still = await client.Containers.InspectContainerAsync(id, Ct);
                Assert.True(still.State.Running, $"the foreign container {id} was stopped");
            }
        }
        finally
        {
            foreach (var id in new[] { unmarked, otherHub })
            {
                await client.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true }, CancellationToken.None);
            }
        }
    }

    [Fact]
    public async Task Status_of_many_containers_is_one_api_call()
    {
        ContainerHost.Require();
        var options = ContainerHost.Options(_instance, Logs);
        // Not disposed here: the kit stops the launched jobs through it after the test.
        var engine = new ContainerEngine(options, CountingDocker.Wrap(ContainerEngine.CreateClient(options), out var counter), NullLogger.Instance);
        var jobs = new List<JobHandle>();
        for (var i = 0; i < 5; i++)
        {
            jobs.Add(await LaunchAsync(engine, Job($"many-{i}", "exec sleep 300") with { PortVariable = "JOB_PORT", HostVariable = "JOB_HOST" }));
        }
        foreach (var job in jobs)
        {
            await WaitForAsync(engine, job, JobPhase.Running);
        }
        counter.Calls.Clear();
        var statuses = await engine.GetStatusAsync([.. jobs, .. jobs], Ct);
        Assert.All(statuses, s => Assert.Equal(JobPhase.Running, s.Phase));
        Assert.Equal(5, statuses.Select(s => s.Port).Distinct().Count());
        Assert.Equal(1, counter.Count(nameof(IContainerOperations.ListContainersAsync)));
        Assert.Equal(1, counter.Calls.Values.Sum());
    }

    [Fact]
    public async Task A_container_that_cannot_start_fails_the_launch_and_is_removed()
    {
        // Without an init, the runtime itself fails to exec a missing program, so the start call fails.
        var engine = CreateEngine(o => o.Init = false);
        var failed = await Assert.ThrowsAsync<InvalidOperationException>(
            () => engine.LaunchAsync(new JobSpec { Name = "broken", Command = ["/no/such/program"] }, Ct));
        Assert.Contains("did not start", failed.Message, StringComparison.Ordinal);
        Assert.Contains("/no/such/program", failed.Message, StringComparison.Ordinal);
        using var client = ContainerHost.Client();
        var left = await client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"greyhub.instance={_instance}"] = true } },
        }, Ct);
        Assert.Empty(left);
    }

    private static async Task<string> CreateForeignAsync(DockerClient client, Dictionary<string, string> labels)
    {
        var created = await client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = ContainerHost.Image,
            Entrypoint = ["/bin/sh", "-c", "echo foreign-secret; exec sleep 300"],
            Labels = labels,
            HostConfig = new HostConfig
            {
                Init = true,
                Runtime = "runc",
                Ulimits = [new Ulimit { Name = "nofile", Soft = 20000, Hard = 20000 }, new Ulimit { Name = "nproc", Soft = 32768, Hard = 32768 }],
            },
        }, Ct);
        await client.Containers.StartContainerAsync(created.ID, new ContainerStartParameters(), Ct);
        return created.ID;
    }
}
