using System.Net;
using System.Net.Sockets;

namespace Greyhub.Proxy;

/// <summary>
/// Kept-alive HTTP/1.1 connections to one route's server. Each route has its own pool, dropped with the route, so a
/// connection never outlives the server it was opened to and is never handed to another user's route.
/// </summary>
internal sealed class UpstreamPool(EndPoint endPoint) : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Stack<UpstreamConnection> _idle = new();
    private readonly HashSet<UpstreamConnection> _all = [];
    private bool _disposed;

    /// <summary>Where the server listens.</summary>
    public EndPoint EndPoint { get; } = endPoint;

    /// <summary>Open connections, idle and busy (for tests and diagnostics).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _all.Count;
            }
        }
    }

    /// <summary>
    /// An idle connection, marked busy; null when none is left. One the server wrote to or closed while it was idle is
    /// closed instead: those bytes would be read as the next client's answer.
    /// </summary>
    public UpstreamConnection? TryRent()
    {
        while (true)
        {
            UpstreamConnection? connection;
            lock (_lock)
            {
                if (!_idle.TryPop(out connection))
                {
                    return null;
                }
                connection.MarkBusy();
            }
            if (connection.IsQuiet())
            {
                return connection;
            }
            Return(connection, reusable: false);
        }
    }

    /// <summary>Opens a new connection, marked busy.</summary>
    public async Task<UpstreamConnection> ConnectAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var socket = EndPoint is IPEndPoint ip
            ? new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
            : new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.NoDelay = true;
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(timeout);
            try
            {
                await socket.ConnectAsync(EndPoint, cts.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new SocketException((int)SocketError.TimedOut);
            }
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var connection = new UpstreamConnection(socket);
        connection.MarkBusy();
        lock (_lock)
        {
            if (!_disposed)
            {
                _all.Add(connection);
                return connection;
            }
        }
        // The route went away while connecting: the exchange may still finish, then the connection is closed.
        return connection;
    }

    /// <summary>Puts a connection back for the next exchange, or closes it when it cannot be reused.</summary>
    public void Return(UpstreamConnection connection, bool reusable)
    {
        lock (_lock)
        {
            if (reusable && !_disposed && _all.Contains(connection) && connection.MarkIdle())
            {
                _idle.Push(connection);
                return;
            }
            _all.Remove(connection);
        }
        connection.Dispose();
    }

    /// <summary>
    /// Closes idle connections older than <paramref name="idleTimeout"/> and aborts busy ones that heard nothing
    /// from the server for <paramref name="activityTimeout"/> (the exchange then fails with a gateway timeout).
    /// </summary>
    public void Sweep(TimeSpan idleTimeout, TimeSpan activityTimeout)
    {
        var now = Environment.TickCount64;
        List<UpstreamConnection>? close = null;
        lock (_lock)
        {
            foreach (var connection in _all)
            {
                var quiet = now - connection.LastActivity;
                if (connection.Busy ? quiet > (long)activityTimeout.TotalMilliseconds : quiet > (long)idleTimeout.TotalMilliseconds)
                {
                    (close ??= []).Add(connection);
                }
            }
            if (close is null)
            {
                return;
            }
            foreach (var connection in close)
            {
                _all.Remove(connection);
            }
            if (_idle.Count > 0)
            {
                var keep = _idle.Where(_all.Contains).Reverse().ToList();
                _idle.Clear();
                keep.ForEach(_idle.Push);
            }
        }
        foreach (var connection in close)
        {
            connection.Abort(timedOut: connection.Busy);
        }
    }

    /// <summary>Closes every idle connection; busy ones are closed when their exchange ends.</summary>
    public void Dispose()
    {
        List<UpstreamConnection> idle;
        lock (_lock)
        {
            _disposed = true;
            idle = [.. _idle];
            _idle.Clear();
            foreach (var connection in idle)
            {
                _all.Remove(connection);
            }
        }
        idle.ForEach(c => c.Dispose());
    }
}

/// <summary>One TCP connection to a server, with its read buffer.</summary>
internal sealed class UpstreamConnection(Socket socket) : IDisposable
{
    /// <summary>Large enough for any response head a Jupyter server sends; a larger one is refused with 502.</summary>
    public const int BufferSize = 16 * 1024;

    private long _lastActivity = Environment.TickCount64;
    private int _busy;
    private volatile bool _timedOut;

    /// <summary>The socket.</summary>
    public Socket Socket { get; } = socket;

    private UpstreamResponseReader? _reader;

    /// <summary>Read buffer for the server's responses.</summary>
    public byte[] Buffer { get; } = new byte[BufferSize];

    /// <summary>This connection's response reader, set to copy the next response to <paramref name="writer"/>.</summary>
    public UpstreamResponseReader Reader(System.IO.Pipelines.PipeWriter writer) => (_reader ??= new UpstreamResponseReader(this)).Reset(writer);

    /// <summary>Last time the server was heard from (<see cref="Environment.TickCount64"/>).</summary>
    public long LastActivity => Volatile.Read(ref _lastActivity);

    /// <summary>In the middle of an exchange.</summary>
    public bool Busy => Volatile.Read(ref _busy) == 1;

    /// <summary>The sweeper aborted it because the server went quiet.</summary>
    public bool TimedOut => _timedOut;

    /// <summary>Records that the server was heard from now.</summary>
    public void Touch() => Volatile.Write(ref _lastActivity, Environment.TickCount64);

    /// <summary>Marks the start of an exchange.</summary>
    public void MarkBusy()
    {
        Touch();
        Volatile.Write(ref _busy, 1);
    }

    /// <summary>Marks the end of an exchange; false if it was already idle.</summary>
    public bool MarkIdle()
    {
        Touch();
        return Interlocked.Exchange(ref _busy, 0) == 1;
    }

    /// <summary>
    /// True when nothing arrived since the last exchange: no byte, no close, no reset (a zero-timeout poll, as
    /// SocketsHttpHandler checks its idle connections before reuse).
    /// </summary>
    public bool IsQuiet()
    {
        try
        {
            return !Socket.Poll(0, SelectMode.SelectRead);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>Closes the socket under a running exchange, which then fails.</summary>
    public void Abort(bool timedOut)
    {
        _timedOut = timedOut;
        Socket.Dispose();
    }

    /// <inheritdoc/>
    public void Dispose() => Socket.Dispose();
}
