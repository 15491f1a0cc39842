using System.Buffers;
using System.Net;

namespace Greyhub.Proxy;

/// <summary>The head a server gets for a request the connection-level path forwards.</summary>
internal partial struct ProxyRequestHead
{
    /// <summary>
    /// The head the server gets: the client's, minus hop-by-hop headers, plus X-Forwarded-Host/Proto/For. The client's
    /// own X-Forwarded-* are kept only when it is a <paramref name="trusted"/> proxy (<see cref="ProxyOptions.TrustedProxies"/>); with <paramref name="xForward"/> false none are added or dropped.
    /// </summary>
    public static (byte[] Buffer, int Length) BuildUpstreamHead(ReadOnlySpan<byte> head, in ProxyRequestHead request, EndPoint? remote, bool trusted, bool xForward)
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
            if (kind is HeaderKind.Connection or HeaderKind.HopByHop || (kind is HeaderKind.ForwardedFor or HeaderKind.ForwardedHost or HeaderKind.ForwardedProto or HeaderKind.ForwardedOther && !trusted && xForward) || ResponseFraming.Lists(listed, name))
            {
                // X-Forwarded-* (and X-Real-IP, X-Scheme, Forwarded, which Tornado's xheaders read first) from an untrusted client are dropped; from a trusted proxy in front (the same list the
                // hub's own forwarded-headers handling believes) they are kept and ours follow, so the list grows as it should.
                continue;
            }
            header.CopyTo(span[n..]);
            n += header.Length;
        }
        if (!xForward)
        {
            // CHP's --no-x-forward: the request goes as the client sent it (hop-by-hop headers aside).
            n += Write(span[n..], "\r\n"u8);
            return (buffer, n);
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
}
