using System.Diagnostics;

namespace Greyhub.Testing;

/// <summary>
/// Guards for tests that drive real programs. A missing program skips the test locally, with the
/// command that installs it as the reason; under CI (CI=true) it fails instead, so nothing skips there.
/// </summary>
public static class Requires
{
    /// <summary>
    /// True when running under CI, where nothing may skip: any value of <c>CI</c> but empty, <c>false</c> or <c>0</c>
    /// (CI systems set <c>true</c>, <c>1</c> or their own name).
    /// </summary>
    public static bool InCi => Environment.GetEnvironmentVariable("CI") is { Length: > 0 } ci
        && !ci.Equals("false", StringComparison.OrdinalIgnoreCase) && ci != "0";

    /// <summary>Returns the full path of <paramref name="program"/> or skips/fails with <paramref name="install"/>.</summary>
    public static string Program(string program, string install)
    {
        var path = Find(program);
        if (path is null)
        {
            Missing($"'{program}' is not installed; install it with: {install}");
        }
        return path!;
    }

    /// <summary>Checks that Debian's Python can import every module, or skips/fails with <paramref name="install"/>.</summary>
    public static void PythonModules(string install, params string[] modules)
    {
        if (!File.Exists(DebianPython.Path))
        {
            Missing($"{DebianPython.Path} is missing; install it with: {install}");
        }
        var psi = new ProcessStartInfo(DebianPython.Path) { RedirectStandardError = true, RedirectStandardOutput = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(string.Join(";", modules.Select(m => "import " + m)));
        using var process = System.Diagnostics.Process.Start(psi)!;
        process.WaitForExit(60_000);
        if (!process.HasExited || process.ExitCode != 0)
        {
            Missing($"Python modules {string.Join(", ", modules)} are missing for {DebianPython.Path}; install them with: {install}");
        }
    }

    /// <summary>Fails under CI (nothing may skip there); only a developer's run outside CI skips, saying how to install.</summary>
    public static void Missing(string reason)
    {
        // Under CI this throws, so the skip below is reachable only outside CI (and .ci/run fails on any skip count).
        if (InCi)
        {
            throw new InvalidOperationException(reason + " (CI is set: tests never skip under CI)");
        }
        Assert.Skip(reason);
    }

    private static string? Find(string program)
    {
        if (Path.IsPathRooted(program))
        {
            return File.Exists(program) ? program : null;
        }
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
                     .Concat(["/usr/bin", "/usr/sbin", "/bin", "/sbin"]))
        {
            var candidate = Path.Combine(dir, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}
