using System.Buffers;

namespace Greyhub.Hub.Proxy;

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

    /// <summary>What a request target may not hold on that path: controls, space and non-ASCII bytes.</summary>
    public static readonly SearchValues<byte> NotInTarget = SearchValues.Create([.. Enumerable.Range(0, 0x21).Select(b => (byte)b), .. Enumerable.Range(0x7F, 0x81).Select(b => (byte)b)]);
}
