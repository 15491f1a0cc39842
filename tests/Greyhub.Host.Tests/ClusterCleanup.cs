using System.Globalization;

namespace Greyhub.Host.Tests;

/// <summary>Last-resort cleanup for a cluster test that failed midway: no dask process may outlive a test.</summary>
internal static class ClusterCleanup
{
    /// <summary>Kills (SIGKILL) every process of the cluster still running, then checks none is left.</summary>
    public static async Task KillAllAsync(string name)
    {
        foreach (var pid in ClusterTestKit.Pids(name))
        {
            using var kill = System.Diagnostics.Process.Start("kill", ["-9", pid.ToString(CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync(CancellationToken.None);
        }
        await ClusterTestKit.AssertGoneAsync(name);
    }
}
