using System.Globalization;
using System.Runtime.InteropServices;

namespace Greyhub.Processes;

/// <summary>
/// The little of Linux's /proc and signals that the local engine (its jobs) and the hub (a proxy it started) need to
/// find a process again after a restart: a pid alone may have been reused, so a process is its pid plus its start time.
/// </summary>
public static class LinuxProcess
{
    /// <summary>SIGTERM.</summary>
    public const int SigTerm = 15;

    /// <summary>SIGKILL.</summary>
    public const int SigKill = 9;

    /// <summary>State letter and start time (clock ticks since boot) of a process, or null when there is none.</summary>
    public static (char State, long StartTicks)? Stat(int pid)
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
        var close = text.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }
        var fields = text[(close + 2)..].Split(' ');
        // fields[0] is field 3 (state); field 22 (starttime) is fields[19].
        return fields.Length > 19 && long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
            ? (fields[0][0], start)
            : null;
    }

    /// <summary>Whether the process with this pid and start time still runs (a zombie or a reused pid does not count).</summary>
    public static bool IsAlive(int pid, long startTicks) =>
        Stat(pid) is { } stat && stat.StartTicks == startTicks && stat.State is not ('Z' or 'X');

    /// <summary>The command line a process runs, arguments separated by spaces (empty when it is gone).</summary>
    public static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    /// <summary>Sends a signal to one process.</summary>
    public static void Signal(int pid, int signal) => _ = Kill(pid, signal);

    /// <summary>Sends a signal to the process group led by <paramref name="pid"/> (a process that leads its own session).</summary>
    public static void SignalGroup(int pid, int signal) => _ = Kill(-pid, signal);

    /// <summary>Whether this process runs with root's effective user id (and so may start processes as other users).</summary>
    public static bool IsRoot => GetEffectiveUserId() == 0;

    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEffectiveUserId();

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
