using System.Buffers;

namespace Greyhub.Proxy;

/// <summary>Byte classes of HTTP/1.1 syntax (RFC 9110 5.6.2, 5.5) the connection-level proxy checks heads against.</summary>
internal static class HttpBytes
{
    /// <summary>The characters of a token: a method or a header name.</summary>
    public static readonly SearchValues<byte> Token = SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    /// <summary>Controls other than tab: never in a header value (a server's response head with one is answered 502).</summary>
    public static readonly SearchValues<byte> Control = SearchValues.Create([.. Enumerable.Range(0, 0x20).Where(b => b != '\t').Select(b => (byte)b), 0x7F]);

    /// <summary>
    /// What a request value may not hold on the connection-level path: controls and, beyond what HTTP forbids,
    /// non-ASCII bytes. Such a request goes to Kestrel, which answers 400 or handles it as it always has.
    /// </summary>
    public static readonly SearchValues<byte> NotInRequestValue = SearchValues.Create([.. Enumerable.Range(0, 0x20).Where(b => b != '\t').Select(b => (byte)b), .. Enumerable.Range(0x7F, 0x81).Select(b => (byte)b)]);

    /// <summary>
    /// What a request target may not hold on that path: controls, space, non-ASCII bytes and a fragment (never part of
    /// a request target, RFC 9112 3.2).
    /// </summary>
    public static readonly SearchValues<byte> NotInTarget = SearchValues.Create([.. Enumerable.Range(0, 0x21).Select(b => (byte)b), (byte)'#', .. Enumerable.Range(0x7F, 0x81).Select(b => (byte)b)]);

    /// <summary>The digits of a Content-Length (1*DIGIT: no sign, space or hex).</summary>
    public static readonly SearchValues<byte> Digit = SearchValues.Create("0123456789"u8);

    /// <summary>The digits of a chunk size (1*HEXDIG).</summary>
    public static readonly SearchValues<byte> HexDigit = SearchValues.Create("0123456789ABCDEFabcdef"u8);

    /// <summary>
    /// True when <paramref name="text"/> holds a CR or LF that is not part of a CRLF: a recipient may take a bare LF for a
    /// line end (RFC 9112 2.2), so bytes passed on with one could be framed differently downstream.
    /// </summary>
    public static bool HasBareCrOrLf(ReadOnlySpan<byte> text)
    {
        var offset = 0;
        while (true)
        {
            var i = text[offset..].IndexOfAny((byte)'\r', (byte)'\n');
            if (i < 0)
            {
                return false;
            }
            i += offset;
            if (text[i] == '\n' || i + 1 == text.Length || text[i + 1] != '\n')
            {
                return true;
            }
            offset = i + 2;
        }
    }

    /// <summary>
    /// True when <paramref name="line"/> is a valid field line (RFC 9112 5): token, colon, a value without controls; a
    /// line starting with whitespace (obs-fold) is not one.
    /// </summary>
    public static bool IsFieldLine(ReadOnlySpan<byte> line)
    {
        var colon = line.IndexOf((byte)':');
        return colon > 0 && !line[..colon].ContainsAnyExcept(Token) && !line[(colon + 1)..].ContainsAny(Control);
    }
}
