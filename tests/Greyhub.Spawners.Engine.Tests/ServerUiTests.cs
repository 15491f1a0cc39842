using System.Collections.Concurrent;
using System.Text.Json;
using Greyhub.Abstractions.Compute;
using Greyhub.Compute.Local;
using Microsoft.Extensions.Logging;

namespace Greyhub.Spawners.Engine.Tests;

/// <summary>
/// Which web UI a server opens and whether its program is there, found out from the machine itself. The servers here
/// are a stand-in named <c>jupyterhub-singleuser</c>, first on the servers' <c>PATH</c>: a Python script on Debian's
/// <c>/usr/bin/python3</c> (as the real one is) that echoes its environment, so the real probe reads the real Python
/// with the real Debian packages, and the test sees exactly what the server was given.
/// </summary>
public sealed class ServerUiTests : IAsyncDisposable
{
    private const string Echo = """
        #!/usr/bin/python3
        import http.server, json, os, urllib.parse
        url = urllib.parse.urlparse(os.environ["JUPYTERHUB_SERVICE_URL"])
        class Echo(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = json.dumps(dict(os.environ)).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, *args):
                pass
        http.server.HTTPServer((url.hostname, url.port), Echo).serve_forever()
        """;

    private readonly string _root = Directory.CreateTempSubdirectory("greyhub-server-ui-").FullName;
    private readonly List<(EngineSpawner Spawner, string State)> _started = [];
    private readonly string _bin;

    public ServerUiTests()
    {
        _bin = Path.Combine(_root, "bin");
        Directory.CreateDirectory(_bin);
        var program = Path.Combine(_bin, "jupyterhub-singleuser");
        File.WriteAllText(program, Echo.Replace("\r", "", StringComparison.Ordinal) + "\n");
        File.SetUnixFileMode(program, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The servers' PATH: the stand-in first, then Debian's programs.</summary>
    private string ServerPath => _bin + ":/usr/bin:/bin";

    [Fact]
    public async Task The_default_command_opens_the_classic_notebook_that_debian_ships()
    {
        // Debian 12 packages no JupyterLab and Notebook 6 (python3-notebook, which jupyterhub depends on).
        var env = await ServerEnvironmentAsync(Options());
        Assert.Equal("notebook.notebookapp.NotebookApp", env.GetValueOrDefault("JUPYTERHUB_SINGLEUSER_APP"));
        Assert.Equal("/tree", env.GetValueOrDefault("JUPYTERHUB_DEFAULT_URL"));
    }

    [Fact]
    public async Task JupyterLab_where_its_python_has_it_wins()
    {
        var site = Package("jupyterlab", "4.2.5");
        var env = await ServerEnvironmentAsync(Options(o => o.Environment["PYTHONPATH"] = site));
        Assert.Equal("/lab", env.GetValueOrDefault("JUPYTERHUB_DEFAULT_URL"));
        Assert.False(env.ContainsKey("JUPYTERHUB_SINGLEUSER_APP"));
    }

    [Fact]
    public async Task Explicit_settings_are_never_second_guessed()
    {
        var withUrl = await ServerEnvironmentAsync(Options(o => o.DefaultUrl = "/tree/projects"));
        Assert.Equal("/tree/projects", withUrl.GetValueOrDefault("JUPYTERHUB_DEFAULT_URL"));
        Assert.False(withUrl.ContainsKey("JUPYTERHUB_SINGLEUSER_APP"));

        var options = Options(o => o.Profiles = [new() { Name = "server", Environment = new() { ["JUPYTERHUB_SINGLEUSER_APP"] = "jupyter_server.serverapp.ServerApp" } }]);
        var withApp = await ServerEnvironmentAsync(options, "{\"profile\":\"server\"}");
        Assert.Equal("jupyter_server.serverapp.ServerApp", withApp.GetValueOrDefault("JUPYTERHUB_SINGLEUSER_APP"));
        Assert.False(withApp.ContainsKey("JUPYTERHUB_DEFAULT_URL"));

        var fixedUi = await ServerEnvironmentAsync(Options(o => o.Ui = "server"));
        Assert.Equal("jupyter_server.serverapp.ServerApp", fixedUi.GetValueOrDefault("JUPYTERHUB_SINGLEUSER_APP"));
        Assert.Equal("/", fixedUi.GetValueOrDefault("JUPYTERHUB_DEFAULT_URL"));
    }

    [Fact]
    public async Task On_an_engine_that_runs_servers_elsewhere_only_a_fixed_ui_applies()
    {
        var elsewhere = new Elsewhere(Local());
        var auto = await ServerEnvironmentAsync(Options(), engine: elsewhere);
        Assert.False(auto.ContainsKey("JUPYTERHUB_SINGLEUSER_APP"));
        Assert.False(auto.ContainsKey("JUPYTERHUB_DEFAULT_URL"));

        var lab = await ServerEnvironmentAsync(Options(o => o.Ui = "lab"), engine: elsewhere);
        Assert.Equal("/lab", lab.GetValueOrDefault("JUPYTERHUB_DEFAULT_URL"));

        // Nor is its program looked for here: the node or the image has its own.
        var logs = new Logs();
        var spawner = new EngineSpawner(Microsoft.Extensions.Options.Options.Create(Options(o => (o.Engine, o.Environment["PATH"]) = ("elsewhere", "/nonexistent"))), [elsewhere], TimeProvider.System, logs.For<EngineSpawner>());
        await spawner.CheckAsync(Ct);
        Assert.DoesNotContain(logs.Lines, l => l.Id == 5200);
        Assert.Contains(logs.Lines, l => l.Id == 5204 && l.Text.Contains("on the elsewhere engine", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_missing_program_fails_the_start_at_once_with_an_install_hint()
    {
        var spawner = Spawner(Options(o => o.Environment["PATH"] = Path.Combine(_root, "empty")));
        var failure = await Assert.ThrowsAsync<SpawnFailedException>(() => spawner.StartAsync(Request("olga"), new NoContext(), Ct));
        Assert.Contains("jupyterhub-singleuser is not installed on the hub's machine", failure.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install jupyterhub", failure.Message, StringComparison.Ordinal);
        // Nothing was launched: the engine never wrote a job log.
        Assert.False(Directory.Exists(Path.Combine(_root, "jobs")) && Directory.EnumerateFiles(Path.Combine(_root, "jobs")).Any());
    }

    [Fact]
    public async Task The_start_up_check_logs_a_missing_program_with_its_hint_and_the_ui_servers_will_open()
    {
        var logs = new Logs();
        // A fresh Python setting, so this check probes rather than reuse an earlier test's answer.
        var fresh = Directory.CreateTempSubdirectory("greyhub-fresh-site-").FullName;
        var options = Options(o =>
        {
            o.Environment["PYTHONPATH"] = fresh;
            o.Profiles =
            [
                new() { Name = "default" },
                new() { Name = "venv", Command = [Path.Combine(_root, "venv", "bin", "jupyterhub-singleuser")] },
            ];
        });
        var spawner = new EngineSpawner(Microsoft.Extensions.Options.Options.Create(options), [Local()], TimeProvider.System, logs.For<EngineSpawner>());
        await spawner.CheckAsync(Ct);
        var missing = Assert.Single(logs.Lines, l => l.Id == 5200);
        Assert.Equal(LogLevel.Error, missing.Level);
        Assert.Contains("profile 'venv'", missing.Text, StringComparison.Ordinal);
        Assert.Contains("apt-get install jupyterhub", missing.Text, StringComparison.Ordinal);
        var found = Assert.Single(logs.Lines, l => l.Id == 5201);
        Assert.Contains(Path.Combine(_bin, "jupyterhub-singleuser"), found.Text, StringComparison.Ordinal);
        Assert.Contains("notebook 6.", found.Text, StringComparison.Ordinal);
        Assert.Contains("the classic Notebook at /tree", found.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("4.2.5", "6.4.12", true, "1.23.3", "Lab")]
    [InlineData(null, "6.4.12", true, "1.23.3", "Classic")]
    [InlineData(null, "6.4.12", true, null, "Classic")]
    [InlineData(null, "7.2.1", false, "2.14.2", "Notebook")]
    [InlineData(null, null, false, "2.14.2", "Server")]
    [InlineData(null, null, false, null, "None")]
    public void The_choice_prefers_lab_then_the_notebook_then_jupyter_server(string? lab, string? notebook, bool notebookApp, string? server, string expected) =>
        Assert.Equal(expected, ServerUis.Choose(new JupyterInstall("3.0.0", lab, notebook, notebookApp, server)).ToString());

    [Fact]
    public void An_unknown_ui_is_refused_with_the_valid_names()
    {
        var problems = new EngineSpawnerOptions { Ui = "jupyterlab" }.Validate("S").ToList();
        Assert.Contains("S:Ui 'jupyterlab' is unknown; choose one of: auto, lab, notebook, classic, server, none", problems);
        Assert.Empty(new EngineSpawnerOptions { Ui = "Classic" }.Validate("S"));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (spawner, state) in _started)
        {
            await spawner.StopAsync(state, CancellationToken.None);
        }
    }

    private EngineSpawnerOptions Options(Action<EngineSpawnerOptions>? configure = null)
    {
        var options = new EngineSpawnerOptions
        {
            HomeDirectory = Path.Combine(_root, "home", "{username}"),
            StopGrace = TimeSpan.FromSeconds(5),
            Environment = { ["PATH"] = ServerPath },
        };
        configure?.Invoke(options);
        return options;
    }

    private LocalProcessEngine Local() =>
        new(Microsoft.Extensions.Options.Options.Create(new LocalEngineOptions { JobsDirectory = Path.Combine(_root, "jobs") }), TimeProvider.System);

    private EngineSpawner Spawner(EngineSpawnerOptions options, IComputeEngine? engine = null)
    {
        engine ??= Local();
        options.Engine = engine.Name;
        return new(Microsoft.Extensions.Options.Options.Create(options), [engine], TimeProvider.System);
    }

    /// <summary>Starts a server with the default command and returns the environment it answers with.</summary>
    private async Task<Dictionary<string, string>> ServerEnvironmentAsync(EngineSpawnerOptions options, string userOptions = "{}", IComputeEngine? engine = null)
    {
        var spawner = Spawner(options, engine);
        var server = await spawner.StartAsync(Request("nina", userOptions), new NoContext(), Ct);
        _started.Add((spawner, server.State));
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return JsonSerializer.Deserialize<Dictionary<string, string>>(await client.GetStringAsync(server.Url, Ct))!;
            }
            catch (HttpRequestException) when (watch.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(50, Ct);
            }
        }
    }

    /// <summary>A folder for PYTHONPATH holding an importable package with its metadata (a stand-in for one Debian does not ship).</summary>
    private string Package(string name, string version)
    {
        var site = Directory.CreateTempSubdirectory("greyhub-site-").FullName;
        Directory.CreateDirectory(Path.Combine(site, name));
        File.WriteAllText(Path.Combine(site, name, "__init__.py"), $"__version__ = \"{version}\"\n");
        var info = Path.Combine(site, $"{name}-{version}.dist-info");
        Directory.CreateDirectory(info);
        File.WriteAllText(Path.Combine(info, "METADATA"), $"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n");
        return site;
    }

    private static SpawnRequest Request(string user, string userOptions = "{}") => new()
    {
        UserName = user,
        ServicePrefix = $"/user/{user}/",
        UserOptions = userOptions,
        HubEnvironment = new Dictionary<string, string> { ["JUPYTERHUB_SERVICE_PREFIX"] = $"/user/{user}/" },
    };

    private sealed class NoContext : ISpawnContext
    {
        public void Report(int progress, string message)
        {
        }

        public Task SaveStateAsync(string state, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>The local engine under another name, as an engine whose jobs run on other machines (it keeps the default <see cref="IComputeEngine.RunsLocally"/>).</summary>
    private sealed class Elsewhere(IComputeEngine inner) : IComputeEngine
    {
        public string Name => "elsewhere";

        public Task<JobHandle> LaunchAsync(JobSpec spec, CancellationToken cancellationToken) => inner.LaunchAsync(spec, cancellationToken);

        public Task<IReadOnlyList<JobStatus>> GetStatusAsync(IReadOnlyList<JobHandle> jobs, CancellationToken cancellationToken) => inner.GetStatusAsync(jobs, cancellationToken);

        public Task StopAsync(JobHandle job, TimeSpan grace, CancellationToken cancellationToken) => inner.StopAsync(job, grace, cancellationToken);

        public Task<string> ReadLogAsync(JobHandle job, int maxBytes, CancellationToken cancellationToken) => inner.ReadLogAsync(job, maxBytes, cancellationToken);
    }

    /// <summary>Keeps what the spawner logs.</summary>
    private sealed class Logs
    {
        private readonly ConcurrentQueue<(LogLevel Level, int Id, string Text)> _lines = new();

        public IReadOnlyList<(LogLevel Level, int Id, string Text)> Lines => [.. _lines];

        public ILogger<T> For<T>() => new Logger<T>(this);

        private sealed class Logger<T>(Logs logs) : ILogger<T>
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                logs._lines.Enqueue((logLevel, eventId.Id, formatter(state, exception)));
        }
    }
}
