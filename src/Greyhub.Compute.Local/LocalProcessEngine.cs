using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Greyhub.Abstractions.Compute;
using Microsoft.Extensions.Options;
using Greyhub.Processes;

namespace Greyhub.Compute.Local;

/// <summary>
/// Runs each job as a local process in its own session (<c>setsid</c>), with its output appended to a per-job log
/// by the shell (so the job never depends on the hub's pipes and survives a hub restart). Stops signal the whole
/// process group, gracefully then forcefully. A job is recognised by process id and kernel start time together, so
/// the engine never signals a process it did not start.
/// </summary>
public sealed class LocalProcessEngine(IOptions<LocalEngineOptions> options, TimeProvider time) : IComputeEngine
{
    private const string Wrapper = "log=\"$1\"; shift; exec \"$@\" >>\"$log\" 2>&1 </dev/null";
    private readonly LocalEngineOptions _options = options.Value;
    private readonly ConcurrentDictionary<int, Process> _children = new();

    /// <inheritdoc />
    public string Name => "local";

    /// <inheritdoc />
    public bool RunsLocally => true;

    /// <inheritdoc />
    public Task<JobHandle> LaunchAsync(JobSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Command.Count == 0)
        {
            throw new ArgumentException("A job needs a command.", nameof(spec));
        }
        Directory.CreateDirectory(_options.JobsDirectory);
        var log = Path.Combine(_options.JobsDirectory, $"{Safe(spec.Name)}-{Guid.NewGuid():N}.log");
        File.WriteAllText(log, "");
        var workingDirectory = spec.WorkingDirectory ?? _options.JobsDirectory;
        Directory.CreateDirectory(workingDirectory);
        var psi = new ProcessStartInfo("setsid") { UseShellExecute = false, WorkingDirectory = workingDirectory };
        foreach (var arg in (string[])["/bin/sh", "-c", Wrapper, "sh", log, .. spec.Command])
        {
            psi.ArgumentList.Add(arg);
        }
        psi.Environment.Clear();
        foreach (var (key, value) in spec.Environment)
        {
            psi.Environment[key] = value;
        }
        if (!psi.Environment.ContainsKey("PATH"))
        {
            psi.Environment["PATH"] = "/usr/local/bin:/usr/bin:/bin";
        }
        if (spec.HostVariable is { Length: > 0 } hostVariable)
        {
            psi.Environment[hostVariable] = _options.Host;
        }
        int? port = null;
        if (spec.PortVariable is { Length: > 0 } variable)
        {
            port = JobPorts.Pick();
            psi.Environment[variable] = port.Value.ToString(CultureInfo.InvariantCulture);
        }
        var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start job {spec.Name}");
        _children[process.Id] = process;
        var start = LinuxProcess.Stat(process.Id)?.StartTicks ?? -1;
        var state = new LocalJobState(process.Id, start, port, log);
        return Task.FromResult(new JobHandle(Name, process.Id.ToString(CultureInfo.InvariantCulture), JsonSerializer.Serialize(state, LocalJson.Default.LocalJobState)));
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<JobStatus>> GetStatusAsync(IReadOnlyList<JobHandle> jobs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        var statuses = new JobStatus[jobs.Count];
        for (var i = 0; i < jobs.Count; i++)
        {
            statuses[i] = await StatusAsync(jobs[i], cancellationToken);
        }
        return statuses;
    }

    /// <inheritdoc />
    public async Task StopAsync(JobHandle job, TimeSpan grace, CancellationToken cancellationToken)
    {
        var state = Parse(job);
        if (state is null || !LinuxProcess.IsAlive(state.Pid, state.StartTicks))
        {
            return;
        }
        LinuxProcess.SignalGroup(state.Pid, LinuxProcess.SigTerm);
        if (!await WaitGoneAsync(state, grace, cancellationToken))
        {
            LinuxProcess.SignalGroup(state.Pid, LinuxProcess.SigKill);
            await WaitGoneAsync(state, TimeSpan.FromSeconds(10), cancellationToken);
        }
    }

    /// <inheritdoc />
    public async Task<string> ReadLogAsync(JobHandle job, int maxBytes, CancellationToken cancellationToken)
    {
        var state = Parse(job);
        if (state is null || !File.Exists(state.LogPath))
        {
            return "";
        }
        await using var stream = new FileStream(state.LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var length = stream.Length;
        var take = (int)Math.Min(length, Math.Max(0, maxBytes));
        stream.Seek(length - take, SeekOrigin.Begin);
        var buffer = new byte[take];
        await stream.ReadExactlyAsync(buffer, cancellationToken);
        return Encoding.UTF8.GetString(buffer);
    }

    private async Task<JobStatus> StatusAsync(JobHandle job, CancellationToken cancellationToken)
    {
        var state = Parse(job);
        if (state is null)
        {
            return new JobStatus(JobPhase.Exited, Reason: "not a job of the local engine");
        }
        if (_children.TryGetValue(state.Pid, out var child) && !child.HasExited && !LinuxProcess.IsAlive(state.Pid, state.StartTicks))
        {
            // Our own child ended (a zombie in /proc) but .NET has not reaped it yet: that takes moments, and then
            // the exit code is known, so wait for it (at most a second) rather than report an end without a code.
            using var reaped = new CancellationTokenSource(TimeSpan.FromSeconds(1), time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(reaped.Token, cancellationToken);
            try
            {
                await child.WaitForExitAsync(linked.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }
        }
        if (child is not null && child.HasExited)
        {
            return new JobStatus(JobPhase.Exited, ExitCode: child.ExitCode, Reason: $"exited with code {child.ExitCode}");
        }
        if (LinuxProcess.IsAlive(state.Pid, state.StartTicks))
        {
            return new JobStatus(JobPhase.Running, _options.Host, state.Port);
        }
        return new JobStatus(JobPhase.Exited, Reason: LinuxProcess.Stat(state.Pid) is { } other && other.StartTicks != state.StartTicks
            ? "the process ended (its id now belongs to another program)"
            : "the process ended");
    }

    private async Task<bool> WaitGoneAsync(LocalJobState state, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = time.GetTimestamp();
        while (time.GetElapsedTime(deadline) < timeout)
        {
            if (_children.TryGetValue(state.Pid, out var child) ? child.HasExited : !LinuxProcess.IsAlive(state.Pid, state.StartTicks))
            {
                return true;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(50), time, cancellationToken);
        }
        return false;
    }

    private LocalJobState? Parse(JobHandle job)
    {
        if (job.Engine != Name)
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize(job.State, LocalJson.Default.LocalJobState);
        }
        catch (JsonException)
        {
            return null;
        }
    }


    private static string Safe(string name) =>
        new([.. name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').Take(100)]);
}
