using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Greyhub.Proxy;

/// <summary>
/// The proxy's hot path, below HTTP: a Kestrel connection middleware that reads each request head off the client's
/// connection and, when it is a plain HTTP/1.1 GET or HEAD without a body that a route takes, forwards it over a
/// kept-alive connection from the route's pool and copies the server's response back byte for byte (hop-by-hop
/// headers dropped both ways, X-Forwarded-* added) once its head, chunk lines and trailers pass RFC 9112's grammar
/// strictly (anything else is a 502: never bytes that another reader could frame differently). No HttpContext, no header dictionaries, no middleware run: this is
/// how configurable-http-proxy and nginx sit in front of servers, and on 2 cores it is what brings the proxy within
/// reach of nginx itself (see benchmarks/compute). The first request on a connection that this path does not take (the
/// hub's own pages and API when in-process, no route, a body, a WebSocket upgrade, anything unusual) is left unread and the connection is handed
/// to Kestrel's HTTP stack for good, where <see cref="ProxyMiddleware"/> forwards through YARP (or, for a request no route takes, whatever the application runs).
/// </summary>
internal sealed partial class ProxyConnectionMiddleware
{
    private readonly RouteTable _routes;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ProxyOptions _options;
    private readonly ProxyErrorResponder _errors;
    private readonly ProxyClientConnections _clients;
    private readonly ProxyCounters _counters;
    private readonly IPNetwork[] _trustedProxies;

    public ProxyConnectionMiddleware(RouteTable routes, TimeProvider time, IOptions<ProxyOptions> options, ProxyErrorResponder errors,
        ProxyClientConnections clients, ProxyCounters counters, ILogger<ProxyConnectionMiddleware> logger)
    {
        _trustedProxies = TrustedProxies.Parse(options.Value.TrustedProxies);
        _routes = routes;
        _counters = counters;
        _time = time;
        _logger = logger;
        _options = options.Value;
        _errors = errors;
        _clients = clients;
    }

    /// <summary>Wraps Kestrel's connection pipeline (for <c>ListenOptions.Use</c>).</summary>
    public ConnectionDelegate Wrap(ConnectionDelegate next) =>
        !_options.FastPath ? next : connection => RunAsync(connection, next);

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
            var head = ProxyRequestHead.Read(buffer, _routes, out var request);
            if (head == RequestVerdict.NeedMore && !read.IsCompleted && buffer.Length < ProxyRequestHead.MaxLength && !client.CloseRequested)
            {
                input.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }
            if (head != RequestVerdict.Forward || client.CloseRequested)
            {
                // Kestrel reads this request again from the start and keeps the connection from now on.
                input.AdvanceTo(buffer.Start);
                client.HandedOver();
                _counters.Add(ProxyCount.Handover);
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

        /// <summary>The exchange failed after the response had started: the connection ends.</summary>
        Aborted,

        /// <summary>The client left during the exchange: the connection ends.</summary>
        ClientGone,
    }

    /// <summary>
    /// Forwards one parsed request and copies the response; false when the client connection must end (the client
    /// asked to close, the response was delimited by the server's close, or the exchange failed after it started).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ForwardAsync(ConnectionContext connection, ProxyClientConnection client, ReadOnlySequence<byte> buffer, ProxyRequestHead request)
    {
        var route = request.Route;
        var pool = route.Upstream!;
        route.Touch(_time.GetUtcNow().UtcDateTime);
        _counters.Add(ProxyCount.ConnectionLevelRequest);
        byte[] outgoing;
        int outgoingLength;
        try
        {
            var head = request.Copy is not null ? request.Copy.AsSpan(0, request.Length) : buffer.FirstSpan[..request.Length];
            var trusted = TrustedProxies.Contains(_trustedProxies, (connection.RemoteEndPoint as IPEndPoint)?.Address);
            (outgoing, outgoingLength) = ProxyRequestHead.BuildUpstreamHead(head, request, connection.RemoteEndPoint, trusted, _options.XForward);
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
            var result = await ExchangeWithRetryAsync(client, pool, outgoing.AsMemory(0, outgoingLength), output, request.Close, request.HeadMethod);
            route.Touch(_time.GetUtcNow().UtcDateTime);
            if (result.Outcome is ForwardOutcome.Done)
            {
                return !result.CloseClient;
            }
            if (result.Outcome is ForwardOutcome.Aborted or ForwardOutcome.ClientGone)
            {
                if (result.Outcome is ForwardOutcome.Aborted)
                {
                    _counters.Add(ProxyCount.CutShort);
                }
                connection.Abort(new ConnectionAbortedException("The exchange failed after the response had started"));
                return false;
            }
            var (status, failure) = result.Outcome switch
            {
                ForwardOutcome.BadResponse => (StatusCodes.Status502BadGateway, ProxyCount.BadResponse),
                ForwardOutcome.TimedOut => (StatusCodes.Status504GatewayTimeout, ProxyCount.TimedOut),
                _ => (StatusCodes.Status503ServiceUnavailable, ProxyCount.Unreachable),
            };
            _counters.Add(failure);
            var target = Encoding.ASCII.GetString(outgoing, request.TargetStart, request.TargetLength);
            await WriteErrorAsync(output, status, target, request.Close);
            return !request.Close;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(outgoing);
        }
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
            var connection = await pool.ConnectAsync(_options.ConnectTimeout, CancellationToken.None);
            _counters.Add(ProxyCount.UpstreamConnection);
            return connection;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            Log.ConnectFailed(_logger, pool.EndPoint, e.Message);
            return null;
        }
    }

    private async ValueTask WriteErrorAsync(PipeWriter output, int status, string target, bool close)
    {
        var page = await _errors.RenderAsync(status, target, CancellationToken.None);
        var encoding = page.ContentEncoding is null ? "" : $"Content-Encoding: {page.ContentEncoding}\r\n";
        var head = $"HTTP/1.1 {status} {ReasonPhrases.GetReasonPhrase(status)}\r\nContent-Type: {page.ContentType}\r\n{encoding}Content-Length: {page.Body.Length}\r\n{(close ? "Connection: close\r\n" : "")}\r\n";
        output.Write(Encoding.Latin1.GetBytes(head));
        output.Write(page.Body);
        await output.FlushAsync();
    }
}
