namespace Greyhub.Spawners.Engine;

/// <summary>Finds a command's program as the server's shell will: a name with a slash as it is, else along its <c>PATH</c>.</summary>
internal static class ProgramLookup
{
    /// <summary>The <c>PATH</c> the local engine gives a job whose environment has none.</summary>
    public const string DefaultPath = "/usr/local/bin:/usr/bin:/bin";

    private const UnixFileMode AnyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    /// <summary>The executable file <paramref name="program"/> names, or null when there is none.</summary>
    public static string? Find(string program, string? path, string? workingDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(program);
        var folder = workingDirectory ?? Directory.GetCurrentDirectory();
        if (program.Contains('/', StringComparison.Ordinal))
        {
            var file = Path.IsPathRooted(program) ? program : Path.Combine(folder, program);
            return IsExecutable(file) ? file : null;
        }
        foreach (var entry in (path ?? DefaultPath).Split(':'))
        {
            // An empty PATH entry means the working folder, as in every POSIX shell.
            var candidate = Path.Combine(entry.Length == 0 ? folder : entry, program);
            if (IsExecutable(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    private static bool IsExecutable(string file)
    {
        try
        {
            return File.Exists(file) && (File.GetUnixFileMode(file) & AnyExecute) != 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
