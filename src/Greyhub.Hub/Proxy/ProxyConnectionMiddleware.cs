using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using Greyhub.Hub.Hosting;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Proxy;

/// <summary>
/// The proxy's hot path, below HTTP: a Kestrel connection middleware that reads each request head off the client's
/// connection and, when it is a plain HTTP/1.1 request without a body for a running server, forwards it over a
/// kept-alive connection from the route's pool and copies the server's response back byte for byte (hop-by-hop
/// headers dropped both ways, X-Forwarded-* added). No HttpContext, no header dictionaries, no middleware run: this is
/// how configurable-http-proxy and nginx sit in front of servers, and on 2 cores it is what brings the proxy within
/// reach of nginx itself (see benchmarks/compute). The first request on a connection that this path does not take (the
/// hub's own pages and API, a body, a WebSocket upgrade, anything unusual) is left unread and the connection is handed
/// to Kestrel's HTTP stack for good, where <see cref="ProxyMiddleware"/> forwards through YARP.
/// </summary>
internal sealed partial class ProxyConnectionMiddleware
{
    private const int MaxHead = 32 * 1024;

    private static readonly SearchValues<byte> TokenBytes = SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    // Bytes a request target or header value may not hold on this path (controls, space in a target, non-ASCII):
    // such a request goes to Kestrel, which answers 400 or handles it as it always has.
    private static readonly SearchValues<byte> NotTargetBytes = SearchValues.Create([.. Enumerable.Range(0, 0x21).Select(b => (byte)b), .. Enumerable.Range(0x7F, 0x81).Select(b => (byte)b)]);
    private static readonly SearchValues<byte> NotValueBytes = SearchValues.Create([.. Enumerable.Range(0, 0x20).Where(b => b != '\t').Select(b => (byte)b), .. Enumerable.Range(0x7F, 0x81).Select(b => (byte)b)]);

    private readonly ProxyRouteTable _routes;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ProxyOptions _options;
    private readonly byte[]? _prefix;
    private readonly string _home;
    private readonly ProxyClientConnections _clients;

    public ProxyConnectionMiddleware(ProxyRouteTable routes, HubUrls urls, TimeProvider time, IOptions<ProxyOptions> options, ProxyClientConnections clients, ILogger<ProxyConnectionMiddleware> logger)
    {
        _routes = routes;
        _time = time;
        _logger = logger;
        _options = options.Value;
        _clients = clients;
        _home = urls.Hub + "home";
        var prefix = urls.Base + "user/";
        // A base URL with characters that need escaping arrives escaped; such a hub leaves every request to Kestrel.
        _prefix = Ascii.IsValid(prefix) && prefix.AsSpan().IndexOfAny(" %?#") < 0 ? Encoding.ASCII.GetBytes(prefix) : null;
    }

    /// <summary>Wraps Kestrel's connection pipeline (for <c>ListenOptions.Use</c>).</summary>
    public ConnectionDelegate Wrap(ConnectionDelegate next) =>
        _prefix is null || !_options.FastPath ? next : connection => RunAsync(connection, next);

    private async Task RunAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        var input = connection.Transport.Input;
        using var client = _clients.Add(connection);
        client.WaitingForRequest();
        while (true)
        {
            ReadResult read;
            try
            {
                read = await input.ReadAsync();
            }
            catch (Exception e) when (e is IOException or ConnectionResetException or ConnectionAbortedException or SocketException)
            {
                return;
            }
            var buffer = read.Buffer;
            if (read.IsCanceled || (buffer.IsEmpty && read.IsCompleted))
            {
                // Idle and asked to close (shutdown, keep-alive timeout), or the client closed.
                return;
            }
            client.ReadingRequest();
            var head = Inspect(buffer, out var request);
            if (head == Verdict.NeedMore && !read.IsCompleted && buffer.Length < MaxHead && !client.CloseRequested)
            {
                input.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }
            if (head != Verdict.Forward || client.CloseRequested)
            {
                // Kestrel reads this request again from the start and keeps the connection from now on.
                input.AdvanceTo(buffer.Start);
                client.HandedOver();
                await next(connection);
                return;
            }
            try
            {
                if (!await ForwardAsync(connection, client, buffer, request) || client.CloseRequested)
                {
                    return;
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // The client's connection failed while the response (or an error page) was being written to it.
                return;
            }
            client.WaitingForRequest();
        }
    }

    /// <summary>How a forwarded exchange ended.</summary>
    private enum ForwardOutcome
    {
        /// <summary>The server's response went to the client.</summary>
        Done,

        /// <summary>The server could not be reached or dropped the connection before answering (503).</summary>
        NotAnswering,

        /// <summary>The server answered something that is not HTTP/1.x (502).</summary>
        BadResponse,

        /// <summary>The server went quiet for longer than the activity timeout before answering (504).</summary>
        TimedOut,

        /// <summary>The exchange failed after the response had started, or the client left: the connection ends.</summary>
        Aborted,
    }

    private enum Verdict
    {
        NeedMore,
        HandOver,
        Forward,
    }

    /// <summary>Where the parts of a request head are (offsets into the contiguous head).</summary>
    private struct RequestHead
    {
        public byte[]? Copy;
        public int Length;
        public int TargetStart;
        public int TargetLength;
        public int HostStart;
        public int HostLength;
        public int ConnectionStart;
        public int ConnectionLength;
        public bool Close;
        public bool ForwardedHost;
        public bool ForwardedProto;
        public ProxyRoute Route;
    }

    /// <summary>Decides whether this path takes the request at the start of <paramref name="buffer"/>.</summary>
    private Verdict Inspect(ReadOnlySequence<byte> buffer, out RequestHead request)
    {
        request = default;
        var first = buffer.FirstSpan;
        if (first.Length > 0 && first[0] is < (byte)'A' or > (byte)'Z')
        {
            // Not an HTTP/1 method (TLS, HTTP/2's preface starts with PRI but is caught below): Kestrel's.
            return Verdict.HandOver;
        }
        ReadOnlySpan<byte> span;
        var end = first.IndexOf("\r\n\r\n"u8);
        if (end >= 0)
        {
            span = first[..(end + 4)];
        }
        else if (!buffer.IsSingleSegment)
        {
            var reader = new SequenceReader<byte>(buffer);
            if (!reader.TryReadTo(out ReadOnlySequence<byte> _, "\r\n\r\n"u8, advancePastDelimiter: true))
            {
                return IncompleteHead(buffer);
            }
            var length = (int)reader.Consumed;
            if (length > MaxHead)
            {
                return Verdict.HandOver;
            }
            request.Copy = ArrayPool<byte>.Shared.Rent(length);
            buffer.Slice(0, length).CopyTo(request.Copy);
            span = request.Copy.AsSpan(0, length);
        }
        else
        {
            return IncompleteHead(buffer);
        }
        var verdict = Parse(span, ref request);
        if (verdict != Verdict.Forward && request.Copy is not null)
        {
            ArrayPool<byte>.Shared.Return(request.Copy);
            request.Copy = null;
        }
        return verdict;
    }

    /// <summary>
    /// No CRLF CRLF yet: wait for more, unless the head ends in bare line feeds, which only Kestrel accepts (it would
    /// never end here).
    /// </summary>
    private static Verdict IncompleteHead(ReadOnlySequence<byte> buffer)
    {
        var reader = new SequenceReader<byte>(buffer);
        if (reader.TryReadTo(out ReadOnlySequence<byte> _, "\n\n"u8))
        {
            return Verdict.HandOver;
        }
        reader.Rewind(reader.Consumed);
        return reader.TryReadTo(out ReadOnlySequence<byte> _, "\n\r\n"u8) ? Verdict.HandOver : Verdict.NeedMore;
    }

    private Verdict Parse(ReadOnlySpan<byte> head, ref RequestHead request)
    {
        request.Length = head.Length;
        // Request line: METHOD SP /target SP HTTP/1.1
        var lineEnd = head.IndexOf("\r\n"u8);
        var line = head[..lineEnd];
        var sp = line.IndexOf((byte)' ');
        if (sp <= 0 || line[..sp].ContainsAnyExcept(TokenBytes) || !line.EndsWith(" HTTP/1.1"u8))
        {
            return Verdict.HandOver;
        }
        var target = line[(sp + 1)..^9];
        if (!target.StartsWith(_prefix) || target.ContainsAny(NotTargetBytes))
        {
            return Verdict.HandOver;
        }
        // The user and server segments must be plain (an escaped name is matched by Kestrel's decoded path).
        var userPath = target[_prefix!.Length..];
        var segments = userPath.IndexOfAny((byte)'?', (byte)'#');
        var names = segments < 0 ? userPath : userPath[..segments];
        var second = names.IndexOf((byte)'/');
        if (second >= 0)
        {
            var third = names[(second + 1)..].IndexOf((byte)'/');
            names = third < 0 ? names[..second] : names[..(second + 1 + third)];
        }
        if (names.Contains((byte)'%') || _routes.Match(userPath) is not { Upstream: not null } route)
        {
            return Verdict.HandOver;
        }
        request.Route = route;
        request.TargetStart = sp + 1;
        request.TargetLength = target.Length;
        var hosts = 0;
        var position = lineEnd + 2;
        while (true)
        {
            var rest = head[position..];
            var end = rest.IndexOf("\r\n"u8);
            if (end == 0)
            {
                break;
            }
            var header = rest[..end];
            var colon = header.IndexOf((byte)':');
            if (colon <= 0 || header[..colon].ContainsAnyExcept(TokenBytes) || header[(colon + 1)..].ContainsAny(NotValueBytes))
            {
                return Verdict.HandOver;
            }
            var name = header[..colon];
            var value = header[(colon + 1)..].Trim(" \t"u8);
            switch (Classify(name))
            {
                case HeaderKind.Host:
                    hosts++;
                    request.HostStart = position + colon + 1 + header[(colon + 1)..].IndexOf(value);
                    request.HostLength = value.Length;
                    break;
                case HeaderKind.ContentLength when !value.SequenceEqual("0"u8):
                case HeaderKind.TransferEncoding:
                case HeaderKind.Upgrade:
                case HeaderKind.Expect:
                    return Verdict.HandOver;
                case HeaderKind.Connection when request.ConnectionLength > 0:
                    return Verdict.HandOver;
                case HeaderKind.Connection:
                    foreach (var range in value.Split((byte)','))
                    {
                        request.Close |= Ascii.EqualsIgnoreCase(value[range].Trim(" \t"u8), "close"u8);
                    }
                    // The headers it lists are hop-by-hop too, dropped with it.
                    request.ConnectionStart = position + colon + 1 + header[(colon + 1)..].IndexOf(value);
                    request.ConnectionLength = value.Length;
                    break;
                case HeaderKind.ForwardedHost:
                    request.ForwardedHost = true;
                    break;
                case HeaderKind.ForwardedProto:
                    request.ForwardedProto = true;
                    break;
            }
            position += end + 2;
        }
        return hosts == 1 && request.HostLength > 0 ? Verdict.Forward : Verdict.HandOver;
    }

    private enum HeaderKind
    {
        Other,
        Host,
        ContentLength,
        TransferEncoding,
        Upgrade,
        Expect,
        Connection,
        HopByHop,
        ForwardedFor,
        ForwardedHost,
        ForwardedProto,
    }

    private static HeaderKind Classify(ReadOnlySpan<byte> name) => name.Length switch
    {
        2 when Ascii.EqualsIgnoreCase(name, "TE"u8) => HeaderKind.HopByHop,
        4 when Ascii.EqualsIgnoreCase(name, "Host"u8) => HeaderKind.Host,
        6 when Ascii.EqualsIgnoreCase(name, "Expect"u8) => HeaderKind.Expect,
        7 when Ascii.EqualsIgnoreCase(name, "Upgrade"u8) => HeaderKind.Upgrade,
        7 when Ascii.EqualsIgnoreCase(name, "Trailer"u8) => HeaderKind.HopByHop,
        10 when Ascii.EqualsIgnoreCase(name, "Connection"u8) => HeaderKind.Connection,
        10 when Ascii.EqualsIgnoreCase(name, "Keep-Alive"u8) => HeaderKind.HopByHop,
        14 when Ascii.EqualsIgnoreCase(name, "Content-Length"u8) => HeaderKind.ContentLength,
        15 when Ascii.EqualsIgnoreCase(name, "X-Forwarded-For"u8) => HeaderKind.ForwardedFor,
        16 when Ascii.EqualsIgnoreCase(name, "Proxy-Connection"u8) => HeaderKind.HopByHop,
        16 when Ascii.EqualsIgnoreCase(name, "X-Forwarded-Host"u8) => HeaderKind.ForwardedHost,
        17 when Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8) => HeaderKind.TransferEncoding,
        17 when Ascii.EqualsIgnoreCase(name, "X-Forwarded-Proto"u8) => HeaderKind.ForwardedProto,
        _ => HeaderKind.Other,
    };

    /// <summary>
    /// Forwards one parsed request and copies the response; false when the client connection must end (the client
    /// asked to close, the response was delimited by the server's close, or the exchange failed after it started).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ForwardAsync(ConnectionContext connection, ProxyClientConnection client, ReadOnlySequence<byte> buffer, RequestHead request)
    {
        var route = request.Route;
        var pool = route.Upstream!;
        route.Touch(_time.GetUtcNow().UtcDateTime);
        byte[] outgoing;
        int outgoingLength;
        try
        {
            var head = request.Copy is not null ? request.Copy.AsSpan(0, request.Length) : buffer.FirstSpan[..request.Length];
            (outgoing, outgoingLength) = BuildUpstreamHead(head, request, connection.RemoteEndPoint);
        }
        finally
        {
            if (request.Copy is not null)
            {
                ArrayPool<byte>.Shared.Return(request.Copy);
            }
        }
        connection.Transport.Input.AdvanceTo(buffer.GetPosition(request.Length));
        try
        {
            var output = connection.Transport.Output;
            var result = await ExchangeWithRetryAsync(client, pool, outgoing.AsMemory(0, outgoingLength), output, request.Close, IsHead(outgoing));
            route.Touch(_time.GetUtcNow().UtcDateTime);
            if (result.Outcome is ForwardOutcome.Done)
            {
                return !result.CloseClient;
            }
            if (result.Outcome is ForwardOutcome.Aborted)
            {
                connection.Abort(new ConnectionAbortedException("The server's response failed after it had started"));
                return false;
            }
            var target = Encoding.ASCII.GetString(outgoing, request.TargetStart, request.TargetLength);
            await WriteErrorAsync(output, result.Outcome, target, request.Close);
            return !request.Close;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(outgoing);
        }
    }

    private static bool IsHead(byte[] outgoing) => outgoing.AsSpan().StartsWith("HEAD "u8);

    /// <summary>The head the server gets: the client's, minus hop-by-hop headers, plus X-Forwarded-Host/Proto/For.</summary>
    private static (byte[] Buffer, int Length) BuildUpstreamHead(ReadOnlySpan<byte> head, in RequestHead request, EndPoint? remote)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(head.Length + request.HostLength + 160);
        var span = buffer.AsSpan();
        var lineEnd = head.IndexOf("\r\n"u8) + 2;
        head[..lineEnd].CopyTo(span);
        var n = lineEnd;
        var position = lineEnd;
        var address = (remote as IPEndPoint)?.Address;
        if (address is { IsIPv4MappedToIPv6: true })
        {
            address = address.MapToIPv4();
        }
        var trusted = address is not null && IPAddress.IsLoopback(address);
        var listed = head.Slice(request.ConnectionStart, request.ConnectionLength);
        while (true)
        {
            var end = head[position..].IndexOf("\r\n"u8);
            if (end == 0)
            {
                break;
            }
            var header = head.Slice(position, end + 2);
            position += end + 2;
            var name = header[..header.IndexOf((byte)':')];
            var kind = Classify(name);
            if (kind is HeaderKind.Connection or HeaderKind.HopByHop || (kind is HeaderKind.ForwardedFor or HeaderKind.ForwardedHost or HeaderKind.ForwardedProto && !trusted) || ResponseFraming.Lists(listed, name))
            {
                // X-Forwarded-* from an untrusted client are dropped; from a proxy in front (on loopback, as the hub's
                // own forwarded-headers handling trusts) they are kept and ours follow, so the list grows as it should.
                continue;
            }
            header.CopyTo(span[n..]);
            n += header.Length;
        }
        if (!(trusted && request.ForwardedHost))
        {
            n += Write(span[n..], "X-Forwarded-Host: "u8);
            n += Write(span[n..], head.Slice(request.HostStart, request.HostLength));
            n += Write(span[n..], "\r\n"u8);
        }
        if (!(trusted && request.ForwardedProto))
        {
            n += Write(span[n..], "X-Forwarded-Proto: http\r\n"u8);
        }
        if (address is not null && address.TryFormat(span[(n + 17)..], out var written))
        {
            Write(span[n..], "X-Forwarded-For: "u8);
            n += 17 + written;
            n += Write(span[n..], "\r\n"u8);
        }
        n += Write(span[n..], "\r\n"u8);
        return (buffer, n);
    }

    private static int Write(Span<byte> destination, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(destination);
        return bytes.Length;
    }

    private readonly record struct Result(ForwardOutcome Outcome, bool CloseClient);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<Result> ExchangeWithRetryAsync(ProxyClientConnection client, UpstreamPool pool, ReadOnlyMemory<byte> head, PipeWriter output, bool clientClose, bool isHead)
    {
        var reused = pool.TryRent();
        var upstream = reused ?? await ConnectOrNullAsync(pool);
        if (upstream is null)
        {
            return new Result(ForwardOutcome.NotAnswering, clientClose);
        }
        var result = await ExchangeAsync(client, pool, upstream, head, output, clientClose, isHead);
        if (result.Outcome == ForwardOutcome.NotAnswering && reused is not null && !client.Gone)
        {
            // A kept-alive connection the server had closed meanwhile: nothing reached the server's handler (no body,
            // no response byte), so a fresh connection gets the request, as HttpClient does.
            upstream = await ConnectOrNullAsync(pool);
            if (upstream is null)
            {
                return new Result(ForwardOutcome.NotAnswering, clientClose);
            }
            result = await ExchangeAsync(client, pool, upstream, head, output, clientClose, isHead);
        }
        if (result.Outcome == ForwardOutcome.NotAnswering && !client.Gone)
        {
            Log.NoAnswer(_logger, pool.EndPoint);
        }
        return result;
    }

    private async Task<UpstreamConnection?> ConnectOrNullAsync(UpstreamPool pool)
    {
        try
        {
            return await pool.ConnectAsync(_options.ConnectTimeout, CancellationToken.None);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            Log.ConnectFailed(_logger, pool.EndPoint, e.Message);
            return null;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<Result> ExchangeAsync(ProxyClientConnection client, UpstreamPool pool, UpstreamConnection upstream, ReadOnlyMemory<byte> head, PipeWriter output, bool clientClose, bool isHead)
    {
        var reusable = false;
        var answered = false;
        var started = false;
        client.Forwarding(upstream);
        try
        {
            var sent = 0;
            while (sent < head.Length)
            {
                sent += await upstream.Socket.SendAsync(head[sent..], SocketFlags.None);
            }
            var reader = upstream.Reader(output);
            ResponseFraming framing;
            int headEnd;
            while (true)
            {
                headEnd = await reader.ReadHeadAsync();
                if (headEnd < 0)
                {
                    if (reader.End == 0)
                    {
                        return new Result(ForwardOutcome.NotAnswering, clientClose);
                    }
                    Log.HeadTooLarge(_logger, pool.EndPoint, UpstreamConnection.BufferSize);
                    return new Result(ForwardOutcome.BadResponse, clientClose);
                }
                answered = true;
                framing = ResponseFraming.Scan(upstream.Buffer.AsSpan(0, headEnd + 4), isHead);
                if (!framing.Interim)
                {
                    break;
                }
                reader.Consume(headEnd + 4);
            }
            if (framing.Invalid)
            {
                Log.InvalidHead(_logger, pool.EndPoint, framing.Status);
                return new Result(ForwardOutcome.BadResponse, clientClose);
            }
            var closeClient = clientClose || framing.ReadToClose;
            framing.CopyHead(upstream.Buffer.AsSpan(0, headEnd + 4), output, closeClient);
            reader.Consume(headEnd + 4);
            started = true;
            bool complete;
            if (framing.NoBody)
            {
                complete = true;
            }
            else if (framing.Chunked)
            {
                complete = await reader.CopyChunkedAsync();
            }
            else
            {
                complete = await reader.CopyAsync(framing.ContentLength);
            }
            if (!complete)
            {
                Log.CutShort(_logger, pool.EndPoint);
                return new Result(ForwardOutcome.Aborted, true);
            }
            var flushed = await output.FlushAsync();
            reusable = framing.KeepAlive && !framing.ReadToClose && reader.Remaining == 0 && !client.Gone;
            return new Result(flushed.IsCompleted || flushed.IsCanceled ? ForwardOutcome.Aborted : ForwardOutcome.Done, closeClient);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException or OperationCanceledException or InvalidDataException)
        {
            if (client.Gone)
            {
                return new Result(ForwardOutcome.Aborted, true);
            }
            var outcome = upstream.TimedOut ? ForwardOutcome.TimedOut : e is InvalidDataException ? ForwardOutcome.BadResponse : ForwardOutcome.NotAnswering;
            if (!answered && outcome == ForwardOutcome.NotAnswering)
            {
                return new Result(outcome, clientClose);
            }
            Log.Failed(_logger, pool.EndPoint, upstream.TimedOut ? $"nothing heard for {_options.ActivityTimeout}" : e.Message);
            return new Result(started ? ForwardOutcome.Aborted : outcome, true);
        }
        finally
        {
            client.Forwarded();
            upstream.Uses++;
            pool.Return(upstream, reusable);
        }
    }

    private async ValueTask WriteErrorAsync(PipeWriter output, ForwardOutcome outcome, string target, bool close)
    {
        var status = outcome switch
        {
            ForwardOutcome.BadResponse => 502,
            ForwardOutcome.TimedOut => 504,
            _ => 503,
        };
        var body = Encoding.UTF8.GetBytes(ProxyErrorPage.Html(status, Uri.UnescapeDataString(target.Split('?')[0]), _home));
        var head = $"HTTP/1.1 {status} {ProxyErrorPage.Title(status)[4..]}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {body.Length}\r\n{(close ? "Connection: close\r\n" : "")}\r\n";
        output.Write(Encoding.ASCII.GetBytes(head));
        output.Write(body);
        await output.FlushAsync();
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "Proxy: cannot connect to {EndPoint}: {Error}")]
        public static partial void ConnectFailed(ILogger logger, EndPoint endPoint, string error);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Proxy: {EndPoint} closed the connection without answering")]
        public static partial void NoAnswer(ILogger logger, EndPoint endPoint);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Proxy: {EndPoint} sent a response head that is cut short or over {Size} bytes")]
        public static partial void HeadTooLarge(ILogger logger, EndPoint endPoint, int size);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Proxy: {EndPoint} sent an invalid response head (status {Status})")]
        public static partial void InvalidHead(ILogger logger, EndPoint endPoint, int status);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Proxy: {EndPoint} closed the connection in the middle of a response")]
        public static partial void CutShort(ILogger logger, EndPoint endPoint);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Proxy: {EndPoint} failed while answering: {Error}")]
        public static partial void Failed(ILogger logger, EndPoint endPoint, string error);
    }
}
