using System.Buffers;
using System.Text;

namespace Greyhub.Proxy;

/// <summary>What the connection-level proxy does with the request at the start of a client's buffer.</summary>
internal enum RequestVerdict
{
    /// <summary>The head is not complete yet.</summary>
    NeedMore,

    /// <summary>Not for this path: Kestrel reads it (and the rest of the connection).</summary>
    HandOver,

    /// <summary>A plain HTTP/1.1 GET or HEAD without a body for a running server.</summary>
    Forward,
}

/// <summary>
/// A client's request head as <see cref="ProxyConnectionMiddleware"/> reads it: <see cref="Read"/> decides whether the
/// connection-level path takes it and where its parts are (offsets into the contiguous head), and
/// <see cref="BuildUpstreamHead"/> writes what the server gets.
/// </summary>
internal partial struct ProxyRequestHead
{
    /// <summary>Longest head this path reads; a longer one goes to Kestrel.</summary>
    public const int MaxLength = 32 * 1024;

    // Kestrel's default limits (the hub keeps them): a request past one goes to Kestrel, which refuses it (414, 431),
    // so that both paths forward the same requests.
    private const int MaxRequestLine = 8 * 1024;
    private const int MaxHeaders = 100;

    // Offsets are into the head: the first buffer segment, or Copy (pooled) when the head spans segments.
    public byte[]? Copy;
    public int Length;
    public int TargetStart;
    public int TargetLength;
    public int HostStart;
    public int HostLength;
    public int ConnectionStart;
    public int ConnectionLength;

    // What the head says: Connection: close, a HEAD request, X-Forwarded-Host/Proto present, the route it is for.
    public bool Close;
    public bool HeadMethod;
    public bool ForwardedHost;
    public bool ForwardedProto;
    public ProxyRoute Route;

    /// <summary>Decides whether this path takes the request at the start of <paramref name="buffer"/>.</summary>
    public static RequestVerdict Read(ReadOnlySequence<byte> buffer, RouteTable routes, out ProxyRequestHead request)
    {
        request = default;
        var first = buffer.FirstSpan;
        if (first.Length > 0 && first[0] is < (byte)'A' or > (byte)'Z')
        {
            // Not an HTTP/1 method (TLS, HTTP/2's preface starts with PRI but is caught below): Kestrel's.
            return RequestVerdict.HandOver;
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
            if (length > MaxLength)
            {
                return RequestVerdict.HandOver;
            }
            request.Copy = ArrayPool<byte>.Shared.Rent(length);
            buffer.Slice(0, length).CopyTo(request.Copy);
            span = request.Copy.AsSpan(0, length);
        }
        else
        {
            return IncompleteHead(buffer);
        }
        var verdict = Parse(span, routes, ref request);
        if (verdict != RequestVerdict.Forward && request.Copy is not null)
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
    private static RequestVerdict IncompleteHead(ReadOnlySequence<byte> buffer)
    {
        var reader = new SequenceReader<byte>(buffer);
        if (reader.TryReadTo(out ReadOnlySequence<byte> _, "\n\n"u8))
        {
            return RequestVerdict.HandOver;
        }
        reader.Rewind(reader.Consumed);
        return reader.TryReadTo(out ReadOnlySequence<byte> _, "\n\r\n"u8) ? RequestVerdict.HandOver : RequestVerdict.NeedMore;
    }

    private static RequestVerdict Parse(ReadOnlySpan<byte> head, RouteTable routes, ref ProxyRequestHead request)
    {
        request.Length = head.Length;
        // Request line: METHOD SP /target SP HTTP/1.1
        var lineEnd = head.IndexOf("\r\n"u8);
        var line = head[..lineEnd];
        var sp = line.IndexOf((byte)' ');
        // GET and HEAD only: no body, no tunnel (CONNECT), nothing that must not be sent twice (the retry on a fresh
        // connection is then always of an idempotent request, RFC 9110 9.2.2). Anything else is Kestrel's and YARP's.
        var method = sp < 0 ? default : line[..sp];
        if (!(method.SequenceEqual("GET"u8) || method.SequenceEqual("HEAD"u8)) || line.Length <= sp + 9 || lineEnd + 2 > MaxRequestLine || !line.EndsWith(" HTTP/1.1"u8))
        {
            return RequestVerdict.HandOver;
        }
        request.HeadMethod = method.Length == 4;
        var target = line[(sp + 1)..^9];
        if (target.Length == 0 || target[0] != '/' || target.ContainsAny(HttpBytes.NotInTarget) || routes.Match(target) is not { Upstream: not null } route
            || NotAsKestrelSees(target))
        {
            return RequestVerdict.HandOver;
        }
        request.Route = route;
        request.TargetStart = sp + 1;
        request.TargetLength = target.Length;
        var hosts = 0;
        var lengths = 0;
        var position = lineEnd + 2;
        for (var count = 0; ; count++)
        {
            var rest = head[position..];
            var end = rest.IndexOf("\r\n"u8);
            if (end == 0)
            {
                break;
            }
            if (count == MaxHeaders)
            {
                return RequestVerdict.HandOver;
            }
            var header = rest[..end];
            var colon = header.IndexOf((byte)':');
            if (colon <= 0 || header[..colon].ContainsAnyExcept(HttpBytes.Token) || header[(colon + 1)..].ContainsAny(HttpBytes.NotInRequestValue))
            {
                return RequestVerdict.HandOver;
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
                case HeaderKind.ContentLength when !value.SequenceEqual("0"u8) || ++lengths > 1:
                case HeaderKind.TransferEncoding:
                case HeaderKind.Upgrade:
                case HeaderKind.Expect:
                    return RequestVerdict.HandOver;
                case HeaderKind.Connection when request.ConnectionLength > 0:
                    return RequestVerdict.HandOver;
                case HeaderKind.Connection:
                    foreach (var range in value.Split((byte)','))
                    {
                        var token = value[range].Trim(" \t"u8);
                        request.Close |= Ascii.EqualsIgnoreCase(token, "close"u8);
                        if (Classify(token) is HeaderKind.Host or HeaderKind.ContentLength or HeaderKind.TransferEncoding)
                        {
                            // Dropping one of these as hop-by-hop would send the server a request without a Host or
                            // with different framing; YARP keeps them.
                            return RequestVerdict.HandOver;
                        }
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
        return hosts == 1 && request.HostLength > 0 ? RequestVerdict.Forward : RequestVerdict.HandOver;
    }

    /// <summary>
    /// Whether the path holds an escape or a dot segment anywhere: the route was matched on the raw bytes, and the path
    /// Kestrel and CHP match on (decoded, dot segments removed) could pick another route, a shorter or a longer one
    /// (<c>/user/alice/x/../../bob/</c> is bob's, <c>/user/al%69ce/</c> alice's). Kestrel and YARP take those.
    /// </summary>
    private static bool NotAsKestrelSees(ReadOnlySpan<byte> target)
    {
        var end = target.IndexOf((byte)'?');
        var path = end >= 0 ? target[..end] : target;
        if (path.Contains((byte)'%'))
        {
            return true;
        }
        for (var dot = path.IndexOf("/."u8); dot >= 0; dot = path.IndexOf("/."u8))
        {
            // "/." then the end, a slash, or ".": a "." or ".." segment (or one starting with ".." we check next time).
            var rest = path[(dot + 2)..];
            if (rest.IsEmpty || rest[0] == '/' || (rest[0] == '.' && (rest.Length == 1 || rest[1] == '/')))
            {
                return true;
            }
            path = rest;
        }
        return false;
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

        /// <summary>Another header servers read as a proxy's word on the client (X-Real-IP, X-Scheme, Forwarded).</summary>
        ForwardedOther,
    }

    private static HeaderKind Classify(ReadOnlySpan<byte> name) => name.Length switch
    {
        2 when Ascii.EqualsIgnoreCase(name, "TE"u8) => HeaderKind.HopByHop,
        4 when Ascii.EqualsIgnoreCase(name, "Host"u8) => HeaderKind.Host,
        6 when Ascii.EqualsIgnoreCase(name, "Expect"u8) => HeaderKind.Expect,
        7 when Ascii.EqualsIgnoreCase(name, "Upgrade"u8) => HeaderKind.Upgrade,
        8 when Ascii.EqualsIgnoreCase(name, "X-Scheme"u8) => HeaderKind.ForwardedOther,
        9 when Ascii.EqualsIgnoreCase(name, "X-Real-IP"u8) || Ascii.EqualsIgnoreCase(name, "Forwarded"u8) => HeaderKind.ForwardedOther,
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
}
