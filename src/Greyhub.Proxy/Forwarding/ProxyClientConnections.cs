using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace Greyhub.Proxy;

/// <summary>
/// Client connections the connection-level proxy holds (before any is handed to Kestrel's HTTP stack, whose own
/// timeouts then apply). The sweeper closes those idle past Kestrel's keep-alive timeout and those sending a head for
/// longer than its request-headers timeout, as Kestrel would.
/// </summary>
internal sealed class ProxyClientConnections
{
    private readonly ConcurrentDictionary<ProxyClientConnection, byte> _all = new();

    /// <summary>Starts tracking a connection.</summary>
    public ProxyClientConnection Add(ConnectionContext connection)
    {
        var client = new ProxyClientConnection(this, connection);
        _all.TryAdd(client, 0);
        return client;
    }

    internal void Remove(ProxyClientConnection client) => _all.TryRemove(client, out _);

    /// <summary>Closes connections that waited too long for a request or for the rest of a head.</summary>
    public void Sweep(TimeSpan keepAlive, TimeSpan requestHeaders)
    {
        var now = Environment.TickCount64;
        foreach (var client in _all.Keys)
        {
            client.CloseIfQuiet(now, (long)keepAlive.TotalMilliseconds, (long)requestHeaders.TotalMilliseconds);
        }
    }
}

/// <summary>One client connection on the connection-level proxy: where it is, and what to stop when it goes.</summary>
internal sealed class ProxyClientConnection : IDisposable
{
    private const int Idle = 0;
    private const int ReadingHead = 1;
    private const int Exchanging = 2;
    private const int Done = 3;

    private readonly ProxyClientConnections _owner;
    private readonly ConnectionContext _connection;
    private readonly CancellationTokenRegistration _closed;
    private readonly CancellationTokenRegistration _closeRequested;
    private int _state;
    private long _since = Environment.TickCount64;
    private UpstreamConnection? _upstream;
    private volatile bool _gone;
    private volatile bool _closing;

    public ProxyClientConnection(ProxyClientConnections owner, ConnectionContext connection)
    {
        _owner = owner;
        _connection = connection;
        _closed = connection.ConnectionClosed.UnsafeRegister(static c => ((ProxyClientConnection)c!).OnGone(), this);
        if (connection.Features.Get<IConnectionLifetimeNotificationFeature>() is { } lifetime)
        {
            _closeRequested = lifetime.ConnectionClosedRequested.UnsafeRegister(static c => ((ProxyClientConnection)c!).OnCloseRequested(), this);
        }
    }

    /// <summary>The client closed or the connection was aborted.</summary>
    public bool Gone => _gone;

    /// <summary>The server is shutting down (or the connection timed out): no further request is taken.</summary>
    public bool CloseRequested => _closing;

    /// <summary>Waiting for the next request.</summary>
    public void WaitingForRequest() => Enter(Idle);

    /// <summary>The first bytes of a head are in: the request-headers timeout runs from now.</summary>
    public void ReadingRequest()
    {
        if (Volatile.Read(ref _state) == Idle)
        {
            Enter(ReadingHead);
        }
    }

    /// <summary>A request is with <paramref name="upstream"/>, which is aborted if the client goes away meanwhile.</summary>
    public void Forwarding(UpstreamConnection upstream)
    {
        Enter(Exchanging);
        Volatile.Write(ref _upstream, upstream);
        if (_gone)
        {
            upstream.Abort(timedOut: false);
        }
    }

    /// <summary>The exchange with the server is over.</summary>
    public void Forwarded() => Volatile.Write(ref _upstream, null);

    /// <summary>Kestrel's HTTP stack takes the connection, with its own timeouts.</summary>
    public void HandedOver()
    {
        Enter(Done);
        _owner.Remove(this);
    }

    internal void CloseIfQuiet(long now, long keepAliveMs, long headersMs)
    {
        var state = Volatile.Read(ref _state);
        var quiet = now - Volatile.Read(ref _since);
        if ((state == Idle && quiet > keepAliveMs) || (state == ReadingHead && quiet > headersMs))
        {
            OnCloseRequested();
            if (state == ReadingHead)
            {
                _connection.Abort(new ConnectionAbortedException("The request head did not arrive in time"));
            }
        }
    }

    private void Enter(int state)
    {
        Volatile.Write(ref _since, Environment.TickCount64);
        Volatile.Write(ref _state, state);
    }

    private void OnGone()
    {
        _gone = true;
        Volatile.Read(ref _upstream)?.Abort(timedOut: false);
    }

    private void OnCloseRequested()
    {
        _closing = true;
        if (Volatile.Read(ref _state) == Idle)
        {
            // An idle connection closes now (its pending read returns canceled); a busy one after its response.
            _connection.Transport.Input.CancelPendingRead();
        }
    }

    public void Dispose()
    {
        _closed.Dispose();
        _closeRequested.Dispose();
        _owner.Remove(this);
    }
}
