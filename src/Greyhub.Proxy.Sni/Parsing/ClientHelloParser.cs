using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Greyhub.Proxy.Sni.Parsing;

/// <summary>What the first bytes of a connection turned out to be.</summary>
internal enum ClientHelloStatus
{
    /// <summary>A well-formed prefix of a ClientHello: read more bytes and parse again.</summary>
    NeedMore,

    /// <summary>A complete ClientHello with one valid host name.</summary>
    Found,

    /// <summary>A complete ClientHello without a host name.</summary>
    NoServerName,

    /// <summary>Not a TLS handshake record (plain text, SSLv2 hello, another record type first).</summary>
    NotTls,

    /// <summary>TLS records that break the format, or a host name we refuse.</summary>
    Malformed,

    /// <summary>A ClientHello that declares more bytes than the limit allows.</summary>
    TooLarge,
}

/// <summary>The outcome of <see cref="ClientHelloParser.Parse"/>; <see cref="ServerName"/> is lower case, set only when found.</summary>
internal readonly record struct ClientHelloResult(ClientHelloStatus Status, string? ServerName = null);

/// <summary>
/// Finds the server name (RFC 6066 SNI) in the first TLS records a client sends. The bytes are hostile: every length is
/// checked against what is there, nothing is trusted, nothing throws; the caller replays the bytes untouched.
/// The ClientHello may span several records (RFC 8446 §5.1), each of at most 2^14 bytes.
/// </summary>
internal static class ClientHelloParser
{
    private const byte HandshakeRecord = 0x16;
    private const byte ClientHelloMessage = 0x01;
    private const int RecordHeaderLength = 5;
    private const int MaxRecordPayload = 1 << 14;
    private const int HandshakeHeaderLength = 4;
    private const ushort ServerNameExtension = 0x0000;
    private const byte HostNameType = 0x00;
    private const int MaxHostNameLength = 255;

    /// <summary>Parses the bytes received so far; a ClientHello message longer than <paramref name="maxHelloBytes"/> is <see cref="ClientHelloStatus.TooLarge"/>.</summary>
    public static ClientHelloResult Parse(ReadOnlySpan<byte> data, int maxHelloBytes)
    {
        if (data.IsEmpty)
        {
            return new(ClientHelloStatus.NeedMore);
        }
        if (data[0] != HandshakeRecord)
        {
            return new(ClientHelloStatus.NotTls);
        }
        // The handshake bytes never outnumber the record bytes, so a buffer of data's size always suffices.
        var rented = ArrayPool<byte>.Shared.Rent(data.Length);
        try
        {
            return Reassemble(data, rented, maxHelloBytes);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Where the run of whole records starting at <paramref name="start"/> (a record boundary) ends. The caller parses
    /// again only when this moves, so a client dripping bytes costs a header walk per read, not a parse.
    /// </summary>
    public static int WholeRecordsEnd(ReadOnlySpan<byte> data, int start)
    {
        while (data.Length - start >= RecordHeaderLength)
        {
            var end = start + RecordHeaderLength + BinaryPrimitives.ReadUInt16BigEndian(data[(start + 3)..]);
            if (end > data.Length)
            {
                break;
            }
            start = end;
        }
        return start;
    }

    private static ClientHelloResult Reassemble(ReadOnlySpan<byte> data, Span<byte> handshake, int maxHelloBytes)
    {
        var collected = 0;
        while (true)
        {
            if (data.Length < RecordHeaderLength)
            {
                return new(ClientHelloStatus.NeedMore);
            }
            // Every record until the ClientHello is whole must be a handshake record of TLS 1.x (major version 3).
            if (data[0] != HandshakeRecord || data[1] != 3)
            {
                return new(ClientHelloStatus.Malformed);
            }
            int length = BinaryPrimitives.ReadUInt16BigEndian(data[3..]);
            if (length is 0 or > MaxRecordPayload)
            {
                return new(ClientHelloStatus.Malformed);
            }
            if (data.Length < RecordHeaderLength + length)
            {
                return new(ClientHelloStatus.NeedMore);
            }
            data[RecordHeaderLength..(RecordHeaderLength + length)].CopyTo(handshake[collected..]);
            collected += length;
            data = data[(RecordHeaderLength + length)..];

            if (collected < HandshakeHeaderLength)
            {
                continue;
            }
            if (handshake[0] != ClientHelloMessage)
            {
                return new(ClientHelloStatus.Malformed);
            }
            var messageLength = (handshake[1] << 16) | (handshake[2] << 8) | handshake[3];
            if (messageLength > maxHelloBytes)
            {
                return new(ClientHelloStatus.TooLarge);
            }
            if (collected >= HandshakeHeaderLength + messageLength)
            {
                return ParseClientHello(handshake.Slice(HandshakeHeaderLength, messageLength));
            }
        }
    }

    private static ClientHelloResult ParseClientHello(ReadOnlySpan<byte> body)
    {
        var reader = new SpanReader(body);
        if (!reader.TryUInt16(out var version) || version >> 8 != 3
            || !reader.TrySkip(32)
            || !reader.TryBlock8(out var sessionId) || sessionId.Length > 32
            || !reader.TryBlock16(out var suites) || suites.Length < 2 || suites.Length % 2 != 0
            || !reader.TryBlock8(out var compression) || compression.IsEmpty)
        {
            return new(ClientHelloStatus.Malformed);
        }
        if (reader.IsEmpty)
        {
            return new(ClientHelloStatus.NoServerName); // A hello without extensions (TLS 1.0 style).
        }
        if (!reader.TryBlock16(out var extensionBytes) || !reader.IsEmpty)
        {
            return new(ClientHelloStatus.Malformed);
        }
        var extensions = new SpanReader(extensionBytes);
        string? name = null;
        var seenServerName = false;
        while (!extensions.IsEmpty)
        {
            if (!extensions.TryUInt16(out var type) || !extensions.TryBlock16(out var extension))
            {
                return new(ClientHelloStatus.Malformed);
            }
            if (type != ServerNameExtension)
            {
                continue;
            }
            // RFC 8446 §4.2: no extension twice; two names could route differently from what the backend sees.
            if (seenServerName)
            {
                return new(ClientHelloStatus.Malformed);
            }
            seenServerName = true;
            if (!TryReadServerNames(extension, out name))
            {
                return new(ClientHelloStatus.Malformed);
            }
        }
        return name is null ? new(ClientHelloStatus.NoServerName) : new(ClientHelloStatus.Found, name);
    }

    private static bool TryReadServerNames(ReadOnlySpan<byte> extension, out string? name)
    {
        name = null;
        var reader = new SpanReader(extension);
        if (!reader.TryBlock16(out var list) || !reader.IsEmpty || list.IsEmpty)
        {
            return false;
        }
        var entries = new SpanReader(list);
        while (!entries.IsEmpty)
        {
            // Every name type defined so far carries a 16-bit length, so unknown types can be skipped.
            if (!entries.TryByte(out var nameType) || !entries.TryBlock16(out var value))
            {
                return false;
            }
            if (nameType != HostNameType)
            {
                continue;
            }
            // RFC 6066 §3: at most one name of each type.
            if (name is not null || !IsHostName(value))
            {
                return false;
            }
            name = Encoding.ASCII.GetString(value).ToLowerInvariant();
        }
        return true;
    }

    /// <summary>ASCII letters, digits, '-' and '_' in non-empty dot-separated labels: no NUL, no bytes above 0x7F, no trailing dot.</summary>
    private static bool IsHostName(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty || value.Length > MaxHostNameLength)
        {
            return false;
        }
        var labelLength = 0;
        foreach (var b in value)
        {
            if (b == (byte)'.')
            {
                if (labelLength == 0)
                {
                    return false;
                }
                labelLength = 0;
                continue;
            }
            if (!(char.IsAsciiLetterOrDigit((char)b) || b == (byte)'-' || b == (byte)'_') || ++labelLength > 63)
            {
                return false;
            }
        }
        return labelLength > 0;
    }

    /// <summary>Reads big-endian TLS fields; every read checks the bytes are there and moves past them only on success.</summary>
    private ref struct SpanReader(ReadOnlySpan<byte> data)
    {
        private ReadOnlySpan<byte> _rest = data;

        public readonly bool IsEmpty => _rest.IsEmpty;

        public bool TryByte(out int value)
        {
            value = _rest.IsEmpty ? 0 : _rest[0];
            return TrySkip(1);
        }

        public bool TryUInt16(out int value)
        {
            value = _rest.Length < 2 ? 0 : BinaryPrimitives.ReadUInt16BigEndian(_rest);
            return TrySkip(2);
        }

        public bool TrySkip(int count)
        {
            if (_rest.Length < count)
            {
                return false;
            }
            _rest = _rest[count..];
            return true;
        }

        public bool TryBlock8(out ReadOnlySpan<byte> block)
        {
            block = default;
            return TryByte(out var length) && TryTake(length, out block);
        }

        public bool TryBlock16(out ReadOnlySpan<byte> block)
        {
            block = default;
            return TryUInt16(out var length) && TryTake(length, out block);
        }

        private bool TryTake(int length, out ReadOnlySpan<byte> block)
        {
            block = _rest.Length < length ? default : _rest[..length];
            return TrySkip(length);
        }
    }
}
