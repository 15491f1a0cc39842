using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Greyhub.Abstractions.Compute;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Greyhub.Plugins.Remote;

/// <summary>
/// Runs a plug-in the hub starts itself: starts it with its address and secret in <c>GREYHUB_PLUGIN_*</c>, waits for
/// its handshake, checks its health, and starts it again when it dies or stops answering. Jobs outlive their plug-in
/// (a plug-in must not tie them to its own life), so the next plug-in finds them again through their saved state.
/// </summary>
internal sealed partial class ManagedPlugin(
    PluginEndpoint endpoint, Func<CancellationToken, Task> handshake, RemoteEngineOptions options, TimeProvider time, ILogger<ManagedPlugin> logger)
    : BackgroundService
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile Process? _process;

    /// <summary>The running plug-in's process id (for operators and tests), or null.</summary>
    public int? ProcessId => _process is { HasExited: false } p ? p.Id : null;

    /// <summary>Starts so far (the first included).</summary>
    public int Starts { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            var healthy = false;
            Process? process = null;
            try
            {
                process = Start();
                _process = process;
                healthy = await WaitReadyAsync(process, stoppingToken);
                if (healthy)
                {
                    failures = 0;
                    _ready.TrySetResult();
                    await WatchAsync(process, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                // The hub is stopping: StopAsync asks this process to end (politely, then not).
                return;
            }
            catch (Exception e)
            {
                LogStartFailed(logger, endpoint.Name, e);
            }
            // Whatever ended this run (it died, stopped answering, answered a handshake that is not the protocol's),
            // its process ends here: the next run's replaces it in _process, and one left running would outlive the hub.
            if (process is not null)
            {
                Kill(process);
                _process = null;
                process.Dispose();
            }
            if (!healthy)
            {
                failures++;
            }
            // A plug-in that cannot start is not started in a tight loop.
            var backoff = TimeSpan.FromSeconds(Math.Min(MaxBackoff.TotalSeconds, Math.Pow(2, Math.Max(0, failures - 1)) - 1));
            if (backoff > TimeSpan.Zero)
            {
                await Task.Delay(backoff, time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    /// <summary>Starts the plug-in and waits (at most <see cref="RemoteEngineOptions.StartTimeout"/>) for its first handshake, so the hub's first calls find it up.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await base.StartAsync(cancellationToken);
        using var timeout = new CancellationTokenSource(options.StartTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        // Not ready in time is not fatal: the supervisor keeps trying, and calls until then fail with a clear error.
        await _ready.Task.WaitAsync(linked.Token).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_process is { } process && !process.HasExited)
        {
            // Asked politely first; its jobs live on for the next hub to re-attach.
            Greyhub.Processes.LinuxProcess.Signal(process.Id, 15);
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5), time);
            try
            {
                await process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                Kill(process);
            }
            LogStopped(logger, endpoint.Name);
        }
    }

    private Process Start()
    {
        var url = options.Url ?? new Uri($"http://127.0.0.1:{JobPorts.Pick().ToString(CultureInfo.InvariantCulture)}/");
        var secret = string.IsNullOrEmpty(options.Secret) ? Base64Url(RandomNumberGenerator.GetBytes(32)) : options.Secret;
        var log = options.LogFile.Length > 0 ? options.LogFile : Path.Combine(Path.GetTempPath(), "greyhub-plugins", endpoint.Name + ".log");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(log))!);
        // The shell sends the plug-in's output to its log file: the plug-in never writes into the hub's pipes, which
        // would break (and could kill it) when the hub goes.
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        foreach (var arg in (string[])["-c", "log=\"$1\"; shift; exec \"$@\" >>\"$log\" 2>&1 </dev/null", "greyhub-plugin", log, .. options.Command])
        {
            psi.ArgumentList.Add(arg);
        }
        foreach (var (key, value) in options.Environment)
        {
            psi.Environment[key] = value;
        }
        psi.Environment["GREYHUB_PLUGIN_NAME"] = endpoint.Name;
        // Who started it, so a plug-in that ends with its hub can tell even when the hub died before it first looked.
        psi.Environment["GREYHUB_PLUGIN_HUB_PID"] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        psi.Environment["GREYHUB_PLUGIN_URL"] = url.ToString();
        psi.Environment["GREYHUB_PLUGIN_HOST"] = url.Host;
        psi.Environment["GREYHUB_PLUGIN_PORT"] = url.Port.ToString(CultureInfo.InvariantCulture);
        psi.Environment["GREYHUB_PLUGIN_SECRET"] = secret;
        var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start plug-in {endpoint.Name}");
        Starts++;
        endpoint.Set(url, secret);
        LogStarted(logger, endpoint.Name, process.Id, url, log);
        return process;
    }

    private async Task<bool> WaitReadyAsync(Process process, CancellationToken stoppingToken)
    {
        var started = time.GetTimestamp();
        while (time.GetElapsedTime(started) < options.StartTimeout)
        {
            if (process.HasExited)
            {
                LogExited(logger, endpoint.Name, process.ExitCode, "before it answered its handshake");
                return false;
            }
            try
            {
                await handshake(stoppingToken);
                return true;
            }
            catch (PluginException e) when (e.Kind is PluginFailure.Unreachable or PluginFailure.Timeout)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), time, stoppingToken);
            }
        }
        LogUnhealthy(logger, endpoint.Name, $"no handshake within {options.StartTimeout}");
        return false;
    }

    private async Task WatchAsync(Process process, CancellationToken stoppingToken)
    {
        var failed = 0;
        while (true)
        {
            using var tick = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var exited = process.WaitForExitAsync(tick.Token);
            var wait = Task.Delay(options.HealthInterval, time, tick.Token);
            await Task.WhenAny(exited, wait);
            await tick.CancelAsync();
            stoppingToken.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                LogExited(logger, endpoint.Name, process.ExitCode, "while running; starting it again");
                return;
            }
            try
            {
                await handshake(stoppingToken);
                failed = 0;
            }
            catch (PluginException e)
            {
                failed++;
                LogUnhealthy(logger, endpoint.Name, e.Message);
                if (failed >= options.HealthFailures)
                {
                    return;
                }
            }
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [LoggerMessage(EventId = PluginEvents.Started, Level = LogLevel.Information, Message = "Plug-in {Plugin} started (process {Pid}) at {Url}; its output goes to {Log}")]
    private static partial void LogStarted(ILogger logger, string plugin, int pid, Uri url, string log);

    [LoggerMessage(EventId = PluginEvents.Exited, Level = LogLevel.Warning, Message = "Plug-in {Plugin} exited with code {Code} {When}")]
    private static partial void LogExited(ILogger logger, string plugin, int code, string when);

    [LoggerMessage(EventId = PluginEvents.Unhealthy, Level = LogLevel.Warning, Message = "Plug-in {Plugin} failed its health check: {Error}")]
    private static partial void LogUnhealthy(ILogger logger, string plugin, string error);

    [LoggerMessage(EventId = PluginEvents.StartFailed, Level = LogLevel.Error, Message = "Plug-in {Plugin} could not be started")]
    private static partial void LogStartFailed(ILogger logger, string plugin, Exception exception);

    [LoggerMessage(EventId = PluginEvents.Stopped, Level = LogLevel.Information, Message = "Plug-in {Plugin} stopped with the hub")]
    private static partial void LogStopped(ILogger logger, string plugin);
}
