using System.Globalization;
using System.Runtime.InteropServices;

namespace Greyhub.Testing;

/// <summary>What JupyterHub started, found under /proc, so that disposing ends only that.</summary>
public sealed partial class JupyterHubProcess
{
    /// <summary>
    /// Notes what JupyterHub started (its proxy, its servers, their kernels) while it still runs: only these are ended
    /// if it leaves them behind.
    /// </summary>
    private void NoteStarted()
    {
        if (_process.HasExited)
        {
            return;
        }
        var found = Descendants(_process.Id);
        lock (_started)
        {
            foreach (var (pid, ticks) in found)
            {
                _started[pid] = ticks;
            }
        }
    }

    /// <summary>
    /// The proxy JupyterHub names in its pid file, should JupyterHub have died before it was noted: only if it started
    /// after JupyterHub and runs the proxy command (not whatever later took a stale pid).
    /// </summary>
    private void NoteProxyFromPidFile()
    {
        if (ProxyPid is not { } pid || StartTicks(pid) is not { } ticks || ticks < _startTicks)
        {
            return;
        }
        string cmdline;
        try
        {
            cmdline = File.ReadAllText($"/proc/{pid}/cmdline");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return;
        }
        if (cmdline.Contains(_proxyCommand[^1], StringComparison.Ordinal))
        {
            lock (_started)
            {
                _started.TryAdd(pid, ticks);
            }
        }
    }

    /// <summary>Notes what JupyterHub starts every second, so that what it leaves behind if it dies is known.</summary>
    private async Task WatchAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(_stopWatching.Token))
            {
                NoteStarted();
            }
        }
        catch (OperationCanceledException)
        {
            // Disposing.
        }
    }

    /// <summary>Every live descendant of <paramref name="root"/> (by PPID under /proc) with its start time.</summary>
    private static Dictionary<int, long> Descendants(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in System.IO.Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out var pid) && Stat(pid) is { } stat)
            {
                parents[pid] = stat.Parent;
            }
        }
        var found = new Dictionary<int, long>();
        var queue = new Queue<int>([root]);
        while (queue.TryDequeue(out var parent))
        {
            foreach (var (pid, ppid) in parents)
            {
                if (ppid == parent && StartTicks(pid) is { } ticks && found.TryAdd(pid, ticks))
                {
                    queue.Enqueue(pid);
                }
            }
        }
        return found;
    }

    private static long? StartTicks(int pid) => Stat(pid) is { State: not ('Z' or 'X') } stat ? stat.StartTicks : null;

    private static (char State, int Parent, long StartTicks)? Stat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        // The command name (field 2) may hold spaces and parentheses: parse from the last ')'.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        // fields[0] is field 3 (state), fields[1] field 4 (ppid), fields[19] field 22 (start time).
        return fields.Length > 19
            && int.TryParse(fields[1], CultureInfo.InvariantCulture, out var parent)
            && long.TryParse(fields[19], CultureInfo.InvariantCulture, out var start)
            ? (fields[0][0], parent, start)
            : null;
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
