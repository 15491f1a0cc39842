using System.Text;
using System.Text.RegularExpressions;
using Greyhub.Proxy.Sni.Parsing;
using static Greyhub.Proxy.Sni.Tests.ClientHellos;

namespace Greyhub.Proxy.Sni.Tests;

/// <summary>The ClientHello parser against hostile bytes: it finds the one valid host name or refuses, and never throws.</summary>
public sealed partial class ClientHelloParserTests
{
    private const int Max = 16 * 1024;

    private static ClientHelloResult Parse(byte[] bytes, int max = Max) => ClientHelloParser.Parse(bytes, max);

    private static byte[] Hello(params (ushort, byte[])[] extensions) => Records(Handshake(extensions));

    [Fact]
    public async Task Finds_the_name_in_a_real_ClientHello_from_dotnet()
    {
        var hello = await CaptureAsync("daskgateway-a", TestContext.Current.CancellationToken);
        Assert.Equal(new ClientHelloResult(ClientHelloStatus.Found, "daskgateway-a"), Parse(hello));
    }

    [Fact]
    public async Task Every_prefix_of_a_real_ClientHello_asks_for_more_bytes()
    {
        var hello = await CaptureAsync("daskgateway-a", TestContext.Current.CancellationToken);
        for (var length = 0; length < hello.Length; length++)
        {
            Assert.Equal(ClientHelloStatus.NeedMore, Parse(hello[..length]).Status);
        }
    }

    [Fact]
    public async Task A_ClientHello_fragmented_over_many_records_is_reassembled_at_every_fragment_size()
    {
        var handshake = Unwrap(await CaptureAsync("daskgateway-b", TestContext.Current.CancellationToken));
        for (var fragment = 1; fragment <= handshake.Length; fragment++)
        {
            Assert.Equal("daskgateway-b", Parse(Records(handshake, fragment), 1 << 20).ServerName);
        }
    }

    [Fact]
    public async Task Whole_records_end_moves_only_when_a_record_is_complete()
    {
        var records = Records(Unwrap(await CaptureAsync("daskgateway-a", TestContext.Current.CancellationToken)), 50);
        var end = 0;
        var moves = 0;
        for (var length = 1; length <= records.Length; length++)
        {
            var next = ClientHelloParser.WholeRecordsEnd(records.AsSpan(0, length), end);
            Assert.InRange(next, end, length);
            if (next > end)
            {
                moves++;
                Assert.Equal(length, next); // It moves on the very byte that completes a record.
                Assert.Equal(next < records.Length ? ClientHelloStatus.NeedMore : ClientHelloStatus.Found, Parse(records[..next]).Status);
            }
            end = next;
        }
        Assert.Equal(records.Length, end);
        Assert.Equal((records.Length + 54) / 55, moves);
    }

    [Fact]
    public void Bytes_after_the_ClientHello_do_not_matter()
    {
        Assert.Equal("x", Parse([.. Hello(HostName("x")), 0x17, 0x03, 0x03, 0xff]).ServerName);
    }

    [Fact]
    public void Names_are_lower_cased_as_DNS_names_compare()
    {
        Assert.Equal("daskgateway-abc", Parse(Hello(HostName("DaskGateway-ABC"))).ServerName);
    }

    [Fact]
    public void A_record_longer_than_the_bytes_received_waits_and_one_longer_than_TLS_allows_is_refused()
    {
        Assert.Equal(ClientHelloStatus.NeedMore, Parse([0x16, 0x03, 0x01, 0x40, 0x00, 0x01, 0x00]).Status);
        Assert.Equal(ClientHelloStatus.Malformed, Parse([0x16, 0x03, 0x01, 0x40, 0x01, 0x01]).Status);
        Assert.Equal(ClientHelloStatus.Malformed, Parse([0x16, 0x03, 0x01, 0xff, 0xff, 0x01]).Status);
        Assert.Equal(ClientHelloStatus.Malformed, Parse([0x16, 0x03, 0x01, 0x00, 0x00, 0x16, 0x03, 0x01, 0x00, 0x01, 0x01]).Status);
    }

    [Fact]
    public void A_ClientHello_declaring_more_than_the_limit_is_too_large()
    {
        Assert.Equal(ClientHelloStatus.TooLarge, Parse([0x16, 0x03, 0x01, 0x00, 0x04, 0x01, 0xff, 0xff, 0xff]).Status);
        var big = Hello(HostName("x"), (0xfe00, new byte[5000]));
        Assert.Equal(ClientHelloStatus.TooLarge, Parse(big, 4096).Status);
        Assert.Equal("x", Parse(big, 8192).ServerName);
    }

    [Fact]
    public void Lengths_inside_the_ClientHello_that_point_past_its_end_are_refused()
    {
        var handshake = Handshake([HostName("daskgateway-a")]);
        // Every single length byte inside the body, raised: the structure no longer adds up.
        var refused = 0;
        for (var i = 4; i < handshake.Length; i++)
        {
            var broken = (byte[])handshake.Clone();
            broken[i] = 0xff;
            var result = Parse(Records(broken));
            Assert.NotEqual(ClientHelloStatus.NeedMore, result.Status);
            if (result.Status != ClientHelloStatus.Found)
            {
                refused++;
            }
            else
            {
                Assert.Matches(HostNamePattern(), result.ServerName!);
            }
        }
        Assert.True(refused > 10, $"only {refused} corruptions were refused");
        // The handshake header claiming more than the records carry: wait, and never read past them.
        Assert.Equal(ClientHelloStatus.NeedMore, Parse(Records([0x01, 0x00, 0x10, 0x00, 0x03, 0x03])).Status);
    }

    [Fact]
    public void Other_handshake_messages_and_record_types_are_refused()
    {
        var serverHello = Handshake([HostName("x")]);
        serverHello[0] = 0x02;
        Assert.Equal(ClientHelloStatus.Malformed, Parse(Records(serverHello)).Status);
        var handshake = Handshake([HostName("x")]);
        // An alert record in the middle of a fragmented ClientHello.
        byte[] mixed = [.. Records(handshake[..10]), 0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x28, .. Records(handshake[10..])];
        Assert.Equal(ClientHelloStatus.Malformed, Parse(mixed).Status);
        Assert.Equal(ClientHelloStatus.Malformed, Parse([0x16, 0x02, 0x00, 0x00, 0x01, 0x01]).Status);
    }

    [Fact]
    public void Plain_text_and_SSLv2_hellos_are_not_TLS()
    {
        Assert.Equal(ClientHelloStatus.NotTls, Parse(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: daskgateway-a\r\n\r\n")).Status);
        // SSLv2-compatible ClientHello: two-byte header with the high bit set.
        Assert.Equal(ClientHelloStatus.NotTls, Parse([0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15, 0x00, 0x00, 0x00, 0x10]).Status);
        Assert.Equal(ClientHelloStatus.NotTls, Parse([0x00]).Status);
    }

    [Fact]
    public void Two_server_name_extensions_or_two_host_names_are_refused()
    {
        Assert.Equal(ClientHelloStatus.Malformed, Parse(Hello(HostName("daskgateway-a"), HostName("daskgateway-b"))).Status);
        Assert.Equal(ClientHelloStatus.Malformed, Parse(Hello(HostName("daskgateway-a"), (0x0010, [0, 0]), HostName("daskgateway-a"))).Status);
        var twoNames = ServerName((0, "daskgateway-a"u8.ToArray()), (0, "daskgateway-b"u8.ToArray()));
        Assert.Equal(ClientHelloStatus.Malformed, Parse(Hello(twoNames)).Status);
    }

    [Fact]
    public void Names_of_other_types_are_skipped()
    {
        Assert.Equal(ClientHelloStatus.NoServerName, Parse(Hello(ServerName((1, "daskgateway-a"u8.ToArray())))).Status);
        Assert.Equal("daskgateway-a", Parse(Hello(ServerName((7, [1, 2, 3]), (0, "daskgateway-a"u8.ToArray())))).ServerName);
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0x64, 0x00, 0x61 })] // NUL inside
    [InlineData(new byte[] { 0x64, 0xc3, 0xa4 })] // UTF-8 'ä'
    [InlineData(new byte[] { 0x61, 0x2e })] // trailing dot
    [InlineData(new byte[] { 0x2e, 0x61 })] // leading dot
    [InlineData(new byte[] { 0x61, 0x2e, 0x2e, 0x62 })] // empty label
    [InlineData(new byte[] { 0x61, 0x20, 0x62 })] // space
    [InlineData(new byte[] { 0x61, 0x3a, 0x38 })] // colon
    public void Host_names_that_are_not_DNS_names_are_refused(byte[] name)
    {
        Assert.Equal(ClientHelloStatus.Malformed, Parse(Hello(ServerName((0, name)))).Status);
    }

    [Fact]
    public void Host_names_longer_than_DNS_allows_are_refused()
    {
        Assert.Equal(ClientHelloStatus.Malformed, Parse(Hello(HostName(new string('a', 64)))).Status);
        Assert.Equal(ClientHelloStatus.Malformed, Parse(Hello(HostName(string.Join('.', Enumerable.Repeat(new string('a', 63), 5))))).Status);
        Assert.Equal(ClientHelloStatus.Found, Parse(Hello(HostName(string.Join('.', Enumerable.Repeat(new string('a', 63), 4))))).Status);
    }

    [Fact]
    public void Empty_or_unbalanced_server_name_lists_are_refused()
    {
        Assert.Equal(ClientHelloStatus.Malformed, Parse(Hello((0, [0x00, 0x00]))).Status);
        Assert.Equal(ClientHelloStatus.Malformed, Parse(Hello((0, [0x00, 0x05, 0x00, 0x00, 0x01, 0x61]))).Status);
        Assert.Equal(ClientHelloStatus.Malformed, Parse(Hello((0, [0x00, 0x04, 0x00, 0x00, 0x01, 0x61, 0x00]))).Status);
        Assert.Equal(ClientHelloStatus.Malformed, Parse(Hello((0, []))).Status);
    }

    [Fact]
    public void A_ClientHello_without_extensions_or_without_a_name_has_no_server_name()
    {
        Assert.Equal(ClientHelloStatus.NoServerName, Parse(Records(Handshake(null))).Status);
        Assert.Equal(ClientHelloStatus.NoServerName, Parse(Hello((0x002b, [0x02, 0x03, 0x04]))).Status);
    }

    [Fact]
    public void A_huge_list_of_extensions_is_walked_within_the_limit()
    {
        var many = Enumerable.Range(0, 5000).Select(i => ((ushort)(0x1000 + i), Array.Empty<byte>())).ToList();
        many.Add(HostName("daskgateway-last"));
        var hello = Records(Handshake(many));
        Assert.True(hello.Length > Max);
        Assert.Equal(ClientHelloStatus.TooLarge, Parse(hello).Status);
        Assert.Equal("daskgateway-last", Parse(hello, 1 << 20).ServerName);
    }

    [Fact]
    public async Task Thousands_of_random_and_mutated_inputs_never_throw_and_only_yield_valid_names()
    {
        var real = await CaptureAsync("daskgateway-fuzz", TestContext.Current.CancellationToken);
        var random = new Random(20261207);
        var counts = new Dictionary<ClientHelloStatus, int>();
        for (var i = 0; i < 5000; i++)
        {
            byte[] input;
            switch (i % 4)
            {
                case 0: // random bytes, half of them starting like a handshake record
                    input = new byte[random.Next(0, 700)];
                    random.NextBytes(input);
                    if (input.Length > 2 && i % 8 == 0)
                    {
                        input[0] = 0x16;
                        input[1] = 0x03;
                    }
                    break;
                case 1: // a real hello with a few bytes flipped
                    input = (byte[])real.Clone();
                    for (var n = random.Next(1, 8); n > 0; n--)
                    {
                        input[random.Next(input.Length)] = (byte)random.Next(256);
                    }
                    break;
                case 2: // a real hello cut anywhere, with random bytes appended
                    var cut = random.Next(real.Length);
                    var tail = new byte[random.Next(0, 64)];
                    random.NextBytes(tail);
                    input = [.. real[..cut], .. tail];
                    break;
                default: // a real hello's handshake re-fragmented at random, then flipped once
                    input = Records(Unwrap(real), random.Next(1, 400));
                    input[random.Next(input.Length)] ^= (byte)(1 << random.Next(8));
                    break;
            }
            var result = Parse(input);
            counts[result.Status] = counts.GetValueOrDefault(result.Status) + 1;
            if (result.Status == ClientHelloStatus.Found)
            {
                Assert.Matches(HostNamePattern(), result.ServerName!);
            }
            else
            {
                Assert.Null(result.ServerName);
            }
        }
        // The mutations reach every outcome, so the loop really exercised the refusals.
        Assert.True(counts.Keys.Count >= 5, string.Join(", ", counts));
    }

    [GeneratedRegex("^[a-z0-9_-]+(\\.[a-z0-9_-]+)*$")]
    private static partial Regex HostNamePattern();
}
