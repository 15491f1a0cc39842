using System.Buffers.Binary;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Greyhub.Proxy.Sni.Parsing;

namespace Greyhub.Proxy.Sni.Tests;

/// <summary>ClientHellos for the tests: real ones captured from .NET's TLS client, and hand-built ones to break at will.</summary>
internal static class ClientHellos
{
    /// <summary>The first bytes .NET's <see cref="SslStream"/> sends for <paramref name="serverName"/> (read until the parser has a whole ClientHello).</summary>
    public static async Task<byte[]> CaptureAsync(string serverName, CancellationToken cancellationToken)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port, cancellationToken);
        using var server = await listener.AcceptTcpClientAsync(cancellationToken);
        var tls = new SslStream(client.GetStream());
        var handshake = tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = serverName }, cancellationToken);
        var bytes = new List<byte>();
        var buffer = new byte[4096];
        while (ClientHelloParser.Parse(bytes.ToArray(), 1 << 20).Status == ClientHelloStatus.NeedMore)
        {
            var read = await server.GetStream().ReadAsync(buffer, cancellationToken);
            Assert.True(read > 0, "the TLS client closed before its ClientHello was whole");
            bytes.AddRange(buffer.AsSpan(0, read));
        }
        server.Close();
        await Assert.ThrowsAnyAsync<Exception>(() => handshake);
        await tls.DisposeAsync();
        return [.. bytes];
    }

    /// <summary>A ClientHello handshake message (type, 24-bit length, body) with the given extensions.</summary>
    public static byte[] Handshake(IEnumerable<(ushort Type, byte[] Data)>? extensions, int sessionIdLength = 32)
    {
        var body = new List<byte> { 0x03, 0x03 };
        body.AddRange(new byte[32]); // random
        body.Add((byte)sessionIdLength);
        body.AddRange(new byte[sessionIdLength]);
        body.AddRange(new byte[] { 0x00, 0x04, 0x13, 0x01, 0x13, 0x02 }); // two cipher suites
        body.AddRange(new byte[] { 0x01, 0x00 }); // null compression
        if (extensions is not null)
        {
            var all = new List<byte>();
            foreach (var (type, data) in extensions)
            {
                all.AddRange(U16(type));
                all.AddRange(U16(data.Length));
                all.AddRange(data);
            }
            body.AddRange(U16(all.Count));
            body.AddRange(all);
        }
        return [0x01, (byte)(body.Count >> 16), (byte)(body.Count >> 8), (byte)body.Count, .. body];
    }

    /// <summary>A server_name extension's data: a list of (name type, name bytes).</summary>
    public static (ushort, byte[]) ServerName(params (byte Type, byte[] Name)[] names)
    {
        var list = new List<byte>();
        foreach (var (type, name) in names)
        {
            list.Add(type);
            list.AddRange(U16(name.Length));
            list.AddRange(name);
        }
        return (0, [.. U16(list.Count), .. list]);
    }

    /// <summary>A server_name extension with one host name.</summary>
    public static (ushort, byte[]) HostName(string name) => ServerName((0, Encoding.UTF8.GetBytes(name)));

    /// <summary>Splits a handshake message into handshake records of at most <paramref name="fragment"/> bytes.</summary>
    public static byte[] Records(byte[] handshake, int fragment = 16384)
    {
        var output = new List<byte>();
        for (var offset = 0; offset < handshake.Length; offset += fragment)
        {
            var length = Math.Min(fragment, handshake.Length - offset);
            output.AddRange(new byte[] { 0x16, 0x03, 0x01 });
            output.AddRange(U16(length));
            output.AddRange(handshake.AsSpan(offset, length));
        }
        return [.. output];
    }

    /// <summary>The handshake bytes inside records (reverse of <see cref="Records"/>), for re-fragmenting a captured hello.</summary>
    public static byte[] Unwrap(byte[] records)
    {
        var output = new List<byte>();
        var span = records.AsSpan();
        while (span.Length >= 5)
        {
            var length = BinaryPrimitives.ReadUInt16BigEndian(span[3..]);
            output.AddRange(span.Slice(5, length));
            span = span[(5 + length)..];
        }
        return [.. output];
    }

    private static byte[] U16(int value) => [(byte)(value >> 8), (byte)value];
}
