using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Greyhub.Processes;
using Microsoft.Extensions.Logging;

namespace Greyhub.Hub.Services;

/// <summary>How to start one service: the program and arguments (after <c>setsid</c>), its environment and folder.</summary>
internal sealed record ServiceLaunch(string Name, IReadOnlyList<string> Arguments, IReadOnlyDictionary<string, string> Environment, string WorkingDirectory);

/// <summary>
/// One service the hub runs (JupyterHub's managed service): started in a session of its own (a Ctrl-C meant for the hub
/// does not reach it), its output in the hub's log, restarted when it dies after a wait that doubles with each quick
/// death, stopped (SIGTERM to its process group, SIGKILL after a grace) with the hub. A pid file with the process's
/// start time lets the next hub end it if this hub dies without stopping it.
/// </summary>
internal sealed class ManagedService(ServiceLaunch launch, string pidFile, ServiceRestartOptions restart, TimeProvider time, ILogger logger)
{
    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(5);
    private volatile Process? _process;

    /// <summary>The running process's id, or null while it is down.</summary>
    public int? Pid => _process is { HasExited: false } process ? process.Id : null;

    /// <summary>Runs the service until <paramref name="stopping"/> is cancelled, restarting it whenever it ends.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        var delay = restart.Delay;
        while (!stopping.IsCancellationRequested)
        {
            Process process;
            try
            {
                process = Start();
            }
            catch (Exception e) when (e is Win32Exception or InvalidOperationException or IOException or UnauthorizedAccessException)
            {
                ServicesLog.StartFailed(logger, launch.Name, e.Message);
                if (!await WaitAsync(delay, stopping))
                {
                    return;
                }
                delay = Longer(delay);
                continue;
            }
            var started = time.GetTimestamp();
            if (!await ExitedAsync(process, Timeout.InfiniteTimeSpan, stopping))
            {
                return;
            }
            // Whatever the service left in its process group (children holding its port or its output) goes with it.
            LinuxProcess.SignalGroup(process.Id, LinuxProcess.SigKill);
            if (time.GetElapsedTime(started) >= restart.MaxDelay)
            {
                delay = restart.Delay;
            }
            ServicesLog.Died(logger, launch.Name, process.Id, process.ExitCode, delay);
            _process = null;
            process.Dispose();
            if (!await WaitAsync(delay, stopping))
            {
                return;
            }
            delay = Longer(delay);
        }
    }

    /// <summary>Stops the running process (after <see cref="RunAsync"/> was cancelled, so that nothing restarts it).</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            ServicesLog.Stopping(logger, launch.Name, process.Id);
            LinuxProcess.SignalGroup(process.Id, LinuxProcess.SigTerm);
            if (!await ExitedAsync(process, restart.StopGrace, CancellationToken.None))
            {
                LinuxProcess.SignalGroup(process.Id, LinuxProcess.SigKill);
                await ExitedAsync(process, KillWait, CancellationToken.None);
            }
        }
        File.Delete(pidFile);
    }

    /// <summary>
    /// Ends the process a pid file names if it is still the one written there (pid and start time): a service an earlier
    /// hub started and could not stop. Returns its pid, or null when there was none.
    /// </summary>
    public static async Task<int?> EndLeftoverAsync(string pidFile, TimeSpan grace, TimeProvider time)
    {
        if (!File.Exists(pidFile))
        {
            return null;
        }
        var parts = (await File.ReadAllTextAsync(pidFile)).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        File.Delete(pidFile);
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) || !LinuxProcess.IsAlive(pid, ticks))
        {
            return null;
        }
        LinuxProcess.SignalGroup(pid, LinuxProcess.SigTerm);
        var waited = time.GetTimestamp();
        while (LinuxProcess.IsAlive(pid, ticks) && time.GetElapsedTime(waited) < grace)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), time);
        }
        LinuxProcess.SignalGroup(pid, LinuxProcess.SigKill);
        return pid;
    }

    private Process Start()
    {
        var psi = new ProcessStartInfo("setsid")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = launch.WorkingDirectory,
        };
        foreach (var argument in launch.Arguments)
        {
            psi.ArgumentList.Add(argument);
        }
        psi.Environment.Clear();
        foreach (var (key, value) in launch.Environment)
        {
            psi.Environment[key] = value;
        }
        var commandLine = string.Join(' ', launch.Arguments);
        ServicesLog.Starting(logger, launch.Name, commandLine);
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => Output(e.Data);
        process.ErrorDataReceived += (_, e) => Output(e.Data);
        process.Start();
        // setsid execs the command in the same process (the child is no group leader), so this pid is the service's.
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        var ticks = LinuxProcess.Stat(process.Id)?.StartTicks ?? 0;
        try
        {
            File.WriteAllText(pidFile, string.Create(CultureInfo.InvariantCulture, $"{process.Id} {ticks}"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The service runs all the same; only a hub killed hard would leave it behind.
            ServicesLog.StartFailed(logger, launch.Name, $"its pid file {pidFile} could not be written: {e.Message}");
        }
        ServicesLog.Started(logger, launch.Name, process.Id);
        return process;
    }

    private void Output(string? line)
    {
        if (line is { Length: > 0 })
        {
            ServicesLog.Output(logger, launch.Name, line);
        }
    }

    /// <summary>
    /// Whether the process ended within <paramref name="limit"/>. Its exit is watched, not its output: children of the
    /// service may hold the output open after it ended.
    /// </summary>
    private async Task<bool> ExitedAsync(Process process, TimeSpan limit, CancellationToken cancellationToken)
    {
        var exited = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.Exited += (_, _) => exited.TrySetResult();
        if (process.HasExited)
        {
            return true;
        }
        try
        {
            await exited.Task.WaitAsync(limit, time, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private async Task<bool> WaitAsync(TimeSpan delay, CancellationToken stopping)
    {
        try
        {
            await Task.Delay(delay, time, stopping);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private TimeSpan Longer(TimeSpan delay) => delay * 2 < restart.MaxDelay ? delay * 2 : restart.MaxDelay;
}
