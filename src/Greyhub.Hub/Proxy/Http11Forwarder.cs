using System.Buffers;
using System.Buffers.Text;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Proxy;

/// <summary>How a forwarded exchange ended.</summary>
internal enum ForwardOutcome
{
    /// <summary>The server's response went to the client (or the client left).</summary>
    Done,

    /// <summary>The server could not be reached or dropped the connection before answering (503).</summary>
    NotAnswering,

    /// <summary>The server answered something that is not HTTP/1.1 (502).</summary>
    BadResponse,

    /// <summary>The server went quiet for longer than the activity timeout before answering (504).</summary>
    TimedOut,

    /// <summary>The exchange failed after the response had started: the client connection was aborted.</summary>
    Aborted,
}

/// <summary>
/// The proxy's hot path: forwards an HTTP/1.x request without a body to a server over a kept-alive connection, with
/// one send and one receive each way and no per-request objects beyond the response's header strings. Through YARP's
/// forwarder the same request costs about a quarter more proxy CPU (measured on 2 cores, see benchmarks/compute), and
/// that was the gap to the proxy's target. Everything this path does not take (WebSocket upgrades, request bodies,
/// <c>Expect</c>, HTTP/2 clients) goes through YARP. Semantics follow YARP's: hop-by-hop headers are dropped both ways,
/// the client's Host is kept, X-Forwarded-Host/Proto/For are added, and the request target goes out byte for byte as
/// the client sent it.
/// </summary>
internal sealed partial class Http11Forwarder(IOptions<ProxyOptions> options, ILogger<Http11Forwarder> logger)
{
    private static readonly SearchValues<string> HopByHop = SearchValues.Create(
        ["Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Transfer-Encoding", "Upgrade"], StringComparison.OrdinalIgnoreCase);

    // What Kestrel refuses in a response header (it would throw while the head is copied): the server's head is then invalid.
    private static readonly SearchValues<byte> TokenBytes = SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);
    private static readonly SearchValues<byte> ControlBytes = SearchValues.Create(
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 127]);

    // Response header names are interned so a forwarded response allocates only its header values.
    private static readonly string[][] KnownNames = BuildKnownNames(
        "Accept-Ranges", "Access-Control-Allow-Origin", "Age", "Cache-Control", "Content-Disposition", "Content-Encoding",
        "Content-Language", "Content-Location", "Content-Range", "Content-Security-Policy", "Content-Type", "Date", "ETag", "Expires",
        "Last-Modified", "Location", "Pragma", "Referrer-Policy", "Retry-After", "Server", "Set-Cookie", "Strict-Transport-Security", "Vary",
        "WWW-Authenticate", "X-Content-Type-Options", "X-Frame-Options", "X-JupyterHub-Version", "X-XSS-Protection");

    private readonly ProxyOptions _options = options.Value;

    /// <summary>True when this path can carry the request; decided before anything is sent.</summary>
    public static bool CanForward(HttpRequest request)
    {
        if (!HttpProtocol.IsHttp11(request.Protocol) && !HttpProtocol.IsHttp10(request.Protocol))
        {
            return false;
        }
        if (request.ContentLength is > 0)
        {
            return false;
        }
        var headers = request.Headers;
        if (headers.TransferEncoding.Count > 0 || headers.Upgrade.Count > 0 || headers.Expect.Count > 0 || headers.Host.Count != 1)
        {
            return false;
        }
        var target = request.HttpContext.Features.Get<IHttpRequestFeature>()?.RawTarget;
        return target is { Length: > 0 } && target[0] == '/';
    }

    /// <summary>Forwards one exchange to <paramref name="pool"/>'s server.</summary>
    public async Task<ForwardOutcome> ForwardAsync(HttpContext context, UpstreamPool pool)
    {
        var reused = pool.TryRent();
        var connection = reused ?? await ConnectOrNullAsync(context, pool);
        if (connection is null)
        {
            return ForwardOutcome.NotAnswering;
        }
        var result = await ExchangeAsync(context, pool, connection);
        if (result == ForwardOutcome.NotAnswering && reused is not null && !context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            // A kept-alive connection the server had closed meanwhile: nothing reached the server's handler (the
            // request has no body and no response byte came back), so a fresh connection gets it, as HttpClient does.
            connection = await ConnectOrNullAsync(context, pool);
            if (connection is null)
            {
                return ForwardOutcome.NotAnswering;
            }
            result = await ExchangeAsync(context, pool, connection);
        }
        if (result == ForwardOutcome.NotAnswering && !context.RequestAborted.IsCancellationRequested)
        {
            Log.NoAnswer(logger, pool.EndPoint, context.Request.Path.Value);
        }
        return result;
    }

    private async Task<UpstreamConnection?> ConnectOrNullAsync(HttpContext context, UpstreamPool pool)
    {
        try
        {
            return await pool.ConnectAsync(_options.ConnectTimeout, context.RequestAborted);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            if (!context.RequestAborted.IsCancellationRequested)
            {
                Log.ConnectFailed(logger, pool.EndPoint, context.Request.Path.Value, e.Message);
            }
            return null;
        }
    }

    private async Task<ForwardOutcome> ExchangeAsync(HttpContext context, UpstreamPool pool, UpstreamConnection connection)
    {
        var aborted = context.RequestAborted;
        var response = context.Response;
        var reusable = false;
        var answered = false;
        using var registration = aborted.UnsafeRegister(static c => ((UpstreamConnection)c!).Abort(timedOut: false), connection);
        try
        {
            await SendHeadAsync(context, connection);
            var reader = new ResponseReader(connection, response.BodyWriter);
            var head = default(ResponseHead);
            while (true)
            {
                // The final response head; 1xx interim responses (100 Continue, 103 Early Hints) are dropped.
                var headEnd = await reader.ReadHeadAsync();
                if (headEnd < 0)
                {
                    if (reader.End == 0)
                    {
                        return ForwardOutcome.NotAnswering;
                    }
                    Log.HeadTooLarge(logger, pool.EndPoint, UpstreamConnection.BufferSize);
                    return ForwardOutcome.BadResponse;
                }
                answered = true;
                head = ParseHead(connection.Buffer.AsSpan(0, headEnd), context.Request, response);
                reader.Consume(headEnd + 4);
                if (head.Status is not (>= 100 and < 200) || head.Status == 101)
                {
                    break;
                }
            }
            if (head.Invalid)
            {
                Log.InvalidHead(logger, pool.EndPoint, head.Status);
                response.Headers.Clear();
                return ForwardOutcome.BadResponse;
            }
            bool complete;
            if (head.NoBody)
            {
                complete = true;
            }
            else if (head.Chunked)
            {
                complete = await reader.CopyChunkedAsync();
            }
            else
            {
                complete = await reader.CopyAsync(head.ContentLength);
            }
            if (!complete)
            {
                if (aborted.IsCancellationRequested)
                {
                    return ForwardOutcome.Aborted;
                }
                Log.CutShort(logger, pool.EndPoint, context.Request.Path.Value);
                context.Abort();
                return ForwardOutcome.Aborted;
            }
            // Reusable only when the response was framed, fully read and nothing more came after it.
            reusable = head.KeepAlive && (head.NoBody || head.Chunked || head.ContentLength >= 0) && reader.Remaining == 0 && !aborted.IsCancellationRequested;
            return ForwardOutcome.Done;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException or OperationCanceledException or InvalidDataException)
        {
            if (aborted.IsCancellationRequested)
            {
                return ForwardOutcome.Aborted;
            }
            var outcome = connection.TimedOut ? ForwardOutcome.TimedOut : e is InvalidDataException ? ForwardOutcome.BadResponse : ForwardOutcome.NotAnswering;
            if (!answered && outcome == ForwardOutcome.NotAnswering)
            {
                // Also what a stale kept-alive connection looks like; the caller retries those once.
                return outcome;
            }
            Log.Failed(logger, pool.EndPoint, context.Request.Path.Value, connection.TimedOut ? $"nothing heard for {_options.ActivityTimeout}" : e.Message);
            if (response.HasStarted)
            {
                context.Abort();
                return ForwardOutcome.Aborted;
            }
            response.Headers.Clear();
            return outcome;
        }
        finally
        {
            connection.Uses++;
            pool.Return(connection, reusable);
        }
    }

    /// <summary>Writes the request line and headers into the connection's buffer (or a larger rented one) and sends them.</summary>
    private static async ValueTask SendHeadAsync(HttpContext context, UpstreamConnection connection)
    {
        var request = context.Request;
        var target = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
        var host = request.Host.Value ?? "";
        var size = request.Method.Length + target.Length + 64 + (host.Length * 3);
        string? connectionTokens = null;
        foreach (var (name, values) in request.Headers)
        {
            foreach (var value in values)
            {
                size += name.Length + 4 + (Encoding.UTF8.GetMaxByteCount(value?.Length ?? 0));
            }
            if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
            {
                connectionTokens = values.ToString();
            }
        }
        byte[]? rented = null;
        var buffer = size <= connection.Buffer.Length ? connection.Buffer : (rented = ArrayPool<byte>.Shared.Rent(size));
        try
        {
            var span = buffer.AsSpan();
            var n = Encoding.ASCII.GetBytes(request.Method, span);
            span[n++] = (byte)' ';
            n += Encoding.UTF8.GetBytes(target, span[n..]);
            n += Write(span[n..], " HTTP/1.1\r\n"u8);
            foreach (var (name, values) in request.Headers)
            {
                if (HopByHop.Contains(name) || (connectionTokens is not null && ListsToken(connectionTokens, name)))
                {
                    continue;
                }
                foreach (var value in values)
                {
                    n += Encoding.ASCII.GetBytes(name, span[n..]);
                    n += Write(span[n..], ": "u8);
                    n += Encoding.UTF8.GetBytes(value ?? "", span[n..]);
                    n += Write(span[n..], "\r\n"u8);
                }
            }
            n += Write(span[n..], "X-Forwarded-Host: "u8);
            n += Encoding.UTF8.GetBytes(host, span[n..]);
            n += Write(span[n..], request.IsHttps ? "\r\nX-Forwarded-Proto: https\r\n"u8 : "\r\nX-Forwarded-Proto: http\r\n"u8);
            if (context.Connection.RemoteIpAddress is { } remote && remote.TryFormat(span[(n + 17)..], out var written))
            {
                Write(span[n..], "X-Forwarded-For: "u8);
                n += 17 + written;
                n += Write(span[n..], "\r\n"u8);
            }
            n += Write(span[n..], "\r\n"u8);
            var sent = 0;
            while (sent < n)
            {
                sent += await connection.Socket.SendAsync(buffer.AsMemory(sent, n - sent), SocketFlags.None);
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static int Write(Span<byte> destination, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(destination);
        return bytes.Length;
    }

    /// <summary>True when a Connection header value lists <paramref name="name"/> (a header to drop as hop-by-hop).</summary>
    private static bool ListsToken(string list, string name)
    {
        foreach (var range in list.AsSpan().Split(','))
        {
            if (list.AsSpan()[range].Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>What the response head says about framing and reuse.</summary>
    private record struct ResponseHead(int Status, bool Invalid, bool NoBody, bool Chunked, long ContentLength, bool KeepAlive);

    /// <summary>Parses a response head and copies status, reason and end-to-end headers onto <paramref name="response"/>.</summary>
    private static ResponseHead ParseHead(ReadOnlySpan<byte> head, HttpRequest request, HttpResponse response)
    {
        var lineEnd = head.IndexOf("\r\n"u8);
        var statusLine = lineEnd < 0 ? head : head[..lineEnd];
        // "HTTP/1.x SSS reason"
        if (statusLine.Length < 12 || !statusLine.StartsWith("HTTP/1."u8) || statusLine[8] != ' '
            || !Utf8Parser.TryParse(statusLine.Slice(9, 3), out int status, out var used) || used != 3 || (statusLine.Length > 12 && statusLine[12] != ' '))
        {
            return new ResponseHead(0, true, true, false, -1, false);
        }
        var http10 = statusLine[7] == '0';
        if (status is >= 100 and < 200 && status != 101)
        {
            return new ResponseHead(status, false, true, false, -1, false);
        }
        if (status is < 200 or > 999)
        {
            return new ResponseHead(status, true, true, false, -1, false);
        }
        response.StatusCode = status;
        var reason = statusLine.Length > 13 ? statusLine[13..] : default;
        if (!reason.IsEmpty && !Ascii.Equals(reason, ReasonPhrases.GetReasonPhrase(status)))
        {
            response.HttpContext.Features.GetRequiredFeature<IHttpResponseFeature>().ReasonPhrase = Encoding.Latin1.GetString(reason);
        }
        long contentLength = -1;
        bool chunked = false, otherCoding = false, close = false, keepAlive10 = false;
        List<string>? dropped = null;
        var headers = response.Headers;
        var rest = lineEnd < 0 ? default : head[(lineEnd + 2)..];
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf("\r\n"u8);
            var line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? default : rest[(end + 2)..];
            var colon = line.IndexOf((byte)':');
            if (colon <= 0 || line[0] is (byte)' ' or (byte)'\t' || line[..colon].ContainsAnyExcept(TokenBytes))
            {
                return new ResponseHead(status, true, true, false, -1, false);
            }
            var nameBytes = line[..colon];
            var valueBytes = line[(colon + 1)..].Trim(" \t"u8);
            if (valueBytes.ContainsAny(ControlBytes))
            {
                return new ResponseHead(status, true, true, false, -1, false);
            }
            if (Ascii.EqualsIgnoreCase(nameBytes, "Content-Length"u8))
            {
                if (!Utf8Parser.TryParse(valueBytes, out long length, out var consumed) || consumed != valueBytes.Length || length < 0
                    || (contentLength >= 0 && contentLength != length))
                {
                    return new ResponseHead(status, true, true, false, -1, false);
                }
                contentLength = length;
                continue;
            }
            if (Ascii.EqualsIgnoreCase(nameBytes, "Transfer-Encoding"u8))
            {
                var last = valueBytes[(valueBytes.LastIndexOf((byte)',') + 1)..].Trim(" \t"u8);
                chunked = Ascii.EqualsIgnoreCase(last, "chunked"u8);
                otherCoding = !chunked;
                continue;
            }
            if (Ascii.EqualsIgnoreCase(nameBytes, "Connection"u8))
            {
                foreach (var range in valueBytes.Split((byte)','))
                {
                    var token = valueBytes[range].Trim(" \t"u8);
                    if (Ascii.EqualsIgnoreCase(token, "close"u8))
                    {
                        close = true;
                    }
                    else if (Ascii.EqualsIgnoreCase(token, "keep-alive"u8))
                    {
                        keepAlive10 = true;
                    }
                    else if (!token.IsEmpty)
                    {
                        (dropped ??= []).Add(Encoding.ASCII.GetString(token));
                    }
                }
                continue;
            }
            if (Ascii.EqualsIgnoreCase(nameBytes, "Keep-Alive"u8) || Ascii.EqualsIgnoreCase(nameBytes, "Proxy-Connection"u8)
                || Ascii.EqualsIgnoreCase(nameBytes, "Trailer"u8) || Ascii.EqualsIgnoreCase(nameBytes, "Upgrade"u8))
            {
                continue;
            }
            var name = KnownName(nameBytes) ?? Encoding.ASCII.GetString(nameBytes);
            var value = Encoding.Latin1.GetString(valueBytes);
            if (ReferenceEquals(name, "Date") || ReferenceEquals(name, "Server"))
            {
                headers[name] = value;
            }
            else
            {
                headers.Append(name, value);
            }
        }
        if (dropped is not null)
        {
            dropped.ForEach(d => headers.Remove(d));
        }
        if (chunked || otherCoding)
        {
            // Transfer-Encoding wins over Content-Length (RFC 9112 6.3); a coding other than chunked is read to the end.
            contentLength = -1;
        }
        var noBody = HttpMethods.IsHead(request.Method) || status is 204 or 304;
        if (contentLength >= 0 && status != 204)
        {
            response.ContentLength = contentLength;
        }
        var keepAlive = !close && (!http10 || keepAlive10);
        return new ResponseHead(status, false, noBody, chunked && !noBody, noBody ? 0 : contentLength, keepAlive);
    }

    private static string? KnownName(ReadOnlySpan<byte> name)
    {
        if (name.Length >= KnownNames.Length)
        {
            return null;
        }
        foreach (var candidate in KnownNames[name.Length])
        {
            if (Ascii.EqualsIgnoreCase(name, candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    private static string[][] BuildKnownNames(params string[] names)
    {
        var byLength = new string[names.Max(n => n.Length) + 1][];
        for (var i = 0; i < byLength.Length; i++)
        {
            byLength[i] = [.. names.Where(n => n.Length == i)];
        }
        return byLength;
    }

    /// <summary>Reads a response from the connection's buffer and socket and copies its body to the client.</summary>
    private sealed class ResponseReader(UpstreamConnection connection, PipeWriter writer)
    {
        private readonly byte[] _buffer = connection.Buffer;
        private int _start;
        private int _end;
        private bool _flushed;

        /// <summary>Bytes read from the server so far that are not consumed.</summary>
        public int Remaining => _end - _start;

        /// <summary>End of the data in the buffer (0 when the server sent nothing at all).</summary>
        public int End => _end;

        /// <summary>
        /// Reads until a head (ending in an empty line) is at the start of the buffer and returns where its final CRLF
        /// starts, or -1 when the server closed first or the head does not fit in the buffer.
        /// </summary>
        public async ValueTask<int> ReadHeadAsync()
        {
            Compact();
            while (true)
            {
                var found = _buffer.AsSpan(0, _end).IndexOf("\r\n\r\n"u8);
                if (found >= 0)
                {
                    return found;
                }
                if (_end == _buffer.Length || !await ReceiveAsync())
                {
                    return -1;
                }
            }
        }

        /// <summary>Marks the first <paramref name="count"/> bytes as used.</summary>
        public void Consume(int count) => _start += count;

        /// <summary>Copies a body of <paramref name="length"/> bytes (or up to the server's close when -1); false when cut short.</summary>
        public async ValueTask<bool> CopyAsync(long length)
        {
            var left = length < 0 ? long.MaxValue : length;
            while (true)
            {
                var take = (int)Math.Min(_end - _start, left);
                if (take > 0)
                {
                    writer.Write(_buffer.AsSpan(_start, take));
                    _start += take;
                    left -= take;
                }
                if (left == 0)
                {
                    await FlushIfStartedAsync();
                    return true;
                }
                if (!await FlushAndReceiveAsync())
                {
                    if (length < 0)
                    {
                        await FlushIfStartedAsync();
                        return true;
                    }
                    return false;
                }
            }
        }

        /// <summary>Decodes a chunked body (extensions and trailers dropped) onto the client's response; false when cut short.</summary>
        public async ValueTask<bool> CopyChunkedAsync()
        {
            while (true)
            {
                var line = await ReadLineAsync();
                if (line < 0)
                {
                    return false;
                }
                var sizeText = _buffer.AsSpan(_start, line);
                var semicolon = sizeText.IndexOf((byte)';');
                if (semicolon >= 0)
                {
                    sizeText = sizeText[..semicolon];
                }
                sizeText = sizeText.Trim(" \t"u8);
                if (sizeText.IsEmpty || !Utf8Parser.TryParse(sizeText, out long size, out var used, 'X') || used != sizeText.Length || size < 0)
                {
                    throw new InvalidDataException("Invalid chunk size");
                }
                _start += line + 2;
                if (size == 0)
                {
                    // Trailer section: header lines until an empty one.
                    while (true)
                    {
                        line = await ReadLineAsync();
                        if (line < 0)
                        {
                            return false;
                        }
                        _start += line + 2;
                        if (line == 0)
                        {
                            await FlushIfStartedAsync();
                            return true;
                        }
                    }
                }
                while (size > 0)
                {
                    if (_end == _start && !await FlushAndReceiveAsync())
                    {
                        return false;
                    }
                    var take = (int)Math.Min(_end - _start, size);
                    writer.Write(_buffer.AsSpan(_start, take));
                    _start += take;
                    size -= take;
                }
                line = await ReadLineAsync();
                if (line < 0)
                {
                    return false;
                }
                if (line != 0)
                {
                    throw new InvalidDataException("Chunk data longer than its size");
                }
                _start += 2;
            }
        }

        /// <summary>Length of the next line (without CRLF) at the start of the unread data; -1 when the server closed first.</summary>
        private async ValueTask<int> ReadLineAsync()
        {
            while (true)
            {
                var found = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8);
                if (found >= 0)
                {
                    return found;
                }
                if (_end - _start >= 4096)
                {
                    throw new InvalidDataException("Chunk line too long");
                }
                if (!await FlushAndReceiveAsync())
                {
                    return -1;
                }
            }
        }

        /// <summary>Sends what was copied so far to the client, then waits for more from the server.</summary>
        private async ValueTask<bool> FlushAndReceiveAsync()
        {
            await FlushAsync();
            return await ReceiveAsync();
        }

        /// <summary>
        /// Sends the tail of a body whose start was already flushed: Kestrel's end of response sends unflushed bytes
        /// only while the head has not gone out (it then sends both at once, one send for a small response).
        /// </summary>
        private ValueTask FlushIfStartedAsync() => _flushed ? FlushAsync() : ValueTask.CompletedTask;

        private async ValueTask FlushAsync()
        {
            if (writer.UnflushedBytes == 0)
            {
                return;
            }
            _flushed = true;
            var flushed = await writer.FlushAsync();
            if (flushed.IsCanceled || flushed.IsCompleted)
            {
                throw new OperationCanceledException("The client went away");
            }
        }

        private async ValueTask<bool> ReceiveAsync()
        {
            Compact();
            var read = await connection.Socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None);
            if (read == 0)
            {
                return false;
            }
            connection.Touch();
            _end += read;
            return true;
        }

        /// <summary>Moves unread bytes to the front so the buffer's tail is free.</summary>
        private void Compact()
        {
            if (_start == 0)
            {
                return;
            }
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "Proxy: cannot connect to {EndPoint} for {Path}: {Error}")]
        public static partial void ConnectFailed(ILogger logger, System.Net.EndPoint endPoint, string? path, string error);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Proxy: {EndPoint} closed the connection without answering {Path}")]
        public static partial void NoAnswer(ILogger logger, System.Net.EndPoint endPoint, string? path);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Proxy: {EndPoint} sent a response head that is cut short or over {Size} bytes")]
        public static partial void HeadTooLarge(ILogger logger, System.Net.EndPoint endPoint, int size);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Proxy: {EndPoint} sent an invalid response head (status {Status})")]
        public static partial void InvalidHead(ILogger logger, System.Net.EndPoint endPoint, int status);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Proxy: {EndPoint} closed the connection in the middle of the response to {Path}")]
        public static partial void CutShort(ILogger logger, System.Net.EndPoint endPoint, string? path);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Proxy: {EndPoint} failed while answering {Path}: {Error}")]
        public static partial void Failed(ILogger logger, System.Net.EndPoint endPoint, string? path, string error);
    }
}
