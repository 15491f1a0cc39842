using System.Diagnostics;
using System.Text;

namespace Greyhub.Testing;

/// <summary>Runs scripts with Debian's Python (where Debian's python3-* packages land), never the one first on PATH.</summary>
public static class DebianPython
{
    /// <summary>Debian's interpreter.</summary>
    public const string Path = "/usr/bin/python3";

    /// <summary>The result of one run.</summary>
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    /// <summary>Runs <paramref name="script"/> with <paramref name="args"/>; throws with stderr when it fails.</summary>
    public static async Task<string> RunAsync(string script, IEnumerable<string> args, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        var result = await TryRunAsync(script, args, cancellationToken, timeout);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"python exited with {result.ExitCode}:\n{result.StdErr}\n{result.StdOut}");
        }
        return result.StdOut;
    }

    /// <summary>Runs <paramref name="script"/> and returns its exit code and output, whatever they are.</summary>
    public static async Task<Result> TryRunAsync(string script, IEnumerable<string> args, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(script);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        // Debian's numpy: keep threads to one per process on a 2-core machine.
        psi.Environment["OMP_NUM_THREADS"] = "1";
        using var process = Process.Start(psi)!;
        process.StandardInput.Close();
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var outTask = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errTask = process.StandardError.ReadToEndAsync(cancellationToken);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("python did not finish in time");
        }
        return new Result(process.ExitCode, await outTask, await errTask);
    }
}
