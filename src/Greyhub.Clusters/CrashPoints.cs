using System.Diagnostics;

namespace Greyhub.Clusters;

/// <summary>
/// A test seam for crash windows microseconds wide: with <c>GREYHUB_CRASH_AT=NAME</c> in its environment, the hub kills
/// itself (SIGKILL, as a crash does) when it reaches the point <c>NAME</c>. Unset, each point is one string comparison.
/// </summary>
internal static class CrashPoints
{
    /// <summary>The scheduler's job is launched; its handle is not stored yet.</summary>
    public const string SchedulerLaunched = "cluster-scheduler-launched";

    /// <summary>A worker's job is launched; its handle is not stored yet.</summary>
    public const string WorkerLaunched = "cluster-worker-launched";

    private static readonly string? At = Environment.GetEnvironmentVariable("GREYHUB_CRASH_AT");

    public static void Reach(string point)
    {
        if (At == point)
        {
            using var self = Process.GetCurrentProcess();
            self.Kill();
        }
    }
}
