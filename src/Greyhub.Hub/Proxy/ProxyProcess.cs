using System.Diagnostics;
using System.Globalization;
using Greyhub.Processes;

namespace Greyhub.Hub.Proxy;

/// <summary>
/// A proxy process the hub started, now or in an earlier life: known by its pid and its start time (so a reused pid is
/// never taken for it). Its output goes to a file, not a pipe to the hub, so that it outlives a hub killed hard (a
/// write to a dead pipe would end it) and the next hub can reuse it.
/// </summary>
internal sealed class ProxyProcess : IDisposable
{
    private readonly Process? _child;

    private ProxyProcess(int pid, long startTicks, Process? child)
    {
        Pid = pid;
        StartTicks = startTicks;
        _child = child;
    }

    public int Pid { get; }

    private long StartTicks { get; }

    /// <summary>Whether the process still runs (a zombie or another process with its pid does not count).</summary>
    public bool IsAlive => LinuxProcess.IsAlive(Pid, StartTicks);

    /// <summary>
    /// Starts <paramref name="command"/> + <paramref name="flags"/> with the token in its environment, in a session of its
    /// own (as JupyterHub does: a Ctrl-C meant for the hub does not reach it; the hub stops it), output appended to
    /// <paramref name="logFile"/>.
    /// </summary>
    public static ProxyProcess Start(IReadOnlyList<string> command, IReadOnlyList<string> flags, string token, string logFile)
    {
        // The shell only redirects and then becomes the proxy (exec; setsid execs too when not a group leader): the pid
        // we get is the proxy's.
        var setsid = File.Exists("/usr/bin/setsid") ? "setsid " : "";
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add($"exec {setsid}\"$@\" </dev/null >>\"$GREYHUB_PROXY_LOG\" 2>&1");
        psi.ArgumentList.Add("sh");
        foreach (var arg in command.Concat(flags))
        {
            psi.ArgumentList.Add(arg);
        }
        psi.Environment[ExternalProxyOptions.AuthTokenVariable] = token;
        psi.Environment["GREYHUB_PROXY_LOG"] = logFile;
        var child = Process.Start(psi) ?? throw new InvalidOperationException("The proxy's command did not start.");
        return new ProxyProcess(child.Id, LinuxProcess.Stat(child.Id)?.StartTicks ?? 0, child);
    }

    /// <summary>The process a pid file names, if it still runs.</summary>
    public static ProxyProcess? FromPidFile(string pidFile)
    {
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadAllText(pidFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            return null;
        }
        return LinuxProcess.Stat(pid) is { State: not ('Z' or 'X') } stat ? new ProxyProcess(pid, stat.StartTicks, null) : null;
    }

    /// <summary>The command line the process runs (empty when gone).</summary>
    public string CommandLine => LinuxProcess.CommandLine(Pid);

    /// <summary>
    /// How the process ended, when this hub started it; null otherwise. Waits (briefly) for the runtime to reap it: a
    /// process that just ended may still be a zombie, gone from <see cref="IsAlive"/> but without its exit code yet.
    /// </summary>
    public async Task<int?> ExitCodeAsync()
    {
        if (_child is null)
        {
            return null;
        }
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _child.WaitForExitAsync(patience.Token);
            return _child.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>JupyterHub's pid file: the pid alone.</summary>
    public void WritePidFile(string pidFile) => File.WriteAllText(pidFile, Pid.ToString(CultureInfo.InvariantCulture));

    /// <summary>Sends <paramref name="signal"/> to the process, if it is still the one we know.</summary>
    public void Signal(int signal)
    {
        if (IsAlive)
        {
            LinuxProcess.Signal(Pid, signal);
        }
    }

    public void Dispose() => _child?.Dispose();
}
