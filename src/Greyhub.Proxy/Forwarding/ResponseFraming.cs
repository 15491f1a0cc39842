using System.Buffers;
using System.Buffers.Text;
using System.IO.Pipelines;
using System.Text;

namespace Greyhub.Proxy;

/// <summary>
/// What a server's response head says (status, framing, reuse), with the checks that decide a 502: a head that fails
/// them is not passed on. <see cref="CopyHead"/> then writes it for the client without the hop-by-hop headers (those
/// RFC 9110 names and those the Connection header lists); the body keeps the server's framing.
/// </summary>
internal readonly struct ResponseFraming
{
    /// <summary>The status code (0 when the status line is unreadable).</summary>
    public int Status { get; private init; }

    /// <summary>Not a valid HTTP/1.x response head.</summary>
    public bool Invalid { get; private init; }

    /// <summary>A 1xx response other than 101, which the proxy drops.</summary>
    public bool Interim => Status is >= 100 and < 200 && Status != 101 && !Invalid;

    /// <summary>No body follows (HEAD, 204, 304).</summary>
    public bool NoBody { get; private init; }

    /// <summary>The body is chunked.</summary>
    public bool Chunked { get; private init; }

    /// <summary>The body's length, or -1 when it is chunked or ends with the connection.</summary>
    public long ContentLength { get; private init; }

    /// <summary>The server keeps the connection open after this response.</summary>
    public bool KeepAlive { get; private init; }

    // A Transfer-Encoding frames the body, so a Content-Length beside it is not passed on (RFC 9112 6.3).
    private bool TransferCoded { get; init; }

    /// <summary>The body ends only when the server closes (no length, no chunking).</summary>
    public bool ReadToClose => !NoBody && !Chunked && ContentLength < 0;

    // The Connection header's value within the head, for the names it lists.
    private Range ConnectionValue { get; init; }

    private static ResponseFraming Bad(int status) => new() { Status = status, Invalid = true, NoBody = true, ContentLength = -1 };

    /// <summary>Reads a head (status line through its final empty line).</summary>
    public static ResponseFraming Scan(ReadOnlySpan<byte> head, bool headRequest)
    {
        var lineEnd = head.IndexOf("\r\n"u8);
        var statusLine = lineEnd < 0 ? head : head[..lineEnd];
        // "HTTP/1.x SSS reason", every line ending in CRLF: a bare CR or LF (anywhere, interim heads too) could end a line
        // for the client and not for us, which is how one server's bytes become the answer to the next request.
        if (statusLine.Length < 12 || !statusLine.StartsWith("HTTP/1."u8) || statusLine[7] is not ((byte)'0' or (byte)'1') || statusLine[8] != ' '
            || !Utf8Parser.TryParse(statusLine.Slice(9, 3), out int status, out var used) || used != 3 || (statusLine.Length > 12 && statusLine[12] != ' ')
            || HttpBytes.HasBareCrOrLf(head) || (statusLine.Length > 12 && statusLine[13..].ContainsAny(HttpBytes.Control)))
        {
            return Bad(0);
        }
        if (status is >= 100 and < 200 && status != 101)
        {
            return new ResponseFraming { Status = status, NoBody = true, ContentLength = -1 };
        }
        if (status is < 200 or > 999)
        {
            return Bad(status);
        }
        var http10 = statusLine[7] == '0';
        long contentLength = -1;
        bool chunked = false, otherCoding = false, close = false, keepAlive10 = false;
        Range connection = default;
        var position = lineEnd + 2;
        while (position < head.Length)
        {
            var end = head[position..].IndexOf("\r\n"u8);
            if (end <= 0)
            {
                break;
            }
            var line = head.Slice(position, end);
            var colon = line.IndexOf((byte)':');
            if (colon <= 0 || line[..colon].ContainsAnyExcept(HttpBytes.Token))
            {
                return Bad(status);
            }
            var name = line[..colon];
            var value = line[(colon + 1)..].Trim(" \t"u8);
            if (value.ContainsAny(HttpBytes.Control))
            {
                return Bad(status);
            }
            if (Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
            {
                // 1*DIGIT only: "+5", "0x5" or "5, 5" would be read otherwise by someone downstream.
                if (value.IsEmpty || value.ContainsAnyExcept(HttpBytes.Digit) || !Utf8Parser.TryParse(value, out long length, out var consumed) || consumed != value.Length
                    || (contentLength >= 0 && contentLength != length))
                {
                    return Bad(status);
                }
                contentLength = length;
            }
            else if (Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8))
            {
                // chunked once and last (RFC 9112 6.1), over this header and any before it; a coding after chunked or
                // chunked twice is framing that another reader may take differently.
                foreach (var range in value.Split((byte)','))
                {
                    if (chunked)
                    {
                        return Bad(status);
                    }
                    chunked = Ascii.EqualsIgnoreCase(value[range].Trim(" \t"u8), "chunked"u8);
                }
                otherCoding = !chunked;
            }
            else if (Ascii.EqualsIgnoreCase(name, "Connection"u8))
            {
                var valueStart = position + colon + 1 + line[(colon + 1)..].IndexOf(value);
                connection = valueStart..(valueStart + value.Length);
                foreach (var range in value.Split((byte)','))
                {
                    var token = value[range].Trim(" \t"u8);
                    close |= Ascii.EqualsIgnoreCase(token, "close"u8);
                    keepAlive10 |= Ascii.EqualsIgnoreCase(token, "keep-alive"u8);
                }
            }
            position += end + 2;
        }
        if (chunked || otherCoding)
        {
            // Transfer-Encoding wins over Content-Length (RFC 9112 6.3); a coding other than chunked is read to the end.
            contentLength = -1;
        }
        var noBody = headRequest || status is 204 or 304;
        return new ResponseFraming
        {
            Status = status,
            NoBody = noBody,
            Chunked = chunked && !noBody,
            ContentLength = noBody ? 0 : contentLength,
            // An HTTP/1.0 message with Transfer-Encoding has faulty framing: the connection is not reused (RFC 9112 6.1).
            KeepAlive = !close && (!http10 || (keepAlive10 && !chunked && !otherCoding)),
            TransferCoded = chunked || otherCoding,
            ConnectionValue = connection,
        };
    }

    /// <summary>Writes the head for the client: HTTP/1.1, the server's status and reason, end-to-end headers.</summary>
    public void CopyHead(ReadOnlySpan<byte> head, PipeWriter output, bool close)
    {
        var listed = ConnectionValue.End.Value > 0 ? head[ConnectionValue] : default;
        var position = head.IndexOf("\r\n"u8) + 2;
        output.Write("HTTP/1.1"u8);
        output.Write(head[8..position]);
        while (position < head.Length)
        {
            var end = head[position..].IndexOf("\r\n"u8);
            if (end <= 0)
            {
                break;
            }
            var line = head.Slice(position, end + 2);
            position += end + 2;
            var name = line[..line.IndexOf((byte)':')];
            // A Connection header listing the framing headers does not remove them: the body keeps that framing.
            var framing = Ascii.EqualsIgnoreCase(name, "Content-Length"u8) || Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8);
            if (!IsHopByHop(name) && (framing || !Lists(listed, name)) && !(TransferCoded && Ascii.EqualsIgnoreCase(name, "Content-Length"u8)))
            {
                output.Write(line);
            }
        }
        output.Write(close ? "Connection: close\r\n\r\n"u8 : "\r\n"u8);
    }

    // Transfer-Encoding and Trailer stay: the body goes on chunked as the server sent it, trailers included.
    private static bool IsHopByHop(ReadOnlySpan<byte> name) => name.Length switch
    {
        7 => Ascii.EqualsIgnoreCase(name, "Upgrade"u8),
        10 => Ascii.EqualsIgnoreCase(name, "Connection"u8) || Ascii.EqualsIgnoreCase(name, "Keep-Alive"u8),
        16 => Ascii.EqualsIgnoreCase(name, "Proxy-Connection"u8),
        _ => false,
    };

    /// <summary>True when a Connection header's value lists <paramref name="name"/> (a header to drop as hop-by-hop).</summary>
    internal static bool Lists(ReadOnlySpan<byte> connectionValue, ReadOnlySpan<byte> name)
    {
        if (connectionValue.IsEmpty)
        {
            return false;
        }
        foreach (var range in connectionValue.Split((byte)','))
        {
            if (Ascii.EqualsIgnoreCase(connectionValue[range].Trim(" \t"u8), name))
            {
                return true;
            }
        }
        return false;
    }
}
