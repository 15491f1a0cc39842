using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Greyhub.Abstractions.Hosting;

/// <summary>
/// Where a start's time and CPU go, for finding what delays the first answer: each <see cref="Mark"/> records the wall
/// time since the process started and the CPU the process has used. Off unless the environment sets
/// <c>GREYHUB_STARTUP_TIMINGS=1</c>; then the marks are logged (category <c>Greyhub.Startup</c>) once the first request
/// has been answered. Off, a mark costs one static field read.
/// </summary>
public static partial class StartupTimeline
{
    /// <summary>The environment variable that turns the timeline on.</summary>
    public const string Variable = "GREYHUB_STARTUP_TIMINGS";

    private static readonly ConcurrentQueue<Entry> Marks = new();
    private static int _written;

    /// <summary>Whether marks are recorded (read once, at the first use).</summary>
    public static bool Enabled { get; } = Environment.GetEnvironmentVariable(Variable) is "1" or "true";

    /// <summary>Records that <paramref name="phase"/> is reached, now.</summary>
    public static void Mark(string phase)
    {
        if (!Enabled)
        {
            return;
        }
        using var process = Process.GetCurrentProcess();
        Marks.Enqueue(new Entry(phase, TimeProvider.System.GetUtcNow().UtcDateTime - process.StartTime.ToUniversalTime(), process.TotalProcessorTime, Environment.CurrentManagedThreadId));
    }

    /// <summary>Records <paramref name="phase"/> the first time it is reached (a request path every request takes).</summary>
    public static void MarkOnce(string phase, ref int once)
    {
        if (Enabled && Interlocked.Exchange(ref once, 1) == 0)
        {
            Mark(phase);
        }
    }

    /// <summary>Logs the marks so far, once per process (later calls do nothing).</summary>
    public static void Write(ILogger logger)
    {
        if (!Enabled || Interlocked.Exchange(ref _written, 1) == 1)
        {
            return;
        }
        var previous = TimeSpan.Zero;
        foreach (var mark in Marks)
        {
            LogMark(logger, mark.Wall.TotalMilliseconds, mark.Cpu.TotalMilliseconds, (mark.Cpu - previous).TotalMilliseconds, mark.Thread, mark.Phase);
            previous = mark.Cpu;
        }
    }

    private sealed record Entry(string Phase, TimeSpan Wall, TimeSpan Cpu, int Thread);

    [LoggerMessage(EventId = 95, Level = LogLevel.Information, Message = "start-up: {WallMs,7:F0} ms wall, {CpuMs,7:F0} ms CPU (+{DeltaMs:F0}), thread {Thread}: {Phase}")]
    private static partial void LogMark(ILogger logger, double wallMs, double cpuMs, double deltaMs, int thread, string phase);
}
