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
    /// <summary>The environment variable that carries a job's <see cref="JobSpec.Key"/> (set only for jobs with one).</summary>
    public const string KeyVariable = "GREYHUB_JOB_KEY";

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
        if (spec.Key is { } invalid && !JobSpec.IsValidKey(invalid))
        {
            throw new ArgumentException($"Invalid job key '{invalid}'.", nameof(spec));
        }
        Directory.CreateDirectory(_options.JobsDirectory);
        var log = LogPath(spec, spec.Key ?? Guid.NewGuid().ToString("N"));
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
        if (spec.Key is { } jobKey)
        {
            // The process carries its key where FindAsync reads it back: its environment, set at exec, so no window.
            psi.Environment[KeyVariable] = jobKey;
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

    /// <inheritdoc />
    /// <remarks>
    /// The job is the session leader (<c>setsid</c>) whose environment holds the key; its children share the key but
    /// not the session id. Only processes this user may read are seen, which are the only ones the engine starts.
    /// </remarks>
    public Task<JobHandle?> FindAsync(JobSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Key is not { } key || !JobSpec.IsValidKey(key))
        {
            return Task.FromResult<JobHandle?>(null);
        }
        var wanted = $"{KeyVariable}={key}";
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }
            try
            {
                var env = File.ReadAllText(Path.Combine(dir, "environ")).Split('\0');
                if (!env.Contains(wanted, StringComparer.Ordinal) || !IsSessionLeader(dir, pid) || LinuxProcess.Stat(pid) is not { State: not 'Z' } stat)
                {
                    continue;
                }
                int? port = spec.PortVariable is { Length: > 0 } variable
                    && env.FirstOrDefault(e => e.StartsWith(variable + "=", StringComparison.Ordinal)) is { } setting
                    && int.TryParse(setting.AsSpan(variable.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : null;
                var state = new LocalJobState(pid, stat.StartTicks, port, LogPath(spec, key));
                return Task.FromResult<JobHandle?>(new JobHandle(Name, pid.ToString(CultureInfo.InvariantCulture), JsonSerializer.Serialize(state, LocalJson.Default.LocalJobState)));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Ended while we looked, or not ours to read.
            }
        }
        return Task.FromResult<JobHandle?>(null);
    }

    private static bool IsSessionLeader(string dir, int pid)
    {
        var stat = File.ReadAllText(Path.Combine(dir, "stat"));
        // Fields after the command's closing parenthesis: state, ppid, pgrp, session.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return fields.Length > 3 && fields[3] == pid.ToString(CultureInfo.InvariantCulture);
    }

    private string LogPath(JobSpec spec, string unique) => Path.Combine(_options.JobsDirectory, $"{Safe(spec.Name)}-{unique}.log");

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
