using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Docker.DotNet;
using Docker.DotNet.Models;
using Greyhub.Abstractions.Compute;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using JobStatus = Greyhub.Abstractions.Compute.JobStatus;

namespace Greyhub.Compute.Containers;

/// <summary>
/// Runs each job as a container through the Docker Engine API, which Docker and rootful Podman both serve. A job
/// gets exactly its environment, its CPU and memory limits, the user's folder bind-mounted as its working folder,
/// and one port published on the host's loopback (or the host network). Every container carries this hub's marker
/// labels; the engine finds a job again by the container id in its saved state, and never stops, removes or reads a
/// container without the marker. Status of any number of jobs is one list call (plus one inspect, once, per job
/// that has ended); a stop is graceful, keeps the log and exit record as files, then removes the container.
/// </summary>
public sealed partial class ContainerEngine : IComputeEngine, IDisposable
{
    /// <summary>The reason given for a job whose container someone else removed.</summary>
    public const string RemovedOutside = "container removed outside Greyhub";

    private const int MaxRemembered = 10_000;

    private readonly ContainerEngineOptions _options;
    private readonly IDockerClient _docker;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, JobStatus> _ended = new(StringComparer.Ordinal);

    /// <summary>Creates the engine over the configured endpoint.</summary>
    public ContainerEngine(IOptions<ContainerEngineOptions> options, ILogger<ContainerEngine> logger)
        : this(options?.Value ?? throw new ArgumentNullException(nameof(options)), CreateClient(options.Value), logger)
    {
    }

    /// <summary>Creates the engine over a given client (the test seam: tests wrap it to count calls).</summary>
    internal ContainerEngine(ContainerEngineOptions options, IDockerClient docker, ILogger logger)
    {
        var problems = ContainerEngineOptionsValidator.Problems(options).ToList();
        if (problems.Count > 0)
        {
            throw new OptionsValidationException(ContainerEngineOptions.Section, typeof(ContainerEngineOptions), problems);
        }
        _options = options;
        _docker = docker;
        _logger = logger;
    }

    /// <inheritdoc />
    public string Name => "containers";

    /// <summary>A Docker Engine API client for the options' endpoint (timeouts are applied per call by the engine).</summary>
    internal static IDockerClient CreateClient(ContainerEngineOptions options) =>
        new DockerClientConfiguration(new Uri(options.Endpoint), null, System.Threading.Timeout.InfiniteTimeSpan).CreateClient();

    /// <inheritdoc />
    public async Task<JobHandle> LaunchAsync(JobSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Command.Count == 0)
        {
            throw new ArgumentException("A job needs a command.", nameof(spec));
        }
        if (spec.Resources.Gpus is > 0)
        {
            throw new ArgumentException("The containers engine offers no GPUs; run GPU jobs on an engine that has them.", nameof(spec));
        }
        if (spec.Key is { } invalid && !JobSpec.IsValidKey(invalid))
        {
            throw new ArgumentException($"Invalid job key '{invalid}'.", nameof(spec));
        }
        var image = ContainerSpec.Image(spec, _options);
        var name = ContainerSpec.Name(spec);
        var hasPort = spec.PortVariable is { Length: > 0 };
        int? hostPort = hasPort && _options.NetworkMode == ContainerNetworkMode.Host ? JobPorts.Pick() : null;
        if (spec.WorkingDirectory is { } folder)
        {
            // Podman refuses a bind mount whose source is missing; Docker would create it owned by root.
            Directory.CreateDirectory(folder);
        }
        var create = ContainerSpec.Create(spec, image, name, hostPort, _options);
        string id;
        using (var timeout = Bounded(cancellationToken))
        {
            try
            {
                id = (await _docker.Containers.CreateContainerAsync(create, timeout.Token)).ID;
            }
            catch (DockerImageNotFoundException e)
            {
                throw new InvalidOperationException(
                    $"Image '{image}' is not on the container host; build or load it there (the engine never pulls): {e.ResponseBody}", e);
            }
        }
        try
        {
            using var timeout = Bounded(cancellationToken);
            await _docker.Containers.StartContainerAsync(id, new ContainerStartParameters(), timeout.Token);
        }
        catch (Exception e) when (e is DockerApiException or HttpRequestException or OperationCanceledException)
        {
            ContainerEngineLog.StartFailed(_logger, e, id, spec.Name);
            using var timeout = Bounded(CancellationToken.None);
            await _docker.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true }, timeout.Token);
            throw new InvalidOperationException($"The container of job {spec.Name} did not start: {(e as DockerApiException)?.ResponseBody ?? e.Message}", e);
        }
        ContainerEngineLog.Launched(_logger, name, id, spec.Name, image);
        var state = new ContainerJobState(id, name, _options.InstanceId, hasPort, hostPort, Path.Combine(_options.LogsDirectory, name + ".log"));
        return new JobHandle(Name, id, JsonSerializer.Serialize(state, ContainerJson.Default.ContainerJobState));
    }

    /// <inheritdoc />
    public async Task StopAsync(JobHandle job, TimeSpan grace, CancellationToken cancellationToken)
    {
        var state = Parse(job);
        if (state is null || await InspectOursAsync(state.Id, cancellationToken) is not { } info)
        {
            return;
        }
        if (info.State.Running || info.State.Paused || info.State.Restarting)
        {
            // SIGTERM (forwarded by the init process), then SIGKILL after the grace.
            var seconds = (uint)Math.Ceiling(Math.Max(0, grace.TotalSeconds));
            try
            {
                using var timeout = Bounded(cancellationToken, grace);
                await _docker.Containers.StopContainerAsync(state.Id, new ContainerStopParameters { WaitBeforeKillSeconds = seconds }, timeout.Token);
            }
            catch (DockerContainerNotFoundException)
            {
                // Removed meanwhile by someone else: nothing left to stop or keep.
                return;
            }
            info = await InspectOursAsync(state.Id, cancellationToken) ?? info;
        }
        var exit = new ContainerExitRecord(info.State.ExitCode, $"stopped by Greyhub ({Ended(info).Reason})");
        try
        {
            using var timeout = Bounded(cancellationToken);
            var log = await ContainerLogs.ReadTailAsync(_docker, state.Id, _options.SavedLogBytes, timeout.Token);
            await ContainerLogs.SaveAsync(state, log, exit, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DockerApiException)
        {
            ContainerEngineLog.LogNotSaved(_logger, e, state.Id);
        }
        using (var timeout = Bounded(cancellationToken))
        {
            try
            {
                await _docker.Containers.RemoveContainerAsync(state.Id, new ContainerRemoveParameters { Force = true }, timeout.Token);
            }
            catch (DockerContainerNotFoundException)
            {
                // Gone already: the goal of a stop.
            }
        }
        Remember(state.Id, new JobStatus(JobPhase.Exited, ExitCode: (int)exit.ExitCode, Reason: exit.Reason));
        ContainerEngineLog.Stopped(_logger, state.Id, exit.ExitCode, state.LogPath);
    }

    /// <inheritdoc />
    public async Task<string> ReadLogAsync(JobHandle job, int maxBytes, CancellationToken cancellationToken)
    {
        var state = Parse(job);
        if (state is null)
        {
            return "";
        }
        if (await InspectOursAsync(state.Id, cancellationToken) is null)
        {
            return await ContainerLogs.ReadSavedAsync(state, maxBytes, cancellationToken);
        }
        try
        {
            using var timeout = Bounded(cancellationToken);
            return Encoding.UTF8.GetString(await ContainerLogs.ReadTailAsync(_docker, state.Id, maxBytes, timeout.Token));
        }
        catch (DockerContainerNotFoundException)
        {
            return await ContainerLogs.ReadSavedAsync(state, maxBytes, cancellationToken);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _docker.Dispose();

    /// <summary>The container when it exists and carries this hub's marker; null otherwise (a foreign one is logged).</summary>
    private async Task<ContainerInspectResponse?> InspectOursAsync(string id, CancellationToken cancellationToken)
    {
        ContainerInspectResponse info;
        try
        {
            using var timeout = Bounded(cancellationToken);
            info = await _docker.Containers.InspectContainerAsync(id, timeout.Token);
        }
        catch (DockerContainerNotFoundException)
        {
            return null;
        }
        if (!ContainerSpec.IsOurs(info.Config?.Labels, _options))
        {
            ContainerEngineLog.NotOurs(_logger, id, _options.InstanceId);
            return null;
        }
        return info;
    }

    private ContainerJobState? Parse(JobHandle job)
    {
        if (job.Engine != Name)
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize(job.State, ContainerJson.Default.ContainerJobState) is { Id.Length: > 0 } state ? state : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The caller's token, bounded by the request timeout (plus <paramref name="extra"/> for waits the call includes).</summary>
    private CancellationTokenSource Bounded(CancellationToken cancellationToken, TimeSpan extra = default)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        source.CancelAfter(_options.RequestTimeout + extra);
        return source;
    }
}
