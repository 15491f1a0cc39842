using System.Diagnostics;
using System.Text;
using Greyhub.Testing;

namespace Greyhub.Host.Tests;

/// <summary>
/// The real <c>greyhub</c> program, run as its own process exactly as an operator runs it, on a free
/// loopback port with its own data folder (and, when <c>GREYHUB_TEST_DATABASE=postgres</c>, its own database). Disposing
/// stops it (and only it) by its process id.
/// </summary>
public sealed class GreyhubProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private bool _killedHard;

    private GreyhubProcess(Process process, string dataDir, Uri address)
    {
        _process = process;
        DataDir = dataDir;
        Address = address;
    }

    /// <summary>The hub's root URL.</summary>
    public Uri Address { get; }

    /// <summary>The data folder.</summary>
    public string DataDir { get; }

    /// <summary>What the process wrote so far.</summary>
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

    /// <summary>
    /// The log once it holds <paramref name="text"/> (a line written by background work, such as the re-adoption of
    /// servers after a restart); fails with the log after 60 s.
    /// </summary>
    public async Task<string> LogWithAsync(string text, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        string log;
        while (!(log = Log).Contains(text, StringComparison.Ordinal))
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), $"no '{text}' in the hub's log after 60 s:\n{log}");
            await Task.Delay(50, cancellationToken);
        }
        return log;
    }

    /// <summary>Path of greyhub.dll next to the tests.</summary>
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "greyhub.dll");

    /// <summary>Runs a <c>greyhub</c> command to completion (in the temporary folder) and returns its exit code and output.</summary>
    public static Task<(int ExitCode, string StdOut, string StdErr)> RunAsync(IEnumerable<string> args, string? stdin = null, CancellationToken cancellationToken = default) =>
        RunInAsync(Path.GetTempPath(), args, stdin, cancellationToken);

    /// <summary>Runs a <c>greyhub</c> command to completion in <paramref name="workingDirectory"/> and returns its exit code and output.</summary>
    public static Task<(int ExitCode, string StdOut, string StdErr)> RunInAsync(string workingDirectory, IEnumerable<string> args, string? stdin = null, CancellationToken cancellationToken = default) =>
        RunProgramAsync(null, workingDirectory, args, stdin, cancellationToken);

    /// <summary>
    /// Runs a <c>greyhub</c> command with <paramref name="program"/> (an installed or published <c>greyhub</c>
    /// executable; null: the build next to the tests) to completion and returns its exit code and output.
    /// </summary>
    public static async Task<(int ExitCode, string StdOut, string StdErr)> RunProgramAsync(string? program, string workingDirectory, IEnumerable<string> args, string? stdin, CancellationToken cancellationToken)
    {
        var psi = Start(program, args, workingDirectory);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }
        process.StandardInput.Close();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts <c>greyhub serve</c> and waits until it answers.</summary>
    public static Task<GreyhubProcess> StartAsync(string? dataDir = null, IEnumerable<string>? extraArgs = null, int? port = null, CancellationToken cancellationToken = default) =>
        StartAsync(new Dictionary<string, string>(), dataDir, extraArgs, port, cancellationToken);

    /// <summary>Starts <c>greyhub serve</c> with <paramref name="environment"/> added to its own and waits until it answers.</summary>
    public static Task<GreyhubProcess> StartAsync(IReadOnlyDictionary<string, string> environment, string? dataDir, IEnumerable<string>? extraArgs, int? port, CancellationToken cancellationToken) =>
        StartInAsync(Path.GetTempPath(), environment, dataDir, extraArgs, port, cancellationToken);

    /// <summary>Starts <c>greyhub serve</c> in <paramref name="workingDirectory"/> (where it looks for greyhub.json) and waits until it answers.</summary>
    public static Task<GreyhubProcess> StartInAsync(string workingDirectory, IReadOnlyDictionary<string, string> environment, string? dataDir, IEnumerable<string>? extraArgs, int? port, CancellationToken cancellationToken) =>
        StartProgramAsync(null, workingDirectory, environment, dataDir, extraArgs, port, cancellationToken);

    /// <summary>
    /// Starts <c>greyhub serve</c> with <paramref name="program"/> (an installed or published <c>greyhub</c> executable;
    /// null: the build next to the tests) in <paramref name="workingDirectory"/> and waits until it answers.
    /// </summary>
    public static async Task<GreyhubProcess> StartProgramAsync(string? program, string workingDirectory, IReadOnlyDictionary<string, string> environment, string? dataDir, IEnumerable<string>? extraArgs, int? port, CancellationToken cancellationToken)
    {
        dataDir ??= Directory.CreateTempSubdirectory("greyhub-host-test-").FullName;
        port ??= FreePort.Next();
        var address = new Uri($"http://127.0.0.1:{port}/");
        var args = new List<string> { "serve", "--urls", address.ToString().TrimEnd('/'), "--data-dir", dataDir };
        args.AddRange(extraArgs ?? []);
        var psi = Start(program, args, workingDirectory);
        foreach (var (key, value) in environment)
        {
            psi.Environment[key] = value;
        }
        var process = Process.Start(psi)!;
        var hub = new GreyhubProcess(process, dataDir, address);
        process.OutputDataReceived += (_, e) => hub.Append(e.Data);
        process.ErrorDataReceived += (_, e) => hub.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.StandardInput.Close();
        try
        {
            return await WaitUntilAnsweringAsync(hub, process, address, cancellationToken);
        }
        catch
        {
            // Whatever went wrong, a hub this method started does not outlive it.
            await hub.DisposeAsync();
            throw;
        }
    }

    private static async Task<GreyhubProcess> WaitUntilAnsweringAsync(GreyhubProcess hub, Process process, Uri address, CancellationToken cancellationToken)
    {
        using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(90))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"greyhub exited with {process.ExitCode}:\n{hub.Log}");
            }
            if (await AnswersAsync(client, cancellationToken))
            {
                return hub;
            }
            await Task.Delay(100, cancellationToken);
        }
        throw new TimeoutException($"greyhub did not answer within 90 s:\n{hub.Log}");
    }

    /// <summary>
    /// Whether a hub answers <c>GET hub/api/</c> with success at <paramref name="client"/>'s address; false while it is not
    /// listening yet, or listening but too busy starting to answer within the client's timeout.
    /// </summary>
    public static async Task<bool> AnswersAsync(HttpClient client, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await client.GetAsync("hub/api/", cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>The hub's process id.</summary>
    public int Pid => _process.Id;

    /// <summary>Kills the hub alone with SIGKILL (what a crash looks like); its servers and its data stay.</summary>
    public async Task KillHardAsync()
    {
        _killedHard = true;
        _process.Kill(entireProcessTree: false);
        await _process.WaitForExitAsync();
    }

    /// <summary>
    /// Stops the hub cleanly, as an operator's Ctrl-C or systemd does (SIGTERM), and waits for its exit; returns its
    /// exit code. Disposing still removes the data folder.
    /// </summary>
    public async Task<int> StopAsync(TimeSpan patience)
    {
        using (var kill = Process.Start("kill", ["-TERM", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }
        using var timeout = new CancellationTokenSource(patience);
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    /// <summary>Waits for the hub to exit by itself (a shutdown it was asked for); returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan patience)
    {
        using var timeout = new CancellationTokenSource(patience);
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (_killedHard)
        {
            _process.Dispose();
            return;
        }
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
        await Greyhub.Hub.Tests.TestDatabase.DropAsync(DataDir);
    }

    private static ProcessStartInfo Start(string? program, IEnumerable<string> args, string workingDirectory)
    {
        var psi = new ProcessStartInfo(program ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = workingDirectory,
        };
        if (program is null)
        {
            psi.ArgumentList.Add(Dll);
        }
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["DOTNET_NOLOGO"] = "1";
        // On the provider GREYHUB_TEST_DATABASE picks: with postgres, the data folder's own database (as HubInstance does).
        var list = args.ToList();
        var dataDir = list.IndexOf("--data-dir") is var i and >= 0 && i + 1 < list.Count ? list[i + 1] : null;
        if (dataDir is not null && !list.Any(a => a.StartsWith("--Greyhub:Database:", StringComparison.OrdinalIgnoreCase)))
        {
            foreach (var setting in Greyhub.Hub.Tests.TestDatabase.SettingsFor(dataDir))
            {
                var (key, value) = (setting[..setting.IndexOf('=')], setting[(setting.IndexOf('=') + 1)..]);
                psi.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
            }
        }
        return psi;
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
