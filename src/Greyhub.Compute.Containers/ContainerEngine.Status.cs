using System.Globalization;
using System.Net;
using Docker.DotNet;
using Docker.DotNet.Models;
using Greyhub.Abstractions.Compute;
using JobStatus = Greyhub.Abstractions.Compute.JobStatus;

namespace Greyhub.Compute.Containers;

/// <summary>Status: one list call for every job, by this hub's labels.</summary>
public sealed partial class ContainerEngine
{
    /// <inheritdoc />
    public async Task<IReadOnlyList<JobStatus>> GetStatusAsync(IReadOnlyList<JobHandle> jobs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        var states = jobs.Select(Parse).ToList();
        var listed = new Dictionary<string, ContainerListResponse>(StringComparer.Ordinal);
        if (states.Any(s => s is not null && !_ended.ContainsKey(s.Id)))
        {
            var containers = await ListAsync(cancellationToken);
            foreach (var container in containers)
            {
                listed[container.ID] = container;
            }
            ContainerEngineLog.StatusListed(_logger, jobs.Count, containers.Count);
        }
        var statuses = new List<JobStatus>(jobs.Count);
        foreach (var state in states)
        {
            statuses.Add(await StatusAsync(state, listed, cancellationToken));
        }
        return statuses;
    }

    /// <summary>This hub's containers, in one call (repeated only when the host trips over a container that just ended).</summary>
    private async Task<IList<ContainerListResponse>> ListAsync(CancellationToken cancellationToken)
    {
        var parameters = new ContainersListParameters { All = true, Filters = ContainerSpec.Filter(_options) };
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var timeout = Bounded(cancellationToken);
                return await _docker.Containers.ListContainersAsync(parameters, timeout.Token);
            }
            catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.InternalServerError && attempt < 3)
            {
                // Podman 4.3 answers 500 "read /proc/PID/cgroup: no such process" when a container exits mid-list.
                ContainerEngineLog.ListRetried(_logger, e.ResponseBody);
            }
        }
    }

    private async Task<JobStatus> StatusAsync(ContainerJobState? state, Dictionary<string, ContainerListResponse> listed, CancellationToken cancellationToken)
    {
        if (state is null)
        {
            return new JobStatus(JobPhase.Exited, Reason: "not a job of the containers engine");
        }
        if (_ended.TryGetValue(state.Id, out var ended))
        {
            return ended;
        }
        if (!listed.TryGetValue(state.Id, out var container))
        {
            if (ContainerLogs.ReadExit(state) is { } exit)
            {
                return Remember(state.Id, new JobStatus(JobPhase.Exited, ExitCode: (int)exit.ExitCode, Reason: exit.Reason));
            }
            return new JobStatus(JobPhase.Exited, Reason: state.Instance == _options.InstanceId
                ? RemovedOutside
                : $"the container belongs to Greyhub instance '{state.Instance}', not to this one ('{_options.InstanceId}')");
        }
        switch (container.State)
        {
            case "running":
                return Running(state, container);
            case "paused":
                return new JobStatus(JobPhase.Running, Reason: "the container is paused");
            case "created" or "configured" or "initialized":
                return new JobStatus(JobPhase.Pending, Reason: "the container is created, not started yet");
            case "restarting":
                return new JobStatus(JobPhase.Pending, Reason: "the container is restarting");
            default:
                // exited, stopped, dead, removing: ended for good. Inspect once for the exit code and the cause.
                ContainerInspectResponse info;
                try
                {
                    using var timeout = Bounded(cancellationToken);
                    info = await _docker.Containers.InspectContainerAsync(state.Id, timeout.Token);
                }
                catch (DockerContainerNotFoundException)
                {
                    return new JobStatus(JobPhase.Exited, Reason: RemovedOutside);
                }
                return info.State.Running ? Running(state, container) : Remember(state.Id, Ended(info));
        }
    }

    /// <summary>Caches a final status; the cache is only a shortcut, so it is dropped whole rather than grow with history.</summary>
    private JobStatus Remember(string id, JobStatus status)
    {
        if (_ended.Count >= MaxRemembered)
        {
            _ended.Clear();
        }
        return _ended[id] = status;
    }

    private JobStatus Running(ContainerJobState state, ContainerListResponse container)
    {
        if (!state.HasPort)
        {
            return new JobStatus(JobPhase.Running);
        }
        if (state.HostPort is { } hostPort)
        {
            return new JobStatus(JobPhase.Running, "127.0.0.1", hostPort);
        }
        var published = container.Ports?.FirstOrDefault(p => p.PrivatePort == _options.ContainerPort && p.PublicPort != 0 && p.Type == "tcp");
        return published is null
            ? new JobStatus(JobPhase.Pending, Reason: "waiting for the container's port to be published")
            : new JobStatus(JobPhase.Running, _options.PublishAddress, published.PublicPort);
    }

    /// <summary>The final status of an ended container, with the cause in words.</summary>
    private static JobStatus Ended(ContainerInspectResponse info)
    {
        var code = (int)info.State.ExitCode;
        var limit = info.HostConfig?.Memory is > 0 and var bytes
            ? $"{(bytes / (1024.0 * 1024.0)).ToString("0.#", CultureInfo.InvariantCulture)} MiB"
            : null;
        string reason;
        if (info.State.OOMKilled)
        {
            reason = $"out of memory: killed at its memory limit ({limit ?? "the host's memory"})";
        }
        else if (!string.IsNullOrEmpty(info.State.Error))
        {
            reason = $"the container failed: {info.State.Error}";
        }
        else if (code == 137 && limit is not null)
        {
            // Podman with cgroup v1 does not always report OOMKilled; SIGKILL under a memory limit is the tell.
            reason = $"killed by SIGKILL (exit code 137), most likely out of memory at its {limit} limit";
        }
        else if (code > 128)
        {
            reason = $"ended by signal {code - 128} (exit code {code})";
        }
        else
        {
            reason = $"exited with code {code}";
        }
        return new JobStatus(JobPhase.Exited, ExitCode: code, Reason: reason);
    }
}
