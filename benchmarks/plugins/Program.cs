using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Greyhub.Abstractions.Compute;
using Greyhub.Plugins.Remote;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

// Usage: dotnet run --project benchmarks/plugins -c Release [-- path/to/engine.py]
// Times the hub's side of each call against the reference plug-in on loopback: the protocol's overhead (HTTP, JSON,
// the Python server) plus what the plug-in does for the call.
var script = args.Length > 0 ? args[0] : Path.Combine(FindRepository(), "python", "greyhub_engine_example", "engine.py");
var jobs = Directory.CreateTempSubdirectory("greyhub-plugin-bench-").FullName;
var port = FreePort();
var secret = Guid.NewGuid().ToString("N");
var psi = new ProcessStartInfo("/usr/bin/python3") { UseShellExecute = false, RedirectStandardError = true };
psi.ArgumentList.Add(script);
psi.Environment["GREYHUB_PLUGIN_PORT"] = port.ToString(CultureInfo.InvariantCulture);
psi.Environment["GREYHUB_PLUGIN_SECRET"] = secret;
psi.Environment["GREYHUB_ENGINE_JOBS"] = jobs;
using var plugin = Process.Start(psi)!;
_ = plugin.StandardError.ReadToEndAsync();
try
{
    var services = new ServiceCollection();
    services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
    services.AddLogging();
    services.AddRemoteComputeEngine("py", o =>
    {
        o.Url = new Uri($"http://127.0.0.1:{port}/");
        o.Secret = secret;
    });
    await using var provider = services.BuildServiceProvider();
    var engine = (RemoteComputeEngine)provider.GetServices<IComputeEngine>().Single();
    for (var i = 0; ; i++)
    {
        try
        {
            await engine.HandshakeAsync(CancellationToken.None);
            break;
        }
        catch (PluginException) when (i < 100)
        {
            await Task.Delay(100);
        }
    }

    var rows = new List<(string Call, int N, double Median, double P95)>();
    rows.Add(await MeasureAsync("handshake (round trip, no work)", 300, () => engine.HandshakeAsync(CancellationToken.None)));
    // 1,000 handles of ended jobs: the plug-in reads /proc once per job, as for live ones.
    var ended = Enumerable.Range(0, 1000).Select(i => new JobHandle("py", i.ToString(CultureInfo.InvariantCulture),
        $"{{\"pid\": {4_000_000 + i}, \"start_ticks\": 1, \"port\": null, \"log\": \"/nonexistent\", \"exit\": \"/nonexistent\"}}")).ToList();
    rows.Add(await MeasureAsync("status, 1 job", 200, () => engine.GetStatusAsync([ended[0]], CancellationToken.None)));
    rows.Add(await MeasureAsync("status, 1,000 jobs in one call", 30, () => engine.GetStatusAsync(ended, CancellationToken.None)));
    var launched = new List<JobHandle>();
    rows.Add(await MeasureAsync("launch (`sleep 60`, fork included)", 30, async () =>
        launched.Add(await engine.LaunchAsync(new JobSpec { Name = "bench", Command = ["sleep", "60"] }, CancellationToken.None))));
    rows.Add(await MeasureAsync("stop of a running job (grace 5 s)", 30, async () =>
    {
        var job = launched[^1];
        launched.RemoveAt(launched.Count - 1);
        await engine.StopAsync(job, TimeSpan.FromSeconds(5), CancellationToken.None);
    }));
    Console.WriteLine($"| call | n | median ms | p95 ms |");
    Console.WriteLine("| --- | ---: | ---: | ---: |");
    foreach (var (call, n, median, p95) in rows)
    {
        Console.WriteLine(FormattableString.Invariant($"| {call} | {n} | {median:0.00} | {p95:0.00} |"));
    }
    foreach (var job in launched)
    {
        await engine.StopAsync(job, TimeSpan.FromSeconds(1), CancellationToken.None);
    }
}
finally
{
    plugin.Kill();
    Directory.Delete(jobs, recursive: true);
}

static async Task<(string, int, double, double)> MeasureAsync(string call, int n, Func<Task> action)
{
    await action();
    var times = new double[n];
    for (var i = 0; i < n; i++)
    {
        var watch = Stopwatch.StartNew();
        await action();
        times[i] = watch.Elapsed.TotalMilliseconds;
    }
    Array.Sort(times);
    return (call, n, times[n / 2], times[(int)Math.Min(n - 1, Math.Ceiling(n * 0.95) - 1)]);
}

static int FreePort()
{
    using var socket = new TcpListener(IPAddress.Loopback, 0);
    socket.Start();
    return ((IPEndPoint)socket.LocalEndpoint).Port;
}

static string FindRepository()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "Greyhub.slnx")))
        {
            return dir.FullName;
        }
    }
    throw new InvalidOperationException("run inside the repository, or pass the path of engine.py");
}
