using System.Text;
using Greyhub.Hub.Background;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Proxy;

/// <summary>
/// Runs <see cref="ManagedProxy"/> with the hub: the proxy is reused or started once the hub listens (its error target
/// is the hub's page), checked every <see cref="ExternalProxyOptions.CheckRunningInterval"/>, its output copied into the
/// hub's log, and stopped when the hub stops cleanly. A failure to start it stops the hub's start.
/// </summary>
internal sealed partial class ManagedProxyService(ManagedProxy proxy, IOptions<ExternalProxyOptions> options, TimeProvider time, ILogger<ManagedProxyService> logger)
    : HubBackgroundService, IHostedLifecycleService
{
    private static readonly TimeSpan OutputPoll = TimeSpan.FromMilliseconds(250);
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _outputOffset = -1;

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        // Output from before this hub's start belongs to the log of the hub that started the proxy.
        if (options.Value.IsManaged)
        {
            _outputOffset = File.Exists(proxy.LogFile) ? new FileInfo(proxy.LogFile).Length : 0;
        }
        return Task.CompletedTask;
    }

    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        await ThreadPoolHop.RunAsync(() => proxy.StartAsync(cancellationToken));
        _started.TrySetResult();
    }

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.IsManaged)
        {
            return;
        }
        try
        {
            await _started.Task.WaitAsync(stoppingToken);
            await Task.WhenAll(CheckLoopAsync(stoppingToken), OutputLoopAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Only a clean shutdown comes here: a crashed hub leaves its proxy running for the next one.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_started.Task.IsCompletedSuccessfully)
        {
            await proxy.StopAsync();
        }
        CopyOutput();
    }

    private async Task CheckLoopAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.CheckRunningInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await proxy.CheckRunningAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // Tried again at the next check.
                Log.CheckFailed(logger, e);
            }
        }
    }

    private async Task OutputLoopAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            CopyOutput();
            await Task.Delay(OutputPoll, time, stoppingToken);
        }
    }

    /// <summary>Logs the proxy's new output lines (whole lines only; a partial one waits for its end).</summary>
    private void CopyOutput()
    {
        if (_outputOffset < 0 || !File.Exists(proxy.LogFile))
        {
            return;
        }
        try
        {
            using var file = new FileStream(proxy.LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (file.Length < _outputOffset)
            {
                _outputOffset = 0;
            }
            file.Position = _outputOffset;
            var buffer = new byte[Math.Min(1 << 20, file.Length - _outputOffset)];
            var read = file.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            var end = read == 0 ? -1 : Array.LastIndexOf(buffer, (byte)'\n', read - 1);
            if (end < 0)
            {
                return;
            }
            foreach (var line in Encoding.UTF8.GetString(buffer, 0, end).Replace("\r", "", StringComparison.Ordinal).Split('\n'))
            {
                Log.Output(logger, line);
            }
            _outputOffset += end + 1;
        }
        catch (IOException e)
        {
            Log.CheckFailed(logger, e);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = HubEvents.ProxyOutput, Level = LogLevel.Information, Message = "proxy: {Line}")]
        public static partial void Output(ILogger logger, string line);

        [LoggerMessage(EventId = HubEvents.ProxyCheckFailed, Level = LogLevel.Warning, Message = "Checking the proxy failed; trying again at the next check")]
        public static partial void CheckFailed(ILogger logger, Exception error);
    }
}
