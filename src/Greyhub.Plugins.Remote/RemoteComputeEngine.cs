using Greyhub.Abstractions.Compute;

namespace Greyhub.Plugins.Remote;

/// <summary>
/// A compute engine in another process, reached over the grey plug protocol (docs/plugins.md). The plug-in's job
/// state is kept verbatim as <see cref="JobHandle.State"/>, so jobs re-attach after a restart of the hub or of the
/// plug-in exactly as well as the plug-in itself can find them again.
/// </summary>
public sealed class RemoteComputeEngine : IComputeEngine
{
    private readonly PluginClient _client;
    private readonly RemoteEngineOptions _options;

    internal RemoteComputeEngine(PluginClient client, RemoteEngineOptions options)
    {
        _client = client;
        _options = options;
    }

    /// <inheritdoc />
    public string Name => _client.Name;

    /// <summary>What the plug-in said in its handshake (false until it has answered one).</summary>
    public bool RunsLocally => _client.Known?.RunsLocally ?? false;

    /// <summary>Checks the plug-in answers and speaks this hub's protocol version; returns the engine it says it is.</summary>
    public async Task<string> HandshakeAsync(CancellationToken cancellationToken) =>
        (await _client.HandshakeAsync(fresh: true, cancellationToken)).Engine
        ?? throw new PluginException(Name, PluginFailure.MalformedAnswer, "names no engine in its handshake: it serves no compute engine.");

    /// <inheritdoc />
    public async Task<JobHandle> LaunchAsync(JobSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Key is { } invalid && !JobSpec.IsValidKey(invalid))
        {
            throw new ArgumentException($"Invalid job key '{invalid}'.", nameof(spec));
        }
        var wire = new WireJobSpec(spec.Name, spec.Command, spec.Environment, spec.Image, spec.WorkingDirectory,
            new WireResources(spec.Resources.Cpus, spec.Resources.MemoryBytes, spec.Resources.Gpus, spec.Resources.TimeLimit?.TotalSeconds),
            spec.Labels, spec.PortVariable, spec.HostVariable, spec.Key);
        // One idempotency key for every attempt of this launch: a retry after a lost answer gets the first job back, not
        // a second one. (Not JobSpec.Key, which the plug-in records for find: a caller may launch one key again after
        // the first job ended.)
        var request = new LaunchRequest(Guid.NewGuid().ToString("N"), wire);
        var job = await _client.CallAsync("v1/jobs/launch", request, PluginJson.Default.LaunchRequest, PluginJson.Default.WireJob,
            retry: true, _options.Timeout, cancellationToken);
        if (string.IsNullOrEmpty(job.Id) || job.State is null)
        {
            throw new PluginException(Name, PluginFailure.MalformedAnswer, "answered a launch without a job id or state.");
        }
        return new JobHandle(Name, job.Id, job.State);
    }

    /// <inheritdoc />
    /// <remarks>
    /// <c>/v1/jobs/find</c> is optional (protocol 1.2): it is called only when the handshake lists <c>find</c> in
    /// <c>engine_calls</c>, and a 404 or 501 answer (a plug-in, or a proxy before it, that does not know the call) is
    /// "not supported" too. Not supported is null, the interface's default: the crash window stays open for that plug-in.
    /// </remarks>
    public async Task<JobHandle?> FindAsync(JobSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Key is not { } key || !JobSpec.IsValidKey(key)
            || !(await _client.HandshakeAsync(fresh: false, cancellationToken)).EngineServes("find"))
        {
            return null;
        }
        FindResponse response;
        try
        {
            response = await _client.CallAsync("v1/jobs/find", new FindRequest(key), PluginJson.Default.FindRequest, PluginJson.Default.FindResponse,
                retry: true, _options.Timeout, cancellationToken);
        }
        catch (PluginException e) when (e.Kind == PluginFailure.PluginError && e.Data["status"] is 404 or 501)
        {
            return null;
        }
        if (response.Job is not { } job)
        {
            return null;
        }
        return string.IsNullOrEmpty(job.Id) || job.State is null
            ? throw new PluginException(Name, PluginFailure.MalformedAnswer, "answered a find with a job without an id or state.")
            : new JobHandle(Name, job.Id, job.State);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<JobStatus>> GetStatusAsync(IReadOnlyList<JobHandle> jobs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        var result = new JobStatus[jobs.Count];
        var ours = new List<int>(jobs.Count);
        for (var i = 0; i < jobs.Count; i++)
        {
            if (jobs[i].Engine == Name)
            {
                ours.Add(i);
            }
            else
            {
                result[i] = new JobStatus(JobPhase.Exited, Reason: $"not a job of engine {Name}");
            }
        }
        if (ours.Count == 0)
        {
            return result;
        }
        var request = new StatusRequest([.. ours.Select(i => new WireJob(jobs[i].Id, jobs[i].State))]);
        var response = await _client.CallAsync("v1/jobs/status", request, PluginJson.Default.StatusRequest, PluginJson.Default.StatusResponse,
            retry: true, _options.Timeout, cancellationToken);
        if (response.Statuses is null || response.Statuses.Count != ours.Count)
        {
            throw new PluginException(Name, PluginFailure.MalformedAnswer,
                $"answered {response.Statuses?.Count ?? 0} statuses for {ours.Count} jobs.");
        }
        for (var j = 0; j < ours.Count; j++)
        {
            result[ours[j]] = Map(response.Statuses[j]);
        }
        return result;
    }

    /// <inheritdoc />
    public async Task StopAsync(JobHandle job, TimeSpan grace, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job.Engine != Name)
        {
            return;
        }
        // Stopping is idempotent (an ended job stops harmlessly), so it may be retried; the plug-in may use the whole grace.
        await _client.CallAsync("v1/jobs/stop", new StopRequest(new WireJob(job.Id, job.State), Math.Max(0, grace.TotalSeconds)),
            PluginJson.Default.StopRequest, PluginJson.Default.EmptyResponse, retry: true, _options.Timeout + grace, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<string> ReadLogAsync(JobHandle job, int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job.Engine != Name)
        {
            return "";
        }
        var response = await _client.CallAsync("v1/jobs/log", new LogRequest(new WireJob(job.Id, job.State), Math.Max(0, maxBytes)),
            PluginJson.Default.LogRequest, PluginJson.Default.LogResponse, retry: true, _options.Timeout, cancellationToken);
        return response.Log ?? "";
    }

    private JobStatus Map(WireStatus status)
    {
        var phase = status?.Phase switch
        {
            "pending" => JobPhase.Pending,
            "running" => JobPhase.Running,
            "exited" => JobPhase.Exited,
            _ => throw new PluginException(Name, PluginFailure.MalformedAnswer,
                $"answered a status with phase '{status?.Phase}'; the protocol knows pending, running and exited."),
        };
        return new JobStatus(phase, status.Host, status.Port, status.ExitCode, status.Reason);
    }
}
