using System.Diagnostics;
using System.Globalization;
using Greyhub.Processes;
using Greyhub.Testing;

namespace Greyhub.Plugins.Remote.Tests;

/// <summary>
/// A managed bridge ends with the hub that started it even when the hub dies while the bridge is still starting (its
/// config still loading): the watch runs from the bridge's first moment, not from when it serves. A shell stands in for
/// the hub (its pid in <c>GREYHUB_PLUGIN_HUB_PID</c>, the bridge its child), and is killed with SIGKILL while the
/// bridge's config sleeps for two minutes.
/// </summary>
public sealed class BridgeHubWatchTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_bridge_still_starting_ends_when_its_hub_is_killed()
    {
        Requires.PythonModules("apt-get install -y jupyterhub python3-tornado python3-traitlets", "tornado", "traitlets");
        var data = Directory.CreateTempSubdirectory("greyhub-bridge-watch-").FullName;
        var config = Path.Combine(data, "slow_config.py");
        // Far longer than the test waits: a bridge that ends at all ended because its hub was gone.
        await File.WriteAllTextAsync(config, "import time\ntime.sleep(120)\nc = get_config()\n", Ct);
        var mark = Guid.NewGuid().ToString("N");
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardOutput = false };
        foreach (var arg in (string[])["-c", "export GREYHUB_PLUGIN_HUB_PID=$$; \"$@\" >\"$BRIDGE_LOG\" 2>&1 & wait", "fake-hub",
            DebianPython.Path, "-m", "greyhub_bridge", "-f", config])
        {
            psi.ArgumentList.Add(arg);
        }
        psi.Environment["PYTHONPATH"] = JupyterHubBridge.PackageRoot;
        psi.Environment["GREYHUB_PLUGIN_NAME"] = "watch";
        psi.Environment["GREYHUB_PLUGIN_SECRET"] = "watch-secret";
        psi.Environment["GREYHUB_PLUGIN_PORT"] = "1";
        psi.Environment["BRIDGE_WATCH_MARK"] = mark;
        psi.Environment["BRIDGE_LOG"] = Path.Combine(data, "bridge.log");
        using var hub = Process.Start(psi)!;
        int? bridge = null;
        try
        {
            await UntilAsync(() => (bridge = Bridge(mark, hub.Id)) is not null, TimeSpan.FromSeconds(30), "the bridge did not start");
            // It is loading its config (the two-minute sleep) when the hub dies.
            LinuxProcess.Signal(hub.Id, 9);
            await hub.WaitForExitAsync(Ct);
            await UntilAsync(() => Bridge(mark, null) is null, TimeSpan.FromSeconds(60),
                "the bridge outlived the hub that started it while it was still starting; its log:\n" + Log(data));
        }
        finally
        {
            if (Bridge(mark, null) is { } left)
            {
                LinuxProcess.Signal(left, 9);
            }
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>The live bridge process carrying <paramref name="mark"/> (the child of <paramref name="parent"/>, when given).</summary>
    private static int? Bridge(string mark, int? parent)
    {
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }
            try
            {
                var environ = File.ReadAllText(Path.Combine(dir, "environ"));
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (environ.Contains("BRIDGE_WATCH_MARK=" + mark + "\0", StringComparison.Ordinal) && fields[0] != "Z"
                    && File.ReadAllText(Path.Combine(dir, "cmdline")).Contains("greyhub_bridge", StringComparison.Ordinal)
                    && (parent is null || fields[1] == parent.Value.ToString(CultureInfo.InvariantCulture)))
                {
                    return pid;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
        return null;
    }

    private static string Log(string data) => File.Exists(Path.Combine(data, "bridge.log")) ? File.ReadAllText(Path.Combine(data, "bridge.log")) : "(none)";

    private static async Task UntilAsync(Func<bool> condition, TimeSpan limit, string failure)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(watch.Elapsed < limit, failure);
            await Task.Delay(100, Ct);
        }
    }
}
