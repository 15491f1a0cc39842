using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Greyhub.Hub.Tests;

/// <summary>
/// A stand-in for a user's server at the byte level: a <see cref="TcpListener"/> on 127.0.0.1 that reads each request
/// head (and body), records it with the connection it came on, and lets the test's script answer with raw bytes, so a
/// test controls the exact framing the proxy has to deal with.
/// </summary>
public sealed class ScriptedUpstream : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<UpstreamExchange, Task> _script;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly List<UpstreamRequest> _requests = [];
    private readonly List<TaskCompletionSource> _peerClosed = [];
    private readonly List<Socket> _sockets = [];
    private readonly List<Task> _tasks = [];
    private readonly Task _accepting;

    /// <summary>Starts listening; <paramref name="script"/> answers every request.</summary>
    public ScriptedUpstream(Func<UpstreamExchange, Task> script)
    {
        _script = script;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>Where it listens.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Connections accepted so far.</summary>
    public int Connections
    {
        get
        {
            lock (_lock)
            {
                return _peerClosed.Count;
            }
        }
    }

    /// <summary>Requests received so far, in arrival order.</summary>
    public IReadOnlyList<UpstreamRequest> Requests
    {
        get
        {
            lock (_lock)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Answers every request with the same raw response.</summary>
    public static ScriptedUpstream Answering(string response) => new(e => e.SendAsync(response));

    /// <summary>Completes when the proxy closed (or reset) connection <paramref name="connection"/> (0 = the first accepted).</summary>
    public Task PeerClosedAsync(int connection)
    {
        lock (_lock)
        {
            return _peerClosed[connection].Task;
        }
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token);
                socket.NoDelay = true;
                var peerClosed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                lock (_lock)
                {
                    _sockets.Add(socket);
                    _peerClosed.Add(peerClosed);
                    var id = _peerClosed.Count - 1;
                    _tasks.Add(Task.Run(() => ServeAsync(socket, id, peerClosed)));
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }

    private async Task ServeAsync(Socket socket, int id, TaskCompletionSource peerClosed)
    {
        var connection = new RawConnection(socket);
        var index = 0;
        try
        {
            while (true)
            {
                var request = await connection.ReadRequestAsync(id, index++, _stop.Token);
                if (request is null)
                {
                    peerClosed.TrySetResult();
                    return;
                }
                lock (_lock)
                {
                    _requests.Add(request);
                }
                var exchange = new UpstreamExchange(request, connection, _stop.Token);
                await _script(exchange);
                if (exchange.Closed)
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            // A send or receive failed: the proxy closed or reset its end.
            peerClosed.TrySetResult();
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
            // Stopped.
        }
        finally
        {
            socket.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Task[] tasks;
        lock (_lock)
        {
            _sockets.ForEach(s => s.Dispose());
            tasks = [_accepting, .. _tasks];
        }
        await Task.WhenAll(tasks);
        _stop.Dispose();
    }
}

/// <summary>
/// A request as the upstream received it: which accepted connection carried it and its position there (0 = the first),
/// the head as sent (Latin-1 decoded, without the final empty line) and the body.
/// </summary>
public sealed record UpstreamRequest(int Connection, int Index, string Head, byte[] Body)
{
    private string[] Lines => Head.Split("\r\n");

    /// <summary>The request line, e.g. <c>GET /user/a/ HTTP/1.1</c>.</summary>
    public string RequestLine => Lines[0];

    /// <summary>The request target exactly as sent.</summary>
    public string Target => RequestLine.Split(' ')[1];

    /// <summary>Header lines as (name, value), in order.</summary>
    public IReadOnlyList<(string Name, string Value)> Headers => RawConnection.ParseHeaders(Lines.Skip(1));

    /// <summary>Every value of <paramref name="name"/>.</summary>
    public IReadOnlyList<string> Values(string name) =>
        [.. Headers.Where(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value)];
}

/// <summary>One request on the upstream and the means to answer it.</summary>
public sealed class UpstreamExchange(UpstreamRequest request, RawConnection connection, CancellationToken stopping)
{
    /// <summary>What came in.</summary>
    public UpstreamRequest Request { get; } = request;

    /// <summary>Set once <see cref="Close"/> was called: the connection serves no more requests.</summary>
    public bool Closed { get; private set; }

    /// <summary>Cancelled when the upstream stops.</summary>
    public CancellationToken Stopping { get; } = stopping;

    /// <summary>Sends <paramref name="latin1"/> as bytes, one byte per character.</summary>
    public Task SendAsync(string latin1) => SendAsync(Encoding.Latin1.GetBytes(latin1));

    /// <summary>Sends raw bytes.</summary>
    public async Task SendAsync(ReadOnlyMemory<byte> bytes) => await connection.Socket.SendAsync(bytes, SocketFlags.None, Stopping);

    /// <summary>Closes the connection (FIN) after what was sent.</summary>
    public void Close()
    {
        Closed = true;
        connection.Socket.Shutdown(SocketShutdown.Both);
        connection.Socket.Close();
    }

    /// <summary>Waits until the proxy closes its end (true), or the upstream stops (false); nothing is expected from it.</summary>
    public async Task<bool> WaitForPeerCloseAsync()
    {
        var buffer = new byte[1024];
        try
        {
            while (await connection.Socket.ReceiveAsync(buffer, SocketFlags.None, Stopping) > 0)
            {
            }
            return true;
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}

/// <summary>A buffered reader of HTTP/1.1 messages over a socket, for both the upstream and raw clients of the hub.</summary>
public sealed class RawConnection(Socket socket) : IDisposable
{
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    /// <summary>The socket.</summary>
    public Socket Socket { get; } = socket;

    /// <summary>Connects to the hub's port.</summary>
    public static async Task<RawConnection> ConnectAsync(Uri hub, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, hub.Port, cancellationToken);
        return new RawConnection(socket);
    }

    /// <summary>Sends <paramref name="latin1"/> as bytes.</summary>
    public async Task SendAsync(string latin1, CancellationToken cancellationToken) =>
        await Socket.SendAsync(Encoding.Latin1.GetBytes(latin1), SocketFlags.None, cancellationToken);

    /// <summary>Reads a head up to its empty line; null when the peer closed before sending a byte of it.</summary>
    public async Task<byte[]?> ReadHeadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var found = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8);
            if (found >= 0)
            {
                var head = _buffer.AsSpan(_start, found).ToArray();
                _start += found + 4;
                return head;
            }
            if (!await FillAsync(cancellationToken))
            {
                return _end == _start ? null : throw new IOException("Closed in the middle of a head");
            }
        }
    }

    /// <summary>Reads a request (head and Content-Length or chunked body); null when the peer closed first.</summary>
    public async Task<UpstreamRequest?> ReadRequestAsync(int connection, int index, CancellationToken cancellationToken)
    {
        var head = await ReadHeadAsync(cancellationToken);
        if (head is null)
        {
            return null;
        }
        var text = Encoding.Latin1.GetString(head);
        var headers = ParseHeaders(text.Split("\r\n").Skip(1));
        var body = await ReadBodyAsync(headers, noBody: false, untilClose: false, cancellationToken);
        return new UpstreamRequest(connection, index, text, body);
    }

    /// <summary>Reads a response to a request other than HEAD.</summary>
    public async Task<RawResponse> ReadResponseAsync(CancellationToken cancellationToken)
    {
        var bytes = await ReadHeadAsync(cancellationToken) ?? throw new IOException("Closed before a response");
        var text = Encoding.Latin1.GetString(bytes);
        var lines = text.Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = ParseHeaders(lines.Skip(1));
        var noBody = status is 204 or 304 || status < 200;
        var body = await ReadBodyAsync(headers, noBody, untilClose: true, cancellationToken);
        return new RawResponse(status, bytes, headers, body);
    }

    /// <summary>Bytes of a body read so far beyond the head (for a test that reads part of one).</summary>
    public int Buffered => _end - _start;

    /// <summary>Waits for more bytes; false when the peer closed.</summary>
    public async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }
        var read = await Socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken);
        _end += read;
        return read > 0;
    }

    internal static IReadOnlyList<(string Name, string Value)> ParseHeaders(IEnumerable<string> lines) =>
        [.. lines.Where(l => l.Length > 0).Select(l => l.Split(':', 2)).Select(p => (p[0], p.Length > 1 ? p[1].Trim(' ', '\t') : ""))];

    private async Task<byte[]> ReadBodyAsync(IReadOnlyList<(string Name, string Value)> headers, bool noBody, bool untilClose, CancellationToken cancellationToken)
    {
        if (noBody)
        {
            return [];
        }
        using var body = new MemoryStream();
        if (headers.Any(h => h.Name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && h.Value.Contains("chunked", StringComparison.OrdinalIgnoreCase)))
        {
            while (true)
            {
                var line = await ReadLineAsync(cancellationToken);
                var size = Convert.ToInt32(line.Split(';')[0].Trim(), 16);
                if (size == 0)
                {
                    while ((await ReadLineAsync(cancellationToken)).Length > 0)
                    {
                        // Trailers: not looked at.
                    }
                    return body.ToArray();
                }
                await CopyAsync(body, size, cancellationToken);
                if ((await ReadLineAsync(cancellationToken)).Length != 0)
                {
                    throw new IOException("Chunk longer than its size");
                }
            }
        }
        var length = headers.FirstOrDefault(h => h.Name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)).Value;
        if (length is not null)
        {
            await CopyAsync(body, long.Parse(length, System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
            return body.ToArray();
        }
        if (!untilClose)
        {
            return [];
        }
        while (true)
        {
            body.Write(_buffer, _start, _end - _start);
            _start = _end;
            if (!await FillAsync(cancellationToken))
            {
                return body.ToArray();
            }
        }
    }

    private async Task CopyAsync(MemoryStream body, long length, CancellationToken cancellationToken)
    {
        while (length > 0)
        {
            if (_end == _start && !await FillAsync(cancellationToken))
            {
                throw new IOException($"Closed with {length} body bytes missing");
            }
            var take = (int)Math.Min(length, _end - _start);
            body.Write(_buffer, _start, take);
            _start += take;
            length -= take;
        }
    }

    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var found = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8);
            if (found >= 0)
            {
                var line = Encoding.Latin1.GetString(_buffer, _start, found);
                _start += found + 2;
                return line;
            }
            if (!await FillAsync(cancellationToken))
            {
                throw new IOException("Closed in the middle of a line");
            }
        }
    }

    public void Dispose() => Socket.Dispose();
}

/// <summary>A response as a raw client of the hub received it; <c>HeadBytes</c> are the head as sent, without the final empty line.</summary>
public sealed record RawResponse(int Status, byte[] HeadBytes, IReadOnlyList<(string Name, string Value)> Headers, byte[] Body)
{
    /// <summary>Every value of <paramref name="name"/>.</summary>
    public IReadOnlyList<string> Values(string name) =>
        [.. Headers.Where(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value)];

    /// <summary>The body as UTF-8 text.</summary>
    public string Text => Encoding.UTF8.GetString(Body);
}
