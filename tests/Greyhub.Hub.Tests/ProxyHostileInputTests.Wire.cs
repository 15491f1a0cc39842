using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Greyhub.Hub.Tests;

/// <summary>What a strict HTTP/1.1 client made of the bytes the hub sent back.</summary>
public sealed record StrictReply(int Status, string Head, byte[] Body, bool Close)
{
    /// <summary>The connection closed before a whole response (a refusal, as a client sees it).</summary>
    public static readonly StrictReply Closed = new(0, "", [], true);

    /// <summary>The body as Latin-1 text.</summary>
    public string Text => Encoding.Latin1.GetString(Body);

    /// <summary>Head and body, for checks that a marker never shows.</summary>
    public string All => Head + "\r\n\r\n" + Text;
}

/// <summary>
/// A raw client of the hub that reads responses by RFC 9112's grammar with no leniency: a bare CR or LF, an invalid
/// header or chunk line, a Content-Length that is not 1*DIGIT, or Content-Length beside Transfer-Encoding fails the
/// test (the bytes could frame differently in another client: the root of a desynchronisation). Every read has a deadline.
/// </summary>
public sealed partial class StrictClient : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private static readonly byte[] HeadEnd = "\r\n\r\n"u8.ToArray();
    private static readonly byte[] LineEnd = "\r\n"u8.ToArray();
    private readonly Socket _socket;
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;
    private bool _eof;

    private StrictClient(Socket socket) => _socket = socket;

    /// <summary>Every byte received so far, for checks that a marker never reached this client.</summary>
    public StringBuilder Received { get; } = new();

    /// <summary>Connects to the hub on 127.0.0.1.</summary>
    public static async Task<StrictClient> ConnectAsync(Uri hub, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, hub.Port, cancellationToken);
        return new StrictClient(socket);
    }

    /// <summary>Sends <paramref name="latin1"/> as bytes; false when the hub already closed the connection.</summary>
    public async Task<bool> SendAsync(string latin1, CancellationToken cancellationToken)
    {
        try
        {
            await _socket.SendAsync(Encoding.Latin1.GetBytes(latin1), SocketFlags.None, cancellationToken);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Reads one final response (interim 1xx skipped); <see cref="StrictReply.Closed"/> when the connection ends first.</summary>
    public async Task<StrictReply> ReadAsync(bool headRequest, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Deadline);
        try
        {
            while (true)
            {
                var head = await ReadUntilAsync(HeadEnd, deadline.Token);
                if (head is null)
                {
                    return StrictReply.Closed;
                }
                var reply = await ReadMessageAsync(head, headRequest, deadline.Token);
                if (reply is not { Status: >= 100 and < 200 })
                {
                    return reply ?? StrictReply.Closed;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Assert.Fail($"No whole response within {Deadline} (hung or desynchronised); received so far:\n{Received}");
            throw;
        }
        catch (SocketException)
        {
            return StrictReply.Closed;
        }
    }

    /// <summary>True when the hub closes the connection (or resets it) with nothing more sent, within the deadline.</summary>
    public async Task<bool> ClosedAsync(CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Deadline);
        try
        {
            return _end == _start && !await FillAsync(deadline.Token);
        }
        catch (SocketException)
        {
            return true;
        }
    }

    private async Task<StrictReply?> ReadMessageAsync(string head, bool headRequest, CancellationToken cancellationToken)
    {
        BareLineEnds.Refuse(head, "response head");
        var lines = head.Split("\r\n");
        var status = StatusLine().Match(lines[0]);
        Assert.True(status.Success, $"Invalid status line: {lines[0]}");
        var code = int.Parse(status.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(code != 101, "101 Switching Protocols to a request that asked for no upgrade");
        var headers = ParseFields(lines.Skip(1), "response header");
        string[] lengths = [.. headers.Where(h => Is(h.Name, "Content-Length")).Select(h => h.Value)];
        string[] codings = [.. headers.Where(h => Is(h.Name, "Transfer-Encoding")).Select(h => h.Value)];
        var close = headers.Any(h => Is(h.Name, "Connection") && h.Value.Split(',').Any(t => Is(t.Trim(), "close")));
        Assert.True(lengths.Length <= 1, $"Several Content-Length fields:\n{head}");
        Assert.True(lengths.Length == 0 || codings.Length == 0, $"Content-Length beside Transfer-Encoding:\n{head}");
        Assert.True(lengths.All(l => Digits().IsMatch(l)), $"Content-Length is not 1*DIGIT:\n{head}");
        if (code < 200 || code is 204 or 304 || headRequest)
        {
            return new StrictReply(code, head, [], close);
        }
        using var body = new MemoryStream();
        if (codings.Length > 0 && Is(string.Join(",", codings).Split(',')[^1].Trim(), "chunked"))
        {
            Assert.True(codings.Length == 1 && Is(codings[0].Trim(), "chunked"), $"Transfer-Encoding other than one chunked:\n{head}");
            return await ReadChunkedAsync(body, cancellationToken) ? new StrictReply(code, head, body.ToArray(), close) : null;
        }
        if (lengths.Length == 1)
        {
            var length = long.Parse(lengths[0], CultureInfo.InvariantCulture);
            return await CopyAsync(body, length, cancellationToken) ? new StrictReply(code, head, body.ToArray(), close) : null;
        }
        // Delimited by the close: a response that says so (the hub always says Connection: close then).
        Assert.True(close, $"A response without a length on a connection that stays open:\n{head}");
        while (await FillAsync(cancellationToken))
        {
        }
        body.Write(_buffer, _start, _end - _start);
        _start = _end;
        return new StrictReply(code, head, body.ToArray(), true);
    }

    private async Task<bool> ReadChunkedAsync(MemoryStream body, CancellationToken cancellationToken)
    {
        while (true)
        {
            var line = await ReadUntilAsync(LineEnd, cancellationToken);
            if (line is null)
            {
                return false;
            }
            BareLineEnds.Refuse(line, "chunk line");
            Assert.True(ChunkLine().IsMatch(line), $"Invalid chunk line: {line}");
            var size = Convert.ToInt64(line.Split(';')[0].Trim(' ', '\t'), 16);
            if (size == 0)
            {
                var trailers = new List<string>();
                while ((line = await ReadUntilAsync(LineEnd, cancellationToken)) is { Length: > 0 })
                {
                    trailers.Add(line);
                }
                if (line is null)
                {
                    return false;
                }
                trailers.ForEach(t => BareLineEnds.Refuse(t, "trailer"));
                ParseFields(trailers, "trailer");
                return true;
            }
            if (!await CopyAsync(body, size, cancellationToken))
            {
                return false;
            }
            var end = await ReadUntilAsync(LineEnd, cancellationToken);
            if (end is null)
            {
                return false;
            }
            Assert.True(end.Length == 0, "Chunk data longer than its size");
        }
    }

    private static List<(string Name, string Value)> ParseFields(IEnumerable<string> lines, string what)
    {
        var fields = new List<(string, string)>();
        foreach (var line in lines)
        {
            var match = Field().Match(line);
            Assert.True(match.Success, $"Invalid {what} line: {line}");
            fields.Add((match.Groups[1].Value, match.Groups[2].Value.Trim(' ', '\t')));
        }
        return fields;
    }

    private static bool Is(string a, string b) => a.Equals(b, StringComparison.OrdinalIgnoreCase);

    private async Task<bool> CopyAsync(MemoryStream body, long length, CancellationToken cancellationToken)
    {
        while (length > 0)
        {
            if (_end == _start && !await FillAsync(cancellationToken))
            {
                return false;
            }
            var take = (int)Math.Min(length, _end - _start);
            body.Write(_buffer, _start, take);
            _start += take;
            length -= take;
        }
        return true;
    }

    /// <summary>Text up to <paramref name="delimiter"/> (consumed, not returned); null when the peer closed first.</summary>
    private async Task<string?> ReadUntilAsync(ReadOnlyMemory<byte> delimiter, CancellationToken cancellationToken)
    {
        while (true)
        {
            var found = _buffer.AsSpan(_start, _end - _start).IndexOf(delimiter.Span);
            if (found >= 0)
            {
                var text = Encoding.Latin1.GetString(_buffer, _start, found);
                _start += found + delimiter.Length;
                return text;
            }
            if (!await FillAsync(cancellationToken))
            {
                return null;
            }
        }
    }

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_eof)
        {
            return false;
        }
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
        var read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken);
        Received.Append(Encoding.Latin1.GetString(_buffer, _end, read));
        _end += read;
        _eof = read == 0;
        return read > 0;
    }

    public void Dispose() => _socket.Dispose();

    [GeneratedRegex(@"^HTTP/1\.1 ([1-5][0-9][0-9])( [\t\x20-\x7E\x80-\xFF]*)?$")]
    private static partial Regex StatusLine();

    [GeneratedRegex(@"^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):([\t\x20-\x7E\x80-\xFF]*)$")]
    private static partial Regex Field();

    [GeneratedRegex(@"^[0-9]+$")]
    private static partial Regex Digits();

    // chunk-size [ chunk-ext ]: 1*HEXDIG *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ), no controls.
    [GeneratedRegex(@"^[0-9A-Fa-f]{1,16}([ \t]*;[\t\x20-\x7E\x80-\xFF]*)?$")]
    private static partial Regex ChunkLine();
}
