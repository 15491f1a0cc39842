using System.Diagnostics;
using System.Text;

namespace Greyhub.Compute.Slurm;

/// <summary>The result of one command.</summary>
internal sealed record CommandResult(int ExitCode, string StdOut, string StdErr);

/// <summary>Runs Slurm's client commands (a seam: tests count and inspect the calls).</summary>
internal interface ICommandRunner
{
    Task<CommandResult> RunAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken);
}

/// <summary>
/// Runs a command with a scrubbed environment (PATH and SLURM_CONF only), so <c>sbatch --export=ALL</c> hands the job
/// nothing of the hub's own environment, and site-wide <c>SBATCH_*</c>/<c>SQUEUE_*</c> variables cannot change the output format.
/// </summary>
internal sealed class ProcessCommandRunner(SlurmEngineOptions options) : ICommandRunner
{
    public async Task<CommandResult> RunAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var bin = options.Cli.BinDirectory;
        var psi = new ProcessStartInfo(bin.Length > 0 ? Path.Combine(bin, program) : program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments)
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment.Clear();
        psi.Environment["PATH"] = (bin.Length > 0 ? bin + ":" : "") + "/usr/local/bin:/usr/bin:/bin";
        var conf = options.Cli.SlurmConf.Length > 0 ? options.Cli.SlurmConf : Environment.GetEnvironmentVariable("SLURM_CONF");
        if (!string.IsNullOrEmpty(conf))
        {
            psi.Environment["SLURM_CONF"] = conf;
        }
        psi.Environment["LC_ALL"] = "C";
        using var process = new Process { StartInfo = psi };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new SlurmException($"cannot run {program}: {e.Message} (are Slurm's client commands installed?)", e);
        }
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.CommandTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            cancellationToken.ThrowIfCancellationRequested();
            throw new SlurmException($"{program} did not answer within {options.CommandTimeout}");
        }
        return new CommandResult(process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>Renders a command line for logs and errors.</summary>
internal static class CommandText
{
    public static string Of(string program, IReadOnlyList<string> arguments)
    {
        var s = new StringBuilder(program);
        foreach (var a in arguments)
        {
            s.Append(' ').Append(a);
        }
        return s.ToString();
    }
}
