using System.Diagnostics;
using Greyhub.Abstractions.Compute;
using Greyhub.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Greyhub.Plugins.Remote.Tests;

/// <summary>
/// The reference plug-in (python/greyhub_engine_example/engine.py) run by the test with Debian's Python, on a free
/// port with its own secret and jobs folder; ended (not its jobs) when disposed.
/// </summary>
public sealed class PythonEngine : IAsyncDisposable
{
    private readonly Process _process;

    private PythonEngine(Process process, Uri url, string secret, string jobs)
    {
        _process = process;
        Url = url;
        Secret = secret;
        Jobs = jobs;
    }

    /// <summary>The script, next to the tests.</summary>
    public static string Script => Path.Combine(AppContext.BaseDirectory, "plugins", "engine.py");

    /// <summary>Where it listens.</summary>
    public Uri Url { get; }

    /// <summary>Its secret.</summary>
    public string Secret { get; }

    /// <summary>Its jobs folder.</summary>
    public string Jobs { get; }

    /// <summary>Its process id.</summary>
    public int Pid => _process.Id;

    /// <summary>Starts the plug-in and waits until it listens.</summary>
    public static async Task<PythonEngine> StartAsync(string? jobs = null)
    {
        Requires.Program(DebianPython.Path, "apt-get install -y python3");
        jobs ??= Directory.CreateTempSubdirectory("greyhub-plugin-jobs-").FullName;
        var port = FreePort.Next();
        var secret = Guid.NewGuid().ToString("N");
        var psi = new ProcessStartInfo(DebianPython.Path) { UseShellExecute = false, RedirectStandardError = true };
        psi.ArgumentList.Add(Script);
        psi.Environment["GREYHUB_PLUGIN_HOST"] = "127.0.0.1";
        psi.Environment["GREYHUB_PLUGIN_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment["GREYHUB_PLUGIN_SECRET"] = secret;
        psi.Environment["GREYHUB_ENGINE_JOBS"] = jobs;
        var process = Process.Start(psi)!;
        // Its request log is drained so the pipe never fills.
        _ = process.StandardError.ReadToEndAsync();
        var engine = new PythonEngine(process, new Uri($"http://127.0.0.1:{port}/"), secret, jobs);
        var watch = Stopwatch.StartNew();
        using var client = new HttpClient();
        while (true)
        {
            Assert.False(process.HasExited, "the Python engine ended at start");
            try
            {
                using var response = await client.GetAsync(new Uri(engine.Url, "v1/handshake"), TestContext.Current.CancellationToken);
                return engine;
            }
            catch (HttpRequestException) when (watch.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }
        }
    }

    /// <summary>A new engine (a new service provider: a hub restart) reaching this plug-in with <paramref name="secret"/> (its own by default).</summary>
    public IComputeEngine Engine(string name = "py", string? secret = null, Action<RemoteEngineOptions>? configure = null) =>
        Build(name, o =>
        {
            o.Url = Url;
            o.Secret = secret ?? Secret;
            configure?.Invoke(o);
        });

    /// <summary>The engine <paramref name="name"/> of a fresh service provider, configured by <paramref name="configure"/>.</summary>
    public static IComputeEngine Build(string name, Action<RemoteEngineOptions> configure)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddRemoteComputeEngine(name, configure);
        var provider = services.BuildServiceProvider();
        return provider.GetServices<IComputeEngine>().Single(e => e.Name == name);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        try
        {
            Directory.Delete(Jobs, recursive: true);
        }
        catch (IOException)
        {
            // A job still writing its log: a leftover temp folder is harmless.
        }
    }
}
