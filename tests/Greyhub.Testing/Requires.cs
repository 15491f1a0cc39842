using System.Diagnostics;

namespace Greyhub.Testing;

/// <summary>
/// Guards for tests that drive real programs. A missing program fails the test with the command that installs it:
/// no test ever skips, under CI or on a developer's machine, so a green run always means every test ran.
/// </summary>
public static class Requires
{
    /// <summary>Returns the full path of <paramref name="program"/> or fails saying how to install it (<paramref name="install"/>).</summary>
    public static string Program(string program, string install)
    {
        var path = Find(program);
        if (path is null)
        {
            Missing($"'{program}' is not installed; install it with: {install}");
        }
        return path!;
    }

    /// <summary>Checks that Debian's Python can import every module, or fails saying how to install them (<paramref name="install"/>).</summary>
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

    /// <summary>Fails the test: something it drives is missing, and <paramref name="reason"/> says how to install it.</summary>
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public static void Missing(string reason) => Assert.Fail(reason);

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
