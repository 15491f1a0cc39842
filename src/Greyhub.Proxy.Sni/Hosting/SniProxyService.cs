using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Greyhub.Proxy.Sni;

/// <summary>
/// Listens on the configured port and hands every accepted connection to <see cref="SniConnection"/>, within the
/// connection limit. Stopping closes the listener and every open connection.
/// </summary>
internal sealed partial class SniProxyService(
    IOptions<SniProxyOptions> options, SniRoutes routes, TimeProvider time, ILoggerFactory loggers) : IHostedService, ISniProxyEndpoint, IDisposable
{
    private readonly SniProxyOptions _options = options.Value;
    private readonly ILogger _logger = loggers.CreateLogger<SniProxyService>();
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<long, Task> _connections = new();
    private Socket? _listener;
    private IPEndPoint? _endPoint;
    private Task _acceptLoop = Task.CompletedTask;
    private long _nextId;
    private int _open;
    private int _disposed;

    public IPEndPoint EndPoint => _endPoint ?? throw new InvalidOperationException("The SNI proxy has not started yet.");

    /// <summary>Connections open right now (tests read it to see that refused clients left nothing behind).</summary>
    internal int OpenConnections => Volatile.Read(ref _open);

    /// <summary>Connections accepted since start, within the limit (the benchmark divides CPU time by it).</summary>
    internal long AcceptedConnections => Volatile.Read(ref _nextId);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var ip = IPAddress.Parse(_options.Ip);
        var listener = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(new IPEndPoint(ip, _options.Port));
            listener.Listen(512);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
        _listener = listener;
        _endPoint = (IPEndPoint)listener.LocalEndPoint!;
        LogListening(_endPoint);
        _acceptLoop = AcceptLoopAsync(listener, _stopping.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // A host stopped again after it was disposed (a test's clean-up): Dispose already closed everything.
        if (Volatile.Read(ref _disposed) == 1)
        {
            return;
        }
        await _stopping.CancelAsync();
        _listener?.Dispose();
        await _acceptLoop;
        await Task.WhenAll(_connections.Values).WaitAsync(cancellationToken);
    }

    public void Dispose()
    {
        // The container disposes it once per registration that resolves to it (service, endpoint, hosted service).
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        _stopping.Cancel();
        _listener?.Dispose();
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync(Socket listener, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(stopping);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                // Out of file descriptors or a client reset before accept: keep serving the others.
                LogAcceptFailed(e.SocketErrorCode);
                continue;
            }
            if (Interlocked.Increment(ref _open) > _options.MaxConnections)
            {
                Interlocked.Decrement(ref _open);
                LogTooManyConnections(_options.MaxConnections);
                client.Dispose();
                continue;
            }
            var id = Interlocked.Increment(ref _nextId);
            var connection = new SniConnection(client, _options, routes, time, _logger);
            var task = RunAsync(id, connection, stopping);
            _connections[id] = task;
            if (task.IsCompleted)
            {
                _connections.TryRemove(id, out _); // It finished before it was added.
            }
        }
    }

    private async Task RunAsync(long id, SniConnection connection, CancellationToken stopping)
    {
        await Task.Yield(); // Off the accept loop before the first read.
        try
        {
            await connection.RunAsync(stopping);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFailed(e);
        }
        catch (OperationCanceledException)
        {
            // Shutdown: not an error.
        }
        finally
        {
            Interlocked.Decrement(ref _open);
            _connections.TryRemove(id, out _);
        }
    }

    [LoggerMessage(EventId = SniEvents.Listening, Level = LogLevel.Information, Message = "SNI proxy listening on {EndPoint}")]
    private partial void LogListening(IPEndPoint endPoint);

    [LoggerMessage(EventId = SniEvents.AcceptFailed, Level = LogLevel.Warning, Message = "SNI proxy could not accept a connection: {Error}")]
    private partial void LogAcceptFailed(SocketError error);

    [LoggerMessage(EventId = SniEvents.TooManyConnections, Level = LogLevel.Warning, Message = "SNI proxy closed a new connection: {Max} are open already")]
    private partial void LogTooManyConnections(int max);

    [LoggerMessage(EventId = SniEvents.Failed, Level = LogLevel.Warning, Message = "SNI proxy connection failed")]
    private partial void LogFailed(Exception exception);
}
