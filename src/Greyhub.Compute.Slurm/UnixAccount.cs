using System.Diagnostics;

namespace Greyhub.Compute.Slurm;

/// <summary>Hands a job's folder to the Unix account it runs as (the hub must be root for that).</summary>
internal static class UnixAccount
{
    public static async Task GiveFolderAsync(string folder, string user, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo("chown") { RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(user + ":");
        psi.ArgumentList.Add(folder);
        using var process = Process.Start(psi) ?? throw new SlurmException("cannot run chown");
        var error = await process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new SlurmException($"cannot give the job folder to {user}: {error.Trim()}");
        }
    }
}
