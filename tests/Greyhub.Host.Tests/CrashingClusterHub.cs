using System.Globalization;
using Greyhub.Testing;

namespace Greyhub.Host.Tests;

/// <summary>
/// What the hub-crash cluster tests share: a real hub that kills itself (SIGKILL) at a <c>GREYHUB_CRASH_AT</c> point,
/// an admin and alice on it, and the next hub on the same data folder, port and arguments. Disposing stops alice's
/// clusters through the hub that runs, kills (SIGKILL) any of their processes still left, and stops the hub.
/// </summary>
internal sealed class CrashingClusterHub : IAsyncDisposable
{
    private readonly string _dataDir;
    private readonly int _port;
    private readonly string[] _hubArgs;

    private CrashingClusterHub(GreyhubProcess first, string dataDir, int port, string[] hubArgs, ClusterTestKit alice)
    {
        First = first;
        _dataDir = dataDir;
        _port = port;
        _hubArgs = hubArgs;
        Alice = alice;
    }

    /// <summary>The hub that will crash at the point it was started with.</summary>
    public GreyhubProcess First { get; }

    /// <summary>The hub started after the crash, on the same data folder and port.</summary>
    public GreyhubProcess? Second { get; private set; }

    /// <summary>Alice's view of the Gateway API (the same address before and after the crash).</summary>
    public ClusterTestKit Alice { get; }

    /// <summary>Names of clusters to clean up, as the test learns them.</summary>
    public List<string> Clusters { get; } = [];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Starts a hub with <c>GREYHUB_CRASH_AT=<paramref name="crashPoint"/></c> and <paramref name="hubArgs"/>; makes alice.</summary>
    public static async Task<CrashingClusterHub> StartAsync(string crashPoint, params string[] hubArgs)
    {
        ClusterEngineScenario.RequireDask();
        var dataDir = Directory.CreateTempSubdirectory("greyhub-clusters-crash-").FullName;
        var port = FreePort.Next();
        var first = await GreyhubProcess.StartAsync(new Dictionary<string, string> { ["GREYHUB_CRASH_AT"] = crashPoint }, dataDir, hubArgs, port, Ct);
        try
        {
            using var admin = await JupyterClient.AdminAsync(first);
            using var aliceHub = await admin.CreateUserAsync("alice");
            return new CrashingClusterHub(first, dataDir, port, hubArgs, new ClusterTestKit(first.Address, aliceHub.Token));
        }
        catch
        {
            await first.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits for the first hub's crash (it must happen within a minute).</summary>
    public Task WaitForCrashAsync() => First.WaitForExitAsync(TimeSpan.FromSeconds(60));

    /// <summary>Starts the next hub (no crash switch) on the crashed one's data folder, port and arguments.</summary>
    public async Task<GreyhubProcess> RestartAsync() =>
        Second = await GreyhubProcess.StartAsync(_dataDir, extraArgs: _hubArgs, port: _port, cancellationToken: Ct);

    public async ValueTask DisposeAsync()
    {
        foreach (var name in Clusters)
        {
            if (Second is not null)
            {
                await Alice.SendAsync(HttpMethod.Delete, "v1/clusters/" + name);
            }
            foreach (var pid in ClusterTestKit.Pids(name))
            {
                using var kill = System.Diagnostics.Process.Start("kill", ["-9", pid.ToString(CultureInfo.InvariantCulture)]);
                await kill.WaitForExitAsync(CancellationToken.None);
            }
        }
        Alice.Dispose();
        // The second hub owns the shared data folder once it runs; before, the first (alive or not) does.
        await (Second ?? First).DisposeAsync();
    }
}
