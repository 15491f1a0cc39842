using System.Collections.Concurrent;
using System.Text.Json;
using Greyhub.Abstractions.Compute;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Greyhub.Compute.Slurm;

/// <summary>
/// Runs each job as a Slurm batch job. The generated script picks a free port on the compute node and records
/// <c>node port</c> in the job's folder (a folder the hub and the nodes share); a batchspawner-style callback can record
/// it too (<see cref="IJobEndpointReceiver"/>). One <c>squeue</c> (or one slurmrestd call) answers a whole status batch.
/// Every job carries <c>--comment=greyhub:MARKER</c>; a job whose comment differs is never signalled.
/// </summary>
public sealed class SlurmEngine : IComputeEngine, IJobEndpointReceiver
{
    /// <summary>Name of the <see cref="HttpClient"/> used for slurmrestd.</summary>
    public const string HttpClientName = "Greyhub.Compute.Slurm";

    private readonly SlurmEngineOptions _options;
    private readonly ISlurmTransport _transport;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, string> _nodeAddresses = new(StringComparer.Ordinal);

    /// <summary>Creates the engine with the transport its options name.</summary>
    public SlurmEngine(IOptions<SlurmEngineOptions> options, IHttpClientFactory httpClients, TimeProvider time, ILogger<SlurmEngine> logger)
        : this(options?.Value ?? throw new ArgumentNullException(nameof(options)), CreateTransport(options.Value, httpClients, time), time, logger)
    {
    }

    internal SlurmEngine(SlurmEngineOptions options, ISlurmTransport transport, TimeProvider time, ILogger logger)
    {
        _options = options;
        _transport = new ControllerRetryTransport(transport, options.ControllerRetryTimeout, time, logger);
        _time = time;
        _logger = logger;
    }

    /// <inheritdoc />
    public string Name => "slurm";

    /// <inheritdoc />
    public async Task<JobHandle> LaunchAsync(JobSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Key is { } invalid && !JobSpec.IsValidKey(invalid))
        {
            throw new ArgumentException($"Invalid job key '{invalid}'.", nameof(spec));
        }
        // A keyed job's marker is its key: FindAsync knows its comment and folder from the spec alone.
        var marker = spec.Key ?? Guid.NewGuid().ToString("N");
        var folder = Folder(spec, marker);
        var job = BatchScript.Build(spec, folder, marker, _options);
        Directory.CreateDirectory(folder.Path);
        if (job.RunAsUser is { } user)
        {
            await UnixAccount.GiveFolderAsync(folder.Path, user, cancellationToken);
        }
        var id = await _transport.SubmitAsync(job, cancellationToken);
        SlurmLog.Submitted(_logger, id, spec.Name, folder.Path);
        var state = new SlurmJobState(id, marker, folder.Path, spec.PortVariable is { Length: > 0 });
        return new JobHandle(Name, id, JsonSerializer.Serialize(state, SlurmStateJson.Default.SlurmJobState));
    }

    /// <inheritdoc />
    /// <remarks>One <c>squeue --name</c> (or slurmrestd listing); the job is the one whose comment carries the key.</remarks>
    public async Task<JobHandle?> FindAsync(JobSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Key is not { } key || !JobSpec.IsValidKey(key))
        {
            return null;
        }
        var comment = BatchScript.CommentPrefix + key;
        var found = (await _transport.QueryByNameAsync(BatchScript.JobName(spec.Name), cancellationToken))
            .Where(i => i.Comment == comment)
            .OrderByDescending(i => long.TryParse(i.Id, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 0)
            .FirstOrDefault();
        if (found is null)
        {
            return null;
        }
        var state = new SlurmJobState(found.Id, key, Folder(spec, key).Path, spec.PortVariable is { Length: > 0 });
        return new JobHandle(Name, found.Id, JsonSerializer.Serialize(state, SlurmStateJson.Default.SlurmJobState));
    }

    private SlurmJobFolder Folder(JobSpec spec, string marker) => new(Path.Combine(_options.JobsDirectory, $"{Safe(spec.Name)}-{marker}"));

    /// <inheritdoc />
    public async Task<IReadOnlyList<JobStatus>> GetStatusAsync(IReadOnlyList<JobHandle> jobs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        var states = jobs.Select(Parse).ToList();
        var ids = states.Where(s => s is not null).Select(s => s!.JobId).Distinct(StringComparer.Ordinal).ToList();
        var known = new Dictionary<string, SlurmJobInfo>(StringComparer.Ordinal);
        if (ids.Count > 0)
        {
            foreach (var info in await _transport.QueryAsync(ids, cancellationToken))
            {
                known[info.Id] = info;
            }
            var forgotten = ids.Where(id => !known.ContainsKey(id)).ToList();
            if (forgotten.Count > 0)
            {
                foreach (var info in await _transport.QueryFinishedAsync(forgotten, cancellationToken))
                {
                    known.TryAdd(info.Id, info);
                }
            }
        }
        var result = new List<JobStatus>(jobs.Count);
        foreach (var state in states)
        {
            result.Add(await StatusAsync(state, state is null ? null : known.GetValueOrDefault(state.JobId), cancellationToken));
        }
        return result;
    }

    /// <inheritdoc />
    public async Task StopAsync(JobHandle job, TimeSpan grace, CancellationToken cancellationToken)
    {
        var state = Parse(job);
        if (state is null || await ActiveAsync(state, cancellationToken) is not { } info)
        {
            return;
        }
        TryWrite(new SlurmJobFolder(state.Directory).StopMarkerPath);
        SlurmLog.Stopping(_logger, state.JobId, grace);
        if (info.State != "PENDING")
        {
            await SignalAsync(state.JobId, _transport.TerminateAsync, cancellationToken);
            if (await WaitEndedAsync(state, grace, cancellationToken))
            {
                return;
            }
            SlurmLog.Forcing(_logger, state.JobId);
        }
        await SignalAsync(state.JobId, _transport.CancelAsync, cancellationToken);
        await WaitEndedAsync(state, _options.CommandTimeout, cancellationToken);
    }

    /// <inheritdoc />
    public Task<string> ReadLogAsync(JobHandle job, int maxBytes, CancellationToken cancellationToken) =>
        Parse(job) is { } state ? new SlurmJobFolder(state.Directory).ReadLogTailAsync(maxBytes, cancellationToken) : Task.FromResult("");

    /// <inheritdoc />
    public async Task<bool> TryAcceptEndpointAsync(JobHandle job, string? host, int port, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (Parse(job) is not { } state || port is < 1 or > 65535 || (host is not null && (host.Length == 0 || host.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))))
        {
            return false;
        }
        if (await ActiveAsync(state, cancellationToken) is null)
        {
            return false;
        }
        await new SlurmJobFolder(state.Directory).WriteEndpointAsync(host, port, cancellationToken);
        SlurmLog.EndpointAccepted(_logger, state.JobId, host ?? "(its node)", port);
        return true;
    }

    private async Task<JobStatus> StatusAsync(SlurmJobState? state, SlurmJobInfo? info, CancellationToken cancellationToken)
    {
        if (state is null)
        {
            return new JobStatus(JobPhase.Exited, Reason: "not a job of the slurm engine");
        }
        if (info is null)
        {
            return new JobStatus(JobPhase.Exited, Reason: $"Slurm no longer knows job {state.JobId} (it ended and slurmctld has forgotten it)");
        }
        if (!IsOurs(state, info))
        {
            return new JobStatus(JobPhase.Exited, Reason: $"Slurm job {state.JobId} is no longer Greyhub's job (its id was reused)");
        }
        var folder = new SlurmJobFolder(state.Directory);
        var status = SlurmStatus.Map(info, stoppedByUs: !SlurmStatus.IsActive(info.State) && File.Exists(folder.StopMarkerPath));
        if (info.State != "RUNNING")
        {
            return status;
        }
        if (await folder.ReadEndpointAsync(cancellationToken) is not { } endpoint)
        {
            // A job that picks its port is running for its users only once it says where (a moment after it starts).
            return state.PicksPort ? new JobStatus(JobPhase.Pending, Reason: $"Starting on {info.BatchHost ?? "its node"}") : status;
        }
        return status with { Host = await AddressAsync(endpoint.Host ?? info.BatchHost, cancellationToken), Port = endpoint.Port };
    }

    /// <summary>Where the hub connects for a node: configured map, then Slurm's NodeAddr (asked once per node), then the name.</summary>
    private async Task<string?> AddressAsync(string? node, CancellationToken cancellationToken)
    {
        if (node is null)
        {
            return null;
        }
        if (_options.NodeAddresses.TryGetValue(node, out var mapped))
        {
            return mapped;
        }
        if (!_options.ResolveNodeAddresses)
        {
            return node;
        }
        if (_nodeAddresses.TryGetValue(node, out var cached))
        {
            return cached;
        }
        var address = await _transport.NodeAddressAsync(node, cancellationToken) ?? node;
        _nodeAddresses[node] = address;
        return address;
    }

    /// <summary>The job's record when it is Greyhub's and still active; null otherwise.</summary>
    private async Task<SlurmJobInfo?> ActiveAsync(SlurmJobState state, CancellationToken cancellationToken)
    {
        var info = (await _transport.QueryAsync([state.JobId], cancellationToken)).FirstOrDefault(i => i.Id == state.JobId);
        if (info is not null && !IsOurs(state, info))
        {
            SlurmLog.Foreign(_logger, state.JobId, info.Comment);
            return null;
        }
        return info is not null && SlurmStatus.IsActive(info.State) ? info : null;
    }

    private async Task<bool> WaitEndedAsync(SlurmJobState state, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var start = _time.GetTimestamp();
        while (true)
        {
            var info = (await _transport.QueryAsync([state.JobId], cancellationToken)).FirstOrDefault(i => i.Id == state.JobId);
            if (info is null || !SlurmStatus.IsActive(info.State))
            {
                return true;
            }
            if (_time.GetElapsedTime(start) >= timeout)
            {
                return false;
            }
            await Task.Delay(_options.StopPollInterval, _time, cancellationToken);
        }
    }

    private async Task SignalAsync(string jobId, Func<string, CancellationToken, Task> signal, CancellationToken cancellationToken)
    {
        try
        {
            await signal(jobId, cancellationToken);
        }
        catch (SlurmException e)
        {
            // The job may have ended between the check and the signal; the wait that follows tells.
            SlurmLog.SignalFailed(_logger, jobId, e.Message);
        }
    }

    private static bool IsOurs(SlurmJobState state, SlurmJobInfo info) =>
        info.Comment is null || info.Comment == BatchScript.CommentPrefix + state.Marker;

    private SlurmJobState? Parse(JobHandle job)
    {
        if (job.Engine != Name)
        {
            return null;
        }
        try
        {
            var state = JsonSerializer.Deserialize(job.State, SlurmStateJson.Default.SlurmJobState);
            return state is { JobId.Length: > 0, Marker.Length: > 0, Directory.Length: > 0 } && state.JobId.All(char.IsAsciiDigit) ? state : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static void TryWrite(string path)
    {
        try
        {
            File.WriteAllText(path, "");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Only the wording of the final reason depends on it.
        }
    }

    private static string Safe(string name) =>
        new([.. name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').Take(60)]);

    private static ISlurmTransport CreateTransport(SlurmEngineOptions options, IHttpClientFactory httpClients, TimeProvider time)
    {
        if (options.Transport == SlurmTransport.Cli)
        {
            return new SlurmCliTransport(options, new ProcessCommandRunner(options));
        }
        var http = httpClients.CreateClient(HttpClientName);
        var url = options.Rest.Url ?? throw new InvalidOperationException($"{SlurmEngineOptions.Section}:Rest:Url is not set");
        http.BaseAddress = url.AbsoluteUri.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");
        return new SlurmRestTransport(options, http, new SlurmTokenSource(options.Rest, time));
    }
}
