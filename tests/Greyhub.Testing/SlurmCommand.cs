using System.Diagnostics;

namespace Greyhub.Testing;

/// <summary>Runs a Slurm command for a test, outside the engine, waiting out a slurmctld restart as the engine does.</summary>
public static class SlurmCommand
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Runs <paramref name="program"/>; while Slurm says the controller is unreachable (another test restarting
    /// slurmctld), runs it again for up to a minute. Returns its exit code and output.
    /// </summary>
    public static async Task<(int ExitCode, string StdOut, string StdErr)> RunAsync(string program, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            using var process = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = await process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode != 0 && error.Contains("Unable to contact slurm controller", StringComparison.Ordinal) && watch.Elapsed < Patience)
            {
                await Task.Delay(500, cancellationToken);
                continue;
            }
            return (process.ExitCode, await output, error);
        }
    }
}
