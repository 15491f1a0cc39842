using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Greyhub.Testing;

/// <summary>
/// Debian's JupyterHub 3.0 (<c>/usr/bin/jupyterhub</c>, unchanged) run as its own process in a temp folder, on free
/// loopback ports, with the proxy command the caller picks (Debian's <c>configurable-http-proxy</c> by default), as the
/// compatibility anchor runs it (benchmarks/compute/README.md, "The two hubs"): DummyAuthenticator,
/// SimpleLocalProcessSpawner running <c>jupyterhub-singleuser</c>, an admin service token. Disposing stops JupyterHub
/// with SIGTERM (it stops its proxy and its servers itself), then ends whatever it started that is still running.
/// </summary>
public sealed partial class JupyterHubProcess : IAsyncDisposable
{
    /// <summary>Debian's JupyterHub.</summary>
    public const string Program = "/usr/bin/jupyterhub";

    /// <summary>Debian's configurable-http-proxy, JupyterHub's default proxy.</summary>
    public const string ConfigurableHttpProxy = "/usr/bin/configurable-http-proxy";

    /// <summary>Debian's single-user server.</summary>
    public const string SingleUser = "/usr/bin/jupyterhub-singleuser";

    /// <summary>The command that installs all of it.</summary>
    public const string Install = "apt-get install -y jupyterhub python3-notebook python3-ipykernel";

    private const int SigTerm = 15;
    private const int SigKill = 9;

    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly Dictionary<int, long> _started = [];
    private readonly CancellationTokenSource _stopWatching = new();
    private Task _watching = Task.CompletedTask;
    private long _startTicks;
    private IReadOnlyList<string> _proxyCommand = [];
    private bool _disposed;

    private JupyterHubProcess(Process process, string directory, Uri address, Uri hubAddress, Uri proxyApi, string adminToken, string proxyToken)
    {
        _process = process;
        Directory = directory;
        Address = address;
        HubAddress = hubAddress;
        ProxyApi = proxyApi;
        AdminToken = adminToken;
        ProxyAuthToken = proxyToken;
    }

    /// <summary>The public URL: the proxy, which routes <c>/hub/</c> to the hub and <c>/user/NAME/</c> to servers.</summary>
    public Uri Address { get; }

    /// <summary>The hub itself, not through the proxy.</summary>
    public Uri HubAddress { get; }

    /// <summary>The proxy's REST API (<c>c.ConfigurableHTTPProxy.api_url</c>).</summary>
    public Uri ProxyApi { get; }

    /// <summary>A token of service <c>test-admin</c>, which has the admin role.</summary>
    public string AdminToken { get; }

    /// <summary>The token JupyterHub and its proxy share (<c>CONFIGPROXY_AUTH_TOKEN</c>).</summary>
    public string ProxyAuthToken { get; }

    /// <summary>The temp folder: config, database, pid files, users' homes under <c>home/</c>.</summary>
    public string Directory { get; }

    /// <summary>JupyterHub's process id.</summary>
    public int Pid => _process.Id;

    /// <summary>The pid of the proxy JupyterHub started, from the pid file it writes; null while there is none.</summary>
    public int? ProxyPid =>
        File.Exists(ProxyPidFile) && int.TryParse(File.ReadAllText(ProxyPidFile).Trim(), CultureInfo.InvariantCulture, out var pid) ? pid : null;

    /// <summary>What JupyterHub and its proxy (which logs to the same stream) wrote so far.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    private string ProxyPidFile => Path.Combine(Directory, "jupyterhub-proxy.pid");

    /// <summary>Starts JupyterHub and waits until <c>/hub/api/</c> answers through its proxy.</summary>
    /// <param name="proxyCommand"><c>c.ConfigurableHTTPProxy.command</c>; null = Debian's configurable-http-proxy.</param>
    /// <param name="lastActivityInterval"><c>c.JupyterHub.last_activity_interval</c>: how often the hub reads activity from the proxy's routes.</param>
    /// <param name="debug">DEBUG logging for JupyterHub and the proxy (<c>c.ConfigurableHTTPProxy.debug</c>).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public static async Task<JupyterHubProcess> StartAsync(IReadOnlyList<string>? proxyCommand = null, TimeSpan? lastActivityInterval = null,
        bool debug = false, CancellationToken cancellationToken = default)
    {
        Requires.Program(Program, Install);
        Requires.Program(SingleUser, Install);
        proxyCommand ??= [Requires.Program(ConfigurableHttpProxy, Install)];
        var directory = System.IO.Directory.CreateTempSubdirectory("greyhub-jupyterhub-").FullName;
        var (port, hubPort, apiPort) = (FreePort.Next(), FreePort.Next(), FreePort.Next());
        var adminToken = RandomNumberGenerator.GetHexString(48, lowercase: true);
        var proxyToken = RandomNumberGenerator.GetHexString(48, lowercase: true);
        // The folder is the caller's alone (0700), so the tokens may sit in the config file.
        var config = Path.Combine(directory, "jupyterhub_config.py");
        await File.WriteAllTextAsync(config, Config(directory, port, hubPort, apiPort, proxyCommand, lastActivityInterval ?? TimeSpan.FromSeconds(5), debug, adminToken, proxyToken), cancellationToken);

        var psi = new ProcessStartInfo(Program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = directory,
        };
        psi.ArgumentList.Add("-f");
        psi.ArgumentList.Add(config);
        // A clean environment, as the benchmark runs it: nothing of the test runner's (its Python, its proxies) leaks in,
        // and the proxy gets exactly this plus CONFIGPROXY_AUTH_TOKEN (JupyterHub hands it its own environment).
        psi.Environment.Clear();
        psi.Environment["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin";
        psi.Environment["LANG"] = "C.UTF-8";
        psi.Environment["HOME"] = directory;
        psi.Environment["NODE_PATH"] = "/usr/share/nodejs";
        var process = Process.Start(psi)!;
        var hub = new JupyterHubProcess(process, directory, new Uri($"http://127.0.0.1:{port}/"), new Uri($"http://127.0.0.1:{hubPort}/"),
            new Uri($"http://127.0.0.1:{apiPort}/"), adminToken, proxyToken);
        process.OutputDataReceived += (_, e) => hub.Append(e.Data);
        process.ErrorDataReceived += (_, e) => hub.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.StandardInput.Close();
        hub._startTicks = StartTicks(process.Id) ?? 0;
        hub._proxyCommand = proxyCommand;
        hub._watching = hub.WatchAsync();
        try
        {
            await hub.WaitUntilAnsweringAsync(cancellationToken);
            return hub;
        }
        catch
        {
            await hub.DisposeAsync();
            throw;
        }
    }

    /// <summary>The proxy's command line, as JupyterHub started it (from /proc).</summary>
    public IReadOnlyList<string> ProxyCommandLine() =>
        ProxyPid is { } pid ? File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries) : [];

    /// <summary>The proxy's environment, as JupyterHub gave it (from /proc).</summary>
    public IReadOnlyList<string> ProxyEnvironment() =>
        ProxyPid is { } pid ? File.ReadAllText($"/proc/{pid}/environ").Split('\0', StringSplitOptions.RemoveEmptyEntries) : [];

    private static string Config(string directory, int port, int hubPort, int apiPort, IReadOnlyList<string> proxyCommand, TimeSpan lastActivity, bool debug,
        string adminToken, string proxyToken)
    {
        var home = Path.Combine(directory, "home");
        System.IO.Directory.CreateDirectory(home);
        var root = Environment.UserName == "root";
        // JSON string and list literals are Python literals too.
        static string Py(object value) => JsonSerializer.Serialize(value);
        return $$"""
            c = get_config()  # noqa
            c.JupyterHub.ip = '127.0.0.1'
            c.JupyterHub.port = {{port}}
            c.JupyterHub.hub_ip = '127.0.0.1'
            c.JupyterHub.hub_port = {{hubPort}}
            c.JupyterHub.db_url = {{Py("sqlite:///" + Path.Combine(directory, "jupyterhub.sqlite"))}}
            c.JupyterHub.cookie_secret_file = {{Py(Path.Combine(directory, "jupyterhub_cookie_secret"))}}
            c.JupyterHub.pid_file = {{Py(Path.Combine(directory, "jupyterhub.pid"))}}
            c.JupyterHub.last_activity_interval = {{(int)Math.Ceiling(lastActivity.TotalSeconds)}}
            c.JupyterHub.log_level = {{Py(debug ? "DEBUG" : "INFO")}}
            c.JupyterHub.authenticator_class = 'jupyterhub.auth.DummyAuthenticator'
            c.JupyterHub.spawner_class = 'jupyterhub.spawner.SimpleLocalProcessSpawner'
            c.SimpleLocalProcessSpawner.home_dir_template = {{Py(Path.Combine(home, "{username}"))}}
            c.Spawner.cmd = [{{Py(SingleUser)}}]
            c.Spawner.args = {{(root ? "['--allow-root']" : "[]")}}
            # The server reports its own activity only every hour: what the hub reads back comes from the proxy.
            c.Spawner.environment = {'JUPYTERHUB_ACTIVITY_INTERVAL': '3600'}
            c.JupyterHub.services = [{'name': 'test-admin', 'api_token': {{Py(adminToken)}}}]
            c.JupyterHub.load_roles = [{'name': 'admin', 'services': ['test-admin']}]
            c.ConfigurableHTTPProxy.should_start = True
            c.ConfigurableHTTPProxy.command = {{Py(proxyCommand)}}
            c.ConfigurableHTTPProxy.auth_token = {{Py(proxyToken)}}
            c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:{{apiPort}}'
            c.ConfigurableHTTPProxy.pid_file = {{Py(Path.Combine(directory, "jupyterhub-proxy.pid"))}}
            c.ConfigurableHTTPProxy.debug = {{(debug ? "True" : "False")}}
            """;
    }

    private async Task WaitUntilAnsweringAsync(CancellationToken cancellationToken)
    {
        using var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(5) };
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(90))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"jupyterhub exited with {_process.ExitCode}:\n{Log}");
            }
            try
            {
                using var response = await client.GetAsync("hub/api/", cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // The proxy is not listening yet, or the hub behind it is not.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Busy starting on a loaded machine; ask again.
            }
            await Task.Delay(200, cancellationToken);
        }
        throw new TimeoutException($"jupyterhub did not answer at {Address}hub/api/ within 90 s:\n{Log}");
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        await _stopWatching.CancelAsync();
        await _watching;
        _stopWatching.Dispose();
        NoteStarted();
        NoteProxyFromPidFile();
        if (!_process.HasExited)
        {
            _ = Kill(_process.Id, SigTerm);
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: false);
                await _process.WaitForExitAsync();
            }
        }
        _process.Dispose();
        // Same pid and start time: still a process JupyterHub started, not a later one that got its pid.
        List<KeyValuePair<int, long>> left;
        lock (_started)
        {
            left = [.. _started.Where(p => StartTicks(p.Key) == p.Value)];
        }
        foreach (var (pid, _) in left)
        {
            _ = Kill(pid, SigKill);
        }
        var watch = Stopwatch.StartNew();
        while (left.Any(p => StartTicks(p.Key) == p.Value) && watch.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(50);
        }
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_log)
        {
            _log.AppendLine(line);
        }
    }
}
