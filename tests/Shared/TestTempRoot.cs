using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Greyhub.Tests.Shared;

/// <summary>
/// Gives each test process a temp folder of its own (<c>greyhub-tests-PID</c> under the machine's), made the process's
/// <c>TMPDIR</c> before any test runs, and removes it when the process ends. Everything a test puts in "temp" — its own
/// folders, and those of the programs it starts (Python, Chromium, jupyterhub-singleuser) — goes with it, even when a
/// test fails before its own clean-up. A run that was killed leaves its folder behind; the next run removes the
/// folders of test processes that no longer exist.
/// </summary>
/// <remarks>Compiled into every test project by tests/Directory.Build.props.</remarks>
internal static class TestTempRoot
{
    private const string Prefix = "greyhub-tests-";
    private const string Marker = "GREYHUB_TEST_TEMP_ROOT";

    [ModuleInitializer]
    internal static void Install()
    {
        var pid = Environment.ProcessId;
        var current = Environment.GetEnvironmentVariable(Marker);
        if (current is not null && current.EndsWith($"{Prefix}{pid}", StringComparison.Ordinal))
        {
            return; // another assembly of this process already did it
        }

        var machineTemp = Path.GetTempPath();
        RemoveAbandoned(machineTemp);
        var root = Path.Combine(machineTemp, $"{Prefix}{pid}");
        Directory.CreateDirectory(root);
        // Like /tmp itself: jobs that run as other users (Slurm's test users, containers) make their folders here too.
        File.SetUnixFileMode(root, UnixFileMode.StickyBit | UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);
        Environment.SetEnvironmentVariable("TMPDIR", root);
        Environment.SetEnvironmentVariable(Marker, root);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => TryDelete(root);
    }

    private static void RemoveAbandoned(string machineTemp)
    {
        foreach (var folder in Directory.EnumerateDirectories(machineTemp, $"{Prefix}*"))
        {
            if (int.TryParse(Path.GetFileName(folder).AsSpan(Prefix.Length), out var owner) && !IsRunning(owner))
            {
                TryDelete(folder);
            }
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still held or a folder refilled while deleting: the next run removes what is left.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
