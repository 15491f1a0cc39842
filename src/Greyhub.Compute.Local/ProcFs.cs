using System.Globalization;
using System.Runtime.InteropServices;

namespace Greyhub.Compute.Local;

/// <summary>The little of Linux's /proc and signals that the engine needs.</summary>
internal static partial class ProcFs
{
    public const int SigTerm = 15;
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

    /// <summary>Whether the process is the one we started and has not ended.</summary>
    public static bool IsAlive(LocalJobState job) =>
        Stat(job.Pid) is { } stat && stat.StartTicks == job.StartTicks && stat.State is not ('Z' or 'X');

    /// <summary>Sends a signal to the process group led by <paramref name="pid"/> (our jobs lead their own session).</summary>
    public static void SignalGroup(int pid, int signal) => _ = Kill(-pid, signal);

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
