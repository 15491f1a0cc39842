using System.Diagnostics;
using System.Globalization;

namespace Greyhub.Hub.Services;

/// <summary>A system account a service runs as, from the system's user database (<c>getent passwd</c>, so NSS sources count).</summary>
internal sealed record SystemUser(string Name, int Uid, int Gid, string Home, string Shell)
{
    /// <summary>The account called <paramref name="name"/>, or null when the system has none.</summary>
    public static async Task<SystemUser?> FindAsync(string name, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo("getent") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("passwd");
        psi.ArgumentList.Add(name);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("getent did not start");
        var output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        // name:password:uid:gid:gecos:home:shell
        var fields = output.Trim().Split(':');
        return process.ExitCode == 0 && fields.Length >= 7
            && int.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var uid)
            && int.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out var gid)
            ? new SystemUser(fields[0], uid, gid, fields[5], fields[6])
            : null;
    }
}
