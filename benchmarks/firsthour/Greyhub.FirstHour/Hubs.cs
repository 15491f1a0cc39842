using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;

namespace Greyhub.FirstHour;

/// <summary>
/// A hub the benchmark drives: where it listens, how its home page's Start and login look, and how a server is stopped
/// between runs (its REST API with an admin token). A hub this program started is stopped by its own process id.
/// </summary>
internal abstract class HubUnderTest : IAsyncDisposable
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };
    private Process? _process;

    /// <summary>Short name for the table.</summary>
    public abstract string Name { get; }

    /// <summary>What runs, for the table's notes.</summary>
    public abstract string Description { get; }

    /// <summary>The hub's public address (its proxy).</summary>
    public Uri Address { get; protected set; } = new("http://127.0.0.1/");

    /// <summary>The home page's Start.</summary>
    public abstract string StartButton { get; }

    /// <summary>A token that may stop any user's server.</summary>
    protected string AdminToken { get; set; } = "";

    /// <summary>Stops <paramref name="user"/>'s default server and waits until the hub says it is gone.</summary>
    public async Task StopServerAsync(string user, CancellationToken cancellationToken)
    {
        using (var stop = new HttpRequestMessage(HttpMethod.Delete, new Uri(Address, $"hub/api/users/{user}/server")))
        {
            stop.Headers.Authorization = new AuthenticationHeaderValue("token", AdminToken);
            using var response = await Http.SendAsync(stop, cancellationToken);
            if (response.StatusCode is not (HttpStatusCode.NoContent or HttpStatusCode.Accepted or HttpStatusCode.BadRequest))
            {
                throw new InvalidOperationException($"{Name}: stopping {user}'s server answered {(int)response.StatusCode}");
            }
        }
        var watch = Stopwatch.StartNew();
        while (true)
        {
            using var get = new HttpRequestMessage(HttpMethod.Get, new Uri(Address, $"hub/api/users/{user}"));
            get.Headers.Authorization = new AuthenticationHeaderValue("token", AdminToken);
            using var response = await Http.SendAsync(get, cancellationToken);
            using var model = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            if (model.RootElement.TryGetProperty("servers", out var servers) && servers.ValueKind == JsonValueKind.Object && !servers.EnumerateObject().Any())
            {
                return;
            }
            if (watch.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new TimeoutException($"{Name}: {user}'s server did not stop within 2 minutes");
            }
            await Task.Delay(200, cancellationToken);
        }
    }

    /// <summary>Starts <paramref name="psi"/> and waits until the hub answers <c>GET /hub/api/</c>.</summary>
    protected async Task LaunchAsync(ProcessStartInfo psi, string log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(psi);
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.UseShellExecute = false;
        var writer = new StreamWriter(log) { AutoFlush = true };
        _process = Process.Start(psi) ?? throw new InvalidOperationException($"{Name} did not start");
        _process.OutputDataReceived += (_, e) => Write(e.Data);
        _process.ErrorDataReceived += (_, e) => Write(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode}; see {log}");
            }
            try
            {
                using var response = await Http.GetAsync(new Uri(Address, "hub/api/"), cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            if (watch.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new TimeoutException($"{Name} did not answer within 2 minutes; see {log}");
            }
            await Task.Delay(100, cancellationToken);
        }

        void Write(string? line)
        {
            if (line is not null)
            {
                lock (writer)
                {
                    writer.WriteLine(line);
                }
            }
        }
    }

    /// <summary>SIGTERM (each hub stops its proxy and servers on it), then SIGKILL for whatever is left of the tree.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_process is null)
        {
            return;
        }
        if (!_process.HasExited)
        {
            using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync();
            }
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await _process.WaitForExitAsync(patience.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        _process.Dispose();
    }

    /// <summary>A free loopback port.</summary>
    protected static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>The environment both hubs run in: nothing of the caller's but what a service would have.</summary>
    protected static void CleanEnvironment(ProcessStartInfo psi, string home)
    {
        ArgumentNullException.ThrowIfNull(psi);
        psi.Environment.Clear();
        psi.Environment["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin";
        psi.Environment["LANG"] = "C.UTF-8";
        psi.Environment["HOME"] = home;
    }

    /// <summary>A random hex token.</summary>
    protected static string Secret() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
}

/// <summary>Greyhub from a built <c>greyhub.dll</c>, with its default configuration (what the README runs).</summary>
internal sealed class GreyhubHub(string dll, string dir) : HubUnderTest
{
    public override string Name => "Greyhub";

    public override string Description => $"Greyhub ({Path.GetFullPath(dll)}), default configuration: SQLite, in-process proxy, local engine, Spawner:Ui=auto";

    public override string StartButton => "#start-default";

    /// <summary>Creates <paramref name="user"/> and an admin token, then serves.</summary>
    public async Task StartAsync(string user, string password, CancellationToken cancellationToken)
    {
        await RunAsync(["users", "add", "--password-stdin", "--data-dir", dir, user], password + "\n", cancellationToken);
        AdminToken = (await RunAsync(["token", "--admin", "--data-dir", dir, "bench-admin"], null, cancellationToken)).Trim();
        Address = new Uri($"http://127.0.0.1:{FreePort()}/");
        var psi = Dotnet(["serve", "--urls", Address.ToString().TrimEnd('/'), "--data-dir", dir]);
        await LaunchAsync(psi, Path.Combine(dir, "greyhub.log"), cancellationToken);
    }

    private ProcessStartInfo Dotnet(IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = dir };
        psi.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }
        CleanEnvironment(psi, dir);
        psi.Environment["DOTNET_NOLOGO"] = "1";
        return psi;
    }

    private async Task<string> RunAsync(IEnumerable<string> args, string? input, CancellationToken cancellationToken)
    {
        var psi = Dotnet(args);
        psi.RedirectStandardInput = true;
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        using var process = Process.Start(psi)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
        }
        process.StandardInput.Close();
        await process.WaitForExitAsync(cancellationToken);
        return process.ExitCode == 0 ? await output : throw new InvalidOperationException($"greyhub {string.Join(' ', args)}: {await errors}");
    }
}

/// <summary>A Greyhub someone else started (the fresh-clone run): only its address and an admin token are known.</summary>
internal sealed class RunningGreyhub : HubUnderTest
{
    public RunningGreyhub(Uri address, string adminToken)
    {
        Address = address;
        AdminToken = adminToken;
    }

    public override string Name => "Greyhub";

    public override string Description => $"Greyhub already running at {Address}";

    public override string StartButton => "#start-default";
}

/// <summary>
/// Debian's JupyterHub 3.0 as the team runs it beside Greyhub (benchmarks/compute): <c>env -i</c>, DummyAuthenticator,
/// SimpleLocalProcessSpawner, configurable-http-proxy started by the hub, the same jupyterhub-singleuser. Its servers
/// get <c>JUPYTERHUB_SINGLEUSER_APP=notebook.notebookapp.NotebookApp</c>, so both hubs open the same classic Notebook.
/// </summary>
internal sealed class JupyterHub30(string dir) : HubUnderTest
{
    public override string Name => "JupyterHub 3.0";

    public override string Description =>
        "Debian jupyterhub 3.0 (/usr/bin/jupyterhub), DummyAuthenticator, SimpleLocalProcessSpawner, Spawner.environment JUPYTERHUB_SINGLEUSER_APP=notebook.notebookapp.NotebookApp, CHP started by the hub, SQLite";

    public override string StartButton => "#start";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var (pub, hub, api) = (FreePort(), FreePort(), FreePort());
        Address = new Uri($"http://127.0.0.1:{pub}/");
        AdminToken = Secret();
        Directory.CreateDirectory(Path.Combine(dir, "home"));
        var config = Path.Combine(dir, "jupyterhub_config.py");
        var root = Environment.UserName == "root";
        await File.WriteAllTextAsync(config, $$"""
            import os
            c = get_config()  # noqa
            c.JupyterHub.ip = '127.0.0.1'
            c.JupyterHub.port = {{pub}}
            c.JupyterHub.hub_ip = '127.0.0.1'
            c.JupyterHub.hub_port = {{hub}}
            c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:{{api}}'
            c.ConfigurableHTTPProxy.pid_file = '{{dir}}/jupyterhub-proxy.pid'
            c.JupyterHub.authenticator_class = 'jupyterhub.auth.DummyAuthenticator'
            c.JupyterHub.spawner_class = 'jupyterhub.spawner.SimpleLocalProcessSpawner'
            c.SimpleLocalProcessSpawner.home_dir_template = '{{dir}}/home/{username}'
            c.Spawner.cmd = ['/usr/bin/jupyterhub-singleuser']
            c.Spawner.args = {{(root ? "['--allow-root']" : "[]")}}
            c.Spawner.environment = {'JUPYTERHUB_SINGLEUSER_APP': 'notebook.notebookapp.NotebookApp'}
            c.JupyterHub.db_url = 'sqlite:///{{dir}}/jupyterhub.sqlite'
            c.JupyterHub.cookie_secret_file = '{{dir}}/jupyterhub_cookie_secret'
            c.JupyterHub.pid_file = '{{dir}}/jupyterhub.pid'
            c.JupyterHub.services = [{'name': 'bench', 'api_token': os.environ['FIRSTHOUR_ADMIN_TOKEN']}]
            c.JupyterHub.load_roles = [{'name': 'admin', 'services': ['bench']}]
            """, cancellationToken);
        var psi = new ProcessStartInfo("/usr/bin/jupyterhub") { WorkingDirectory = dir };
        psi.ArgumentList.Add("-f");
        psi.ArgumentList.Add(config);
        CleanEnvironment(psi, dir);
        psi.Environment["NODE_PATH"] = "/usr/share/nodejs";
        psi.Environment["CONFIGPROXY_AUTH_TOKEN"] = Secret();
        psi.Environment["FIRSTHOUR_ADMIN_TOKEN"] = AdminToken;
        await LaunchAsync(psi, Path.Combine(dir, "jupyterhub.log"), cancellationToken);
    }
}
