using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Greyhub.Proxy;

/// <summary>One exchange with a server on a pooled connection: the request head out, the response checked and copied back.</summary>
internal sealed partial class ProxyConnectionMiddleware
{
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
            return new Result(flushed.IsCompleted || flushed.IsCanceled ? ForwardOutcome.ClientGone : ForwardOutcome.Done, closeClient);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException or OperationCanceledException or InvalidDataException)
        {
            if (client.Gone)
            {
                return new Result(ForwardOutcome.ClientGone, true);
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
            pool.Return(upstream, reusable);
        }
    }
}
