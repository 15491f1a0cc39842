using System.Buffers;
using System.Net.Sockets;
using Greyhub.Proxy.Sni.Parsing;
using Microsoft.Extensions.Logging;

namespace Greyhub.Proxy.Sni;

/// <summary>
/// One client connection: reads its ClientHello within the size and time limits, picks the backend by server name,
/// replays the bytes read so far to it, then copies both ways until both sides have closed. TLS stays end to end;
/// a client refused for any reason never causes a connection to a backend.
/// </summary>
internal sealed partial class SniConnection(Socket client, SniProxyOptions options, SniRoutes routes, TimeProvider time, ILogger logger)
{
    // A fatal unrecognized_name alert (RFC 6066 §3), so a client with a wrong name gets a readable TLS error.
    private static readonly byte[] UnrecognizedNameAlert = [0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x70];

    // Room for record headers around the ClientHello: a client fragmenting into tiny records runs out of room and is refused.
    private const int RecordOverheadBytes = 1024;
    private const int CopyBufferBytes = 16 * 1024;

    public async Task RunAsync(CancellationToken stopping)
    {
        using var _ = client;
        client.NoDelay = true;
        var hello = ArrayPool<byte>.Shared.Rent(options.MaxClientHelloBytes + RecordOverheadBytes);
        try
        {
            var (result, length) = await ReadClientHelloAsync(hello, stopping);
            if (result.Status != ClientHelloStatus.Found)
            {
                LogRefused(result.Status);
                return;
            }
            if (!routes.TryGet(result.ServerName!, out var backend))
            {
                LogUnknownName(result.ServerName!);
                await client.SendAsync(UnrecognizedNameAlert, SocketFlags.None, stopping);
                client.Shutdown(SocketShutdown.Send); // FIN after the alert, so the client reads it before the close.
                return;
            }
            using var upstream = await ConnectAsync(backend, result.ServerName!, stopping);
            if (upstream is null)
            {
                return;
            }
            await upstream.SendAsync(hello.AsMemory(0, length), SocketFlags.None, stopping);
            ArrayPool<byte>.Shared.Return(hello);
            hello = null;
            await Task.WhenAll(PumpAsync(client, upstream, stopping), PumpAsync(upstream, client, stopping));
        }
        catch (SocketException)
        {
            // A peer reset the connection: nothing to report.
        }
        finally
        {
            if (hello is not null)
            {
                ArrayPool<byte>.Shared.Return(hello);
            }
        }
    }

    private async Task<(ClientHelloResult Result, int Length)> ReadClientHelloAsync(byte[] buffer, CancellationToken stopping)
    {
        using var deadline = new CancellationTokenSource(options.ClientHelloTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, stopping);
        var limit = options.MaxClientHelloBytes + RecordOverheadBytes;
        var filled = 0;
        var wholeRecords = 0;
        try
        {
            while (true)
            {
                var read = await client.ReceiveAsync(buffer.AsMemory(filled, limit - filled), SocketFlags.None, linked.Token);
                if (read == 0)
                {
                    return (new(ClientHelloStatus.Malformed), filled); // Closed before a whole ClientHello.
                }
                filled += read;
                var end = ClientHelloParser.WholeRecordsEnd(buffer.AsSpan(0, filled), wholeRecords);
                if (end > wholeRecords || buffer[0] != 0x16)
                {
                    wholeRecords = end;
                    var result = ClientHelloParser.Parse(buffer.AsSpan(0, filled), options.MaxClientHelloBytes);
                    if (result.Status != ClientHelloStatus.NeedMore)
                    {
                        return (result, filled);
                    }
                }
                if (filled == limit)
                {
                    return (new(ClientHelloStatus.TooLarge), filled);
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !stopping.IsCancellationRequested)
        {
            LogSlowClient(options.ClientHelloTimeout);
            return (new(ClientHelloStatus.NeedMore), filled);
        }
    }

    private async Task<Socket?> ConnectAsync(SniBackend backend, string serverName, CancellationToken stopping)
    {
        using var deadline = new CancellationTokenSource(options.ConnectTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, stopping);
        var upstream = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await upstream.ConnectAsync(backend.Host, backend.Port, linked.Token);
            return upstream;
        }
        catch (Exception e) when (e is SocketException || (e is OperationCanceledException && !stopping.IsCancellationRequested))
        {
            upstream.Dispose();
            LogConnectFailed(serverName, backend.Host, backend.Port, e.Message);
            return null;
        }
    }

    /// <summary>
    /// Copies <paramref name="from"/> to <paramref name="to"/>; at end of stream, half-closes <paramref name="to"/> so the
    /// other direction keeps flowing. One buffer per direction for the connection's life: Dask's many small messages
    /// cost one receive and one send each (a zero-byte read before each would free idle memory at two more system
    /// calls per message, measured in benchmarks/clusters-tls).
    /// </summary>
    private static async Task PumpAsync(Socket from, Socket to, CancellationToken stopping)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferBytes);
        try
        {
            int read;
            while ((read = await from.ReceiveAsync(buffer, SocketFlags.None, stopping)) > 0)
            {
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, stopping);
            }
            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // One side broke: end both directions.
            from.Dispose();
            to.Dispose();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    [LoggerMessage(EventId = SniEvents.Refused, Level = LogLevel.Debug, Message = "SNI proxy refused a connection: {Status}")]
    private partial void LogRefused(ClientHelloStatus status);

    [LoggerMessage(EventId = SniEvents.SlowClient, Level = LogLevel.Debug, Message = "SNI proxy closed a client that sent no whole ClientHello within {Timeout}")]
    private partial void LogSlowClient(TimeSpan timeout);

    [LoggerMessage(EventId = SniEvents.UnknownName, Level = LogLevel.Information, Message = "SNI proxy has no route for {ServerName}")]
    private partial void LogUnknownName(string serverName);

    [LoggerMessage(EventId = SniEvents.ConnectFailed, Level = LogLevel.Warning, Message = "SNI proxy could not connect {ServerName} to {Host}:{Port}: {Error}")]
    private partial void LogConnectFailed(string serverName, string host, int port, string error);
}
