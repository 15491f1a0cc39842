using System.Buffers;
using System.Buffers.Text;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Greyhub.Proxy;

/// <summary>
/// Reads a server's response from an upstream connection's buffer and socket and copies its body to the client's
/// writer. It flushes only when it must wait for the server; the caller flushes at the end, so a small response goes
/// out in one send with its head.
/// </summary>
internal sealed class UpstreamResponseReader(UpstreamConnection connection)
{
    // As many as Kestrel takes in a request head.
    private const int MaxTrailers = 100;

    private readonly byte[] _buffer = connection.Buffer;
    private PipeWriter _writer = null!;
    private int _start;
    private int _end;

    /// <summary>Starts an exchange whose response goes to <paramref name="writer"/>.</summary>
    public UpstreamResponseReader Reset(PipeWriter writer)
    {
        _writer = writer;
        _start = _end = 0;
        return this;
    }

    /// <summary>Bytes read from the server so far that are not consumed.</summary>
    public int Remaining => _end - _start;

    /// <summary>End of the data in the buffer (0 when the server sent nothing at all).</summary>
    public int End => _end;

    /// <summary>
    /// Reads until a head (ending in an empty line) is at the start of the buffer and returns where its final CRLF
    /// starts, or -1 when the server closed first or the head does not fit in the buffer.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
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
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> CopyAsync(long length)
    {
        var left = length < 0 ? long.MaxValue : length;
        while (true)
        {
            var take = (int)Math.Min(_end - _start, left);
            if (take > 0)
            {
                _writer.Write(_buffer.AsSpan(_start, take));
                _start += take;
                left -= take;
            }
            if (left == 0)
            {
                return true;
            }
            if (!await FlushAndReceiveAsync())
            {
                // The server's close ends a body delimited by it, and cuts any other short.
                return length < 0;
            }
        }
    }

    /// <summary>
    /// Copies a chunked body to the client as the server sent it (extensions and trailers included), reading its
    /// framing only to know where it ends; false when cut short.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> CopyChunkedAsync()
    {
        while (true)
        {
            var line = await ReadLineAsync();
            if (line < 0)
            {
                return false;
            }
            // chunk-size [ chunk-ext ] (RFC 9112 7.1): 1*HEXDIG, then nothing or whitespace and ';' with no control byte
            // (a bare CR or LF among them would end the line early for the client).
            var sizeLine = _buffer.AsSpan(_start, line);
            var digits = sizeLine.IndexOfAnyExcept(HttpBytes.HexDigit);
            var sizeText = digits < 0 ? sizeLine : sizeLine[..digits];
            var extension = sizeLine[sizeText.Length..];
            if (sizeText.IsEmpty || sizeText.Length > 15 || !Utf8Parser.TryParse(sizeText, out long size, out var used, 'X') || used != sizeText.Length
                || (!extension.IsEmpty && !extension.TrimStart(" \t"u8).StartsWith(";"u8)) || extension.ContainsAny(HttpBytes.Control))
            {
                throw new InvalidDataException("Invalid chunk size line");
            }
            Pass(line + 2);
            if (size == 0)
            {
                // Trailer section: field lines until an empty one, each checked as a head's are.
                for (var trailers = 0; ; trailers++)
                {
                    line = await ReadLineAsync();
                    if (line < 0)
                    {
                        return false;
                    }
                    if (line > 0 && (trailers == MaxTrailers || !HttpBytes.IsFieldLine(_buffer.AsSpan(_start, line))))
                    {
                        throw new InvalidDataException("Invalid trailer");
                    }
                    Pass(line + 2);
                    if (line == 0)
                    {
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
                _writer.Write(_buffer.AsSpan(_start, take));
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
            Pass(2);
        }
    }

    /// <summary>Copies framing bytes (a size line, a CRLF, a trailer) to the client.</summary>
    private void Pass(int count)
    {
        _writer.Write(_buffer.AsSpan(_start, count));
        _start += count;
    }

    /// <summary>Length of the next line (without CRLF) at the start of the unread data; -1 when the server closed first.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
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
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> FlushAndReceiveAsync()
    {
        await FlushAsync();
        return await ReceiveAsync();
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask FlushAsync()
    {
        if (_writer.UnflushedBytes == 0)
        {
            return;
        }
        var flushed = await _writer.FlushAsync();
        if (flushed.IsCanceled || flushed.IsCompleted)
        {
            throw new OperationCanceledException("The client went away");
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
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
