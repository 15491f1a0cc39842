namespace Greyhub.Hub.Tests;

/// <summary>
/// Where a hostile case aims: the route's hostile target, a target only a smuggled request would name, and a marker
/// (a secret the first exchange carries) that nobody else may ever see.
/// </summary>
public sealed record HostileTarget(string Path, string Smuggled, string Marker);

/// <summary>What a case must end in, beyond "never desynchronised".</summary>
public enum HostileExpect
{
    /// <summary>Forwarded as one correct message or refused: either is fine.</summary>
    Either,

    /// <summary>Refused: a 4xx/5xx or a closed connection.</summary>
    Refused,

    /// <summary>Forwarded: a 200 whose body is exactly the case's.</summary>
    Forwarded,
}

/// <summary>
/// One hostile input: the client's exact bytes, and for upstream cases the server's exact answer (null: the server
/// echoes the target and the marker), whether the server closes after answering, and what the client must get.
/// </summary>
public sealed record HostileCase(string Id, Func<HostileTarget, string> Request, Func<HostileTarget, string>? Response, HostileExpect Expect,
    string? Body = null, bool CloseAfter = false, bool HeadRequest = false)
{
    public override string ToString() => Id;
}

/// <summary>The hostile-input cases, request side (an attacking client) and upstream side (an attacking server).</summary>
public sealed partial class ProxyHostileInputTests
{
    private const string Host = "Host: 127.0.0.1\r\n";

    private static string Get(HostileTarget t, string headers = "") => $"GET {t.Path} HTTP/1.1\r\n{Host}X-Token: {t.Marker}\r\n{headers}\r\n";

    private static string Post(HostileTarget t, string headers, string body) => $"POST {t.Path} HTTP/1.1\r\n{Host}X-Token: {t.Marker}\r\n{headers}\r\n{body}";

    // A whole request for the smuggled target: a second request if the body's end is read one way, body bytes the other.
    private static string Smuggled(HostileTarget t) => $"GET {t.Smuggled} HTTP/1.1\r\n{Host}\r\n";

    // A whole response carrying the marker: whoever reads it as an answer got another exchange's bytes.
    private static string Leak(HostileTarget t) => $"HTTP/1.1 200 OK\r\nContent-Length: {t.Marker.Length}\r\n\r\n{t.Marker}";

    private static string Hex(int n) => n.ToString("x", System.Globalization.CultureInfo.InvariantCulture);

    private static readonly (string Name, Func<HostileTarget, string> Request, HostileExpect Expect)[] RequestSide =
    [
        ("CL.TE smuggling", t => Post(t, $"Content-Length: {5 + Smuggled(t).Length}\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n" + Smuggled(t)), HostileExpect.Either),
        ("TE.CL smuggling", t => Post(t, $"Transfer-Encoding: chunked\r\nContent-Length: {Hex(Smuggled(t).Length).Length + 2}\r\n", $"{Hex(Smuggled(t).Length)}\r\n{Smuggled(t)}\r\n0\r\n\r\n"), HostileExpect.Either),
        ("two different Content-Length", t => Post(t, $"Content-Length: 0\r\nContent-Length: {Smuggled(t).Length}\r\n", Smuggled(t)), HostileExpect.Refused),
        ("two Content-Length: 0 on a GET", t => Get(t, "Content-Length: 0\r\nContent-Length: 0\r\n"), HostileExpect.Either),
        ("Content-Length list", t => Post(t, $"Content-Length: {Smuggled(t).Length}, 0\r\n", Smuggled(t)), HostileExpect.Refused),
        ("Content-Length: +n", t => Post(t, $"Content-Length: +{Smuggled(t).Length}\r\n", Smuggled(t)), HostileExpect.Either),
        ("Content-Length: -1", t => Post(t, "Content-Length: -1\r\n", Smuggled(t)), HostileExpect.Refused),
        ("Content-Length in hex", t => Post(t, $"Content-Length: 0x{Hex(Smuggled(t).Length)}\r\n", Smuggled(t)), HostileExpect.Refused),
        ("Content-Length with inner space", t => Post(t, $"Content-Length: 0 {Smuggled(t).Length}\r\n", Smuggled(t)), HostileExpect.Refused),
        ("Content-Length: +0 on a GET", t => Get(t, "Content-Length: +0\r\n"), HostileExpect.Either),
        ("Transfer-Encoding: xchunked", t => Post(t, "Transfer-Encoding: xchunked\r\n", "0\r\n\r\n" + Smuggled(t)), HostileExpect.Refused),
        ("Transfer-Encoding with a space before the colon", t => Post(t, "Transfer-Encoding : chunked\r\n", "0\r\n\r\n" + Smuggled(t)), HostileExpect.Refused),
        ("Transfer-Encoding: chunked, identity", t => Post(t, "Transfer-Encoding: chunked, identity\r\n", "0\r\n\r\n" + Smuggled(t)), HostileExpect.Refused),
        ("Transfer-Encoding twice, chunked then x", t => Post(t, "Transfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n", "0\r\n\r\n" + Smuggled(t)), HostileExpect.Refused),
        ("Transfer-Encoding folded (obs-fold)", t => Post(t, "Transfer-Encoding:\r\n chunked\r\n", "0\r\n\r\n" + Smuggled(t)), HostileExpect.Refused),
        ("Transfer-Encoding with a vertical tab", t => Post(t, "Transfer-Encoding:\u000bchunked\r\n", "0\r\n\r\n" + Smuggled(t)), HostileExpect.Refused),
        ("Transfer-Encoding on a GET with a bare-LF body", t => Get(t, "Transfer-Encoding: chunked\r\n") + "0\n\n" + Smuggled(t), HostileExpect.Either),
        ("obs-fold in a header", t => Get(t, "X-A: a\r\n folded\r\n"), HostileExpect.Refused),
        ("bare LF line ends", t => $"GET {t.Path} HTTP/1.1\nHost: 127.0.0.1\nX-Token: {t.Marker}\n\n", HostileExpect.Either),
        ("bare LF inside a header value", t => Get(t, $"X-A: a\nContent-Length: {Smuggled(t).Length}\r\n") + Smuggled(t), HostileExpect.Either),
        ("bare CR inside a header value", t => Get(t, "X-A: a\rContent-Length: 5\r\n"), HostileExpect.Refused),
        ("bare CR ending the request line", t => $"GET {t.Path} HTTP/1.1\r{Host}X-Token: {t.Marker}\r\n\r\n", HostileExpect.Refused),
        ("request line GET HTTP/1.1", t => $"GET HTTP/1.1\r\n{Host}X-Token: {t.Marker}\r\n\r\n", HostileExpect.Refused),
        ("request line with two spaces", t => $"GET  {t.Path} HTTP/1.1\r\n{Host}\r\n", HostileExpect.Refused),
        ("request line with a tab", t => $"GET\t{t.Path} HTTP/1.1\r\n{Host}\r\n", HostileExpect.Refused),
        ("request line HTTP/1.10", t => $"GET {t.Path} HTTP/1.10\r\n{Host}\r\n", HostileExpect.Refused),
        ("request line with an extra word", t => $"GET {t.Path} x HTTP/1.1\r\n{Host}\r\n", HostileExpect.Refused),
        ("lower-case method", t => $"get {t.Path} HTTP/1.1\r\n{Host}X-Token: {t.Marker}\r\n\r\n", HostileExpect.Either),
        ("NUL in the target", t => $"GET {t.Path}\0x HTTP/1.1\r\n{Host}\r\n", HostileExpect.Refused),
        ("absolute-form target", t => $"GET http://127.0.0.1{t.Path} HTTP/1.1\r\n{Host}X-Token: {t.Marker}\r\n\r\n", HostileExpect.Either),
        ("absolute-form target for another host", t => $"GET http://evil.example{t.Path} HTTP/1.1\r\n{Host}X-Token: {t.Marker}\r\n\r\n", HostileExpect.Either),
        ("asterisk-form GET", _ => $"GET * HTTP/1.1\r\n{Host}\r\n", HostileExpect.Refused),
        ("CONNECT to a route", t => $"CONNECT {t.Path} HTTP/1.1\r\n{Host}X-Token: {t.Marker}\r\n\r\n", HostileExpect.Refused),
        ("CONNECT authority-form", t => $"CONNECT 127.0.0.1:1 HTTP/1.1\r\nHost: 127.0.0.1:1\r\nX-Token: {t.Marker}\r\n\r\n", HostileExpect.Either),
        ("fragment in the target", t => $"GET {t.Path}#frag HTTP/1.1\r\n{Host}X-Token: {t.Marker}\r\n\r\n", HostileExpect.Either),
        ("header name with a space before the colon", t => Get(t, "X-Token : x\r\n"), HostileExpect.Refused),
        ("HTTP/1.0 request", t => $"GET {t.Path} HTTP/1.0\r\n{Host}X-Token: {t.Marker}\r\n\r\n", HostileExpect.Either),
        ("Upgrade without Connection: upgrade", t => Get(t, "Upgrade: websocket\r\n"), HostileExpect.Either),
        ("no Host", t => $"GET {t.Path} HTTP/1.1\r\nX-Token: {t.Marker}\r\n\r\n", HostileExpect.Refused),
        ("two Host headers", t => $"GET {t.Path} HTTP/1.1\r\n{Host}Host: evil.example\r\n\r\n", HostileExpect.Refused),
        ("101 headers (over Kestrel's 100)", t => Get(t, string.Concat(Enumerable.Range(0, 101).Select(i => $"X-H{i}: {i}\r\n"))), HostileExpect.Refused),
        ("a 40 KiB header", t => Get(t, $"X-Big: {new string('a', 40 * 1024)}\r\n"), HostileExpect.Refused),
        ("a 9 KiB request line", t => $"GET {t.Path}?{new string('q', 9 * 1024)} HTTP/1.1\r\n{Host}\r\n", HostileExpect.Refused),
        ("Connection naming Host", t => Get(t, "Connection: Host\r\n"), HostileExpect.Either),
        ("Connection naming Content-Length", t => Get(t, "Connection: Content-Length\r\nContent-Length: 0\r\n"), HostileExpect.Either),
        ("Connection naming X-Forwarded-For and Authorization", t => Get(t, "Connection: X-Forwarded-For, Authorization\r\nAuthorization: token x\r\n"), HostileExpect.Either),
        ("Connection naming Transfer-Encoding", t => Post(t, "Connection: Transfer-Encoding\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"), HostileExpect.Either),
        ("Expect: 100-continue on a GET", t => Get(t, "Expect: 100-continue\r\n"), HostileExpect.Either),
        ("a POST with Content-Length: 0", t => Post(t, "Content-Length: 0\r\n", ""), HostileExpect.Either),
    ];

    private static readonly (string Name, Func<HostileTarget, string> Response, HostileExpect Expect, string? Body, bool CloseAfter, bool HeadRequest)[] UpstreamSide =
    [
        ("bare LF in the status line", t => "HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n" + Leak(t), HostileExpect.Either, "", false, false),
        ("bare CR in the status line", t => "HTTP/1.1 200 OK\rContent-Length: 0\r\n\r\n" + Leak(t), HostileExpect.Either, "", false, false),
        ("bare LF ending a header line", t => "HTTP/1.1 200 OK\r\nX-A: 1\nContent-Length: 0\r\n\r\n" + Leak(t), HostileExpect.Either, "", false, false),
        ("bare LF ending the head", t => "HTTP/1.1 200 OK\r\nContent-Length: 0\n\n" + Leak(t), HostileExpect.Either, "", false, false),
        ("bare CR inside a header value", t => "HTTP/1.1 200 OK\r\nX-A: a\rContent-Length: 0\r\nContent-Length: 2\r\n\r\nok", HostileExpect.Either, "ok", false, false),
        ("obs-fold in the head", t => "HTTP/1.1 200 OK\r\nX-A: 1\r\n Content-Length: 50\r\nContent-Length: 2\r\n\r\nok" + Leak(t), HostileExpect.Either, "ok", false, false),
        ("header name with a space before the colon", t => "HTTP/1.1 200 OK\r\nContent-Length : 0\r\nContent-Length: 2\r\n\r\nok" + Leak(t), HostileExpect.Either, "ok", false, false),
        ("bare LF in a chunk extension", t => "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;a=\nb\r\nok\r\n0\r\n\r\n" + Leak(t), HostileExpect.Either, "ok", false, false),
        ("bare CR in a chunk extension", t => "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;a=\rb\r\nok\r\n0\r\n\r\n" + Leak(t), HostileExpect.Either, "ok", false, false),
        ("chunk size with a leading space", t => "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n 2\r\nok\r\n0\r\n\r\n" + Leak(t), HostileExpect.Either, "ok", false, false),
        ("chunk size 0x2", t => "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0x2\r\nok\r\n0\r\n\r\n" + Leak(t), HostileExpect.Either, "ok", false, false),
        ("chunk size +2", t => "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n+2\r\nok\r\n0\r\n\r\n" + Leak(t), HostileExpect.Either, "ok", false, false),
        ("chunk size overflowing 64 bits", t => "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000002\r\nok\r\n0\r\n\r\n" + Leak(t), HostileExpect.Either, "ok", false, false),
        ("chunk data longer than its size", t => "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokk\r\n0\r\n\r\n" + Leak(t), HostileExpect.Either, "ok", false, false),
        ("bare LF in a trailer", t => "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-T: a\nContent-Length: 5\r\n\r\n" + Leak(t), HostileExpect.Either, "ok", false, false),
        ("trailer that is not a header", t => "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nnot a header\r\n\r\n" + Leak(t), HostileExpect.Either, "ok", false, false),
        ("folded trailer", t => "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-T: a\r\n b\r\n\r\n" + Leak(t), HostileExpect.Either, "ok", false, false),
        ("Content-Length and Transfer-Encoding", t => "HTTP/1.1 200 OK\r\nContent-Length: 50\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n" + Leak(t), HostileExpect.Either, "ok", false, false),
        ("Transfer-Encoding and Content-Length", t => "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 7\r\n\r\n2\r\nok\r\n0\r\n\r\n" + Leak(t), HostileExpect.Either, "ok", false, false),
        ("Content-Length: +2", t => "HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nok" + Leak(t), HostileExpect.Either, "ok", false, false),
        ("Content-Length: -2", t => "HTTP/1.1 200 OK\r\nContent-Length: -2\r\n\r\nok" + Leak(t), HostileExpect.Refused, null, false, false),
        ("Content-Length: 0x2", t => "HTTP/1.1 200 OK\r\nContent-Length: 0x2\r\n\r\nok" + Leak(t), HostileExpect.Either, "ok", false, false),
        ("Content-Length: 2 2", t => "HTTP/1.1 200 OK\r\nContent-Length: 2 2\r\n\r\nok" + Leak(t), HostileExpect.Either, "ok", false, false),
        ("Content-Length: 2, 2", t => "HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok" + Leak(t), HostileExpect.Either, "ok", false, false),
        ("Content-Length padded with spaces", t => "HTTP/1.1 200 OK\r\nContent-Length:   2   \r\n\r\nok" + Leak(t), HostileExpect.Either, "ok", false, false),
        ("Content-Length padded with zeros", t => "HTTP/1.1 200 OK\r\nContent-Length: 0002\r\n\r\nok" + Leak(t), HostileExpect.Either, "ok", false, false),
        ("two different Content-Length", t => "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 50\r\n\r\nok" + Leak(t), HostileExpect.Refused, null, false, false),
        ("Transfer-Encoding: chunked twice", t => "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n" + Leak(t), HostileExpect.Either, "ok", false, false),
        ("HTTP/1.0 keep-alive with Transfer-Encoding", t => "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n" + Leak(t), HostileExpect.Either, "ok", false, false),
        ("header line without a colon", t => "HTTP/1.1 200 OK\r\nX-A\r\nContent-Length: 2\r\n\r\nok" + Leak(t), HostileExpect.Either, "ok", false, false),
        ("Content-Length overflowing 64 bits", t => "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\nok" + Leak(t), HostileExpect.Refused, null, false, false),
        ("Transfer-Encoding: xchunked, ended by close", _ => "HTTP/1.1 200 OK\r\nTransfer-Encoding: xchunked\r\n\r\nok", HostileExpect.Either, "ok", true, false),
        ("Transfer-Encoding: chunked, identity, ended by close", _ => "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, identity\r\n\r\nok", HostileExpect.Either, "ok", true, false),
        ("Connection naming Content-Length", t => "HTTP/1.1 200 OK\r\nConnection: Content-Length\r\nContent-Length: 2\r\n\r\nok" + Leak(t), HostileExpect.Either, "ok", false, false),
        ("Connection naming Transfer-Encoding", t => "HTTP/1.1 200 OK\r\nConnection: Transfer-Encoding\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n" + Leak(t), HostileExpect.Either, "ok", false, false),
        ("a body after HEAD", t => "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" + Leak(t), HostileExpect.Either, "", false, true),
        ("a body after 204", t => "HTTP/1.1 204 No Content\r\n\r\n" + Leak(t), HostileExpect.Either, null, false, false),
        ("a body after 304", t => "HTTP/1.1 304 Not Modified\r\n\r\n" + Leak(t), HostileExpect.Either, null, false, false),
        ("bytes after a complete response", t => "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" + Leak(t), HostileExpect.Forwarded, "ok", false, false),
        ("100 Continue before the response", _ => "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", HostileExpect.Forwarded, "ok", false, false),
        ("103 Early Hints with bare LF", _ => "HTTP/1.1 103 Early Hints\r\nLink: </a>\nX: y\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", HostileExpect.Either, "ok", false, false),
        ("101 to a request without Upgrade", t => "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\n" + Leak(t), HostileExpect.Refused, null, false, false),
        ("a 20 KiB head", _ => "HTTP/1.1 200 OK\r\nX-Big: " + new string('a', 20 * 1024) + "\r\nContent-Length: 2\r\n\r\nok", HostileExpect.Either, "ok", false, false),
        ("a 100 KiB head", _ => "HTTP/1.1 200 OK\r\nX-Big: " + new string('a', 100 * 1024) + "\r\nContent-Length: 2\r\n\r\nok", HostileExpect.Refused, null, false, false),
        ("close in the middle of a body", _ => "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc", HostileExpect.Refused, null, true, false),
        ("close in the middle of a chunk", _ => "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc", HostileExpect.Refused, null, true, false),
        ("close in the middle of the head", _ => "HTTP/1.1 200 OK\r\nContent-Le", HostileExpect.Refused, null, true, false),
    ];

    /// <summary>Every case, request side then upstream side, numbered so that a run's test names count them.</summary>
    internal static readonly IReadOnlyDictionary<string, HostileCase> All = Build();

    private static Dictionary<string, HostileCase> Build()
    {
        var total = RequestSide.Length + UpstreamSide.Length;
        var cases = new List<HostileCase>();
        foreach (var (name, request, expect) in RequestSide)
        {
            cases.Add(new HostileCase($"{cases.Count + 1:00}/{total} client: {name}", request, null, expect));
        }
        foreach (var (name, response, expect, body, close, head) in UpstreamSide)
        {
            Func<HostileTarget, string> request = head ? t => $"HEAD {t.Path} HTTP/1.1\r\n{Host}X-Token: {t.Marker}\r\n\r\n" : t => Get(t);
            cases.Add(new HostileCase($"{cases.Count + 1:00}/{total} server: {name}", request, response, expect, body, close, head));
        }
        return cases.ToDictionary(c => c.Id);
    }

    /// <summary>Each case against each path: the connection-level path (the default), YARP only, and the standalone proxy.</summary>
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var path in new[] { "fast", "yarp", "standalone" })
        {
            foreach (var id in All.Keys)
            {
                data.Add(path, id);
            }
        }
        return data;
    }
}
