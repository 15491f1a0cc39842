using System.Globalization;
using System.Net;
using Greyhub.Processes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Proxy;

/// <summary>
/// An external proxy at the hub's side (JupyterHub's <c>ConfigurableHTTPProxy</c> with <c>should_start</c>): at the
/// hub's start a proxy whose API already answers with the token is reused (what lets a hub be killed and restarted
/// without dropping a proxied request), otherwise the command is started with CHP's flags; one that dies is restarted
/// and its routes asked back; a clean hub shutdown stops it (<c>cleanup_proxy</c>), a crash never does. For a proxy the
/// hub does not start, it only waits for the API at the start.
/// </summary>
internal sealed partial class ManagedProxy(
    HubProxy proxy,
    IOptions<ExternalProxyOptions> options,
    HubUrls urls,
    HubAddress address,
    RouteCheckSignal routeCheck,
    TimeProvider time,
    ILogger<ManagedProxy> logger) : IDisposable
{
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);
    private readonly ExternalProxyOptions _options = options.Value;
    private ProxyProcess? _process;

    private string PidFile => proxy.PidFile;

    /// <inheritdoc cref="HubProxy.LogFile"/>
    public string LogFile => proxy.LogFile;

    /// <summary>Reuses, starts or waits for the proxy; the hub listens already (the error target is its page).</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!proxy.IsExternal)
        {
            return;
        }
        if (!_options.IsManaged)
        {
            await WaitForApiAsync(null, cancellationToken);
        }
        else
        {
            switch (await ProbeAsync(cancellationToken))
            {
                case ApiState.Answers:
                    _process = ProxyProcess.FromPidFile(PidFile);
                    if (_process is null)
                    {
                        Log.ReusedWithoutPid(logger, _options.ApiUrl!);
                    }
                    else
                    {
                        Log.Reused(logger, _process.Pid, _options.ApiUrl!);
                    }
                    break;
                case ApiState.Refuses:
                    throw new ProxyStartException($"A proxy at {_options.ApiUrl} refuses the hub's token; set {ExternalProxyOptions.Section}:AuthToken to its CONFIGPROXY_AUTH_TOKEN or stop it.");
                default:
                    EndLeftover();
                    await LaunchAsync(cancellationToken);
                    break;
            }
        }
        routeCheck.Request();
    }

    /// <summary>Restarts a started proxy that died (JupyterHub's <c>check_running</c>) and asks its routes back.</summary>
    public async Task CheckRunningAsync(CancellationToken cancellationToken)
    {
        if (_process is null || _process.IsAlive)
        {
            return;
        }
        var exitCode = await _process.ExitCodeAsync();
        Log.Died(logger, _process.Pid, exitCode?.ToString(CultureInfo.InvariantCulture) ?? "unknown");
        _process.Dispose();
        _process = null;
        await LaunchAsync(cancellationToken);
        routeCheck.Request();
    }

    /// <summary>Stops the proxy at a clean hub shutdown, when configured to (SIGTERM, then SIGKILL after a grace).</summary>
    public async Task StopAsync()
    {
        if (!(proxy.CleanupAtShutdown ?? _options.Cleanup) || _process is not { } process)
        {
            return;
        }
        Log.Stopping(logger, process.Pid);
        process.Signal(LinuxProcess.SigTerm);
        var waited = TimeSpan.Zero;
        while (process.IsAlive && waited < StopGrace)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), time);
            waited += TimeSpan.FromMilliseconds(50);
        }
        process.Signal(LinuxProcess.SigKill);
        File.Delete(PidFile);
    }

    private async Task LaunchAsync(CancellationToken cancellationToken)
    {
        var publicUrl = _options.PublicUrl!;
        var api = _options.ApiUrl!;
        List<string> flags =
        [
            "--ip", Host(publicUrl), "--port", publicUrl.Port.ToString(CultureInfo.InvariantCulture),
            "--api-ip", Host(api), "--api-port", api.Port.ToString(CultureInfo.InvariantCulture),
            // As JupyterHub: the proxy's error pages are the hub's (/hub/error/{status}), asked of the hub directly.
            "--error-target", address.ConnectUrl + urls.Hub + "error",
        ];
        // JupyterHub passes no --default-target: the hub's own route '/' (added by the route check) plays that part.
        if (_options.LogLevel.Length > 0)
        {
            flags.AddRange(["--log-level", _options.LogLevel]);
        }
        var commandLine = string.Join(' ', _options.Command.Concat(flags));
        Log.Starting(logger, commandLine);
        var process = ProxyProcess.Start(_options.Command, flags, proxy.AuthToken, LogFile);
        _process = process;
        process.WritePidFile(PidFile);
        await WaitForApiAsync(process, cancellationToken);
        Log.Ready(logger, process.Pid, publicUrl, api);
    }

    /// <summary>Waits until the API answers with the token; fails at once if the started process ends.</summary>
    private async Task WaitForApiAsync(ProxyProcess? process, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        while (true)
        {
            if (process is { IsAlive: false })
            {
                var exitCode = await process.ExitCodeAsync();
                throw new ProxyStartException($"The proxy exited with code {exitCode?.ToString(CultureInfo.InvariantCulture) ?? "unknown"} as it started; its output is in {LogFile}:\n{Tail(LogFile)}");
            }
            var state = await ProbeAsync(cancellationToken);
            if (state == ApiState.Answers)
            {
                return;
            }
            if (state == ApiState.Refuses || time.GetElapsedTime(started) > _options.StartTimeout)
            {
                // A proxy this start made is not left behind by the failed start.
                process?.Signal(LinuxProcess.SigKill);
                throw new ProxyStartException(state == ApiState.Refuses
                    ? $"The proxy at {_options.ApiUrl} refuses the hub's token."
                    : $"The proxy's API at {_options.ApiUrl} did not answer within {_options.StartTimeout}" + (process is null ? "." : $"; its output is in {LogFile}:\n{Tail(LogFile)}"));
            }
            await Task.Delay(TimeSpan.FromMilliseconds(100), time, cancellationToken);
        }
    }

    private async Task<ApiState> ProbeAsync(CancellationToken cancellationToken)
    {
        try
        {
            await proxy.Routes.GetRoutesAsync(null, cancellationToken);
            return ApiState.Answers;
        }
        catch (HttpRequestException e) when (e.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            return ApiState.Refuses;
        }
        catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return ApiState.Down;
        }
    }

    /// <summary>
    /// A proxy the pid file names that no longer answers (hung, or still starting for a hub that died): ended before a
    /// new one takes its ports, as JupyterHub does, but only if it runs the configured command.
    /// </summary>
    private void EndLeftover()
    {
        if (ProxyProcess.FromPidFile(PidFile) is not { } leftover)
        {
            return;
        }
        using (leftover)
        {
            if (leftover.CommandLine.Contains(Path.GetFileName(_options.Command[^1]), StringComparison.Ordinal)
                || leftover.CommandLine.Contains(Path.GetFileName(_options.Command[0]), StringComparison.Ordinal))
            {
                Log.LeftoverEnded(logger, leftover.Pid);
                leftover.Signal(LinuxProcess.SigKill);
            }
        }
    }

    private static string Host(Uri url) => url.Host.Trim('[', ']');

    private static string Tail(string file)
    {
        try
        {
            var lines = File.ReadAllLines(file);
            return string.Join('\n', lines.Skip(Math.Max(0, lines.Length - 20)));
        }
        catch (IOException)
        {
            return "";
        }
    }

    public void Dispose() => _process?.Dispose();

    private enum ApiState
    {
        Down,
        Answers,
        Refuses,
    }
}
