using System.Diagnostics;
using System.Net.Sockets;
using Greyhub.Testing;
using Greyhub.Zarr.Storage;
using Fault = Greyhub.Zarr.Tests.FaultyFileServer.Fault;

namespace Greyhub.Zarr.Tests;

/// <summary>The HTTP store retries transient failures (resets, cut bodies, 502/503) and only those.</summary>
public sealed class HttpRetryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly HttpStoreOptions Quick = new() { FirstRetryDelay = TimeSpan.FromMilliseconds(1), MaxRetryDelay = TimeSpan.FromMilliseconds(20), MaxAttempts = 4 };

    /// <summary>A 64x64 int32 array in 256 zlib chunks, values i.</summary>
    private static async Task<int[]> WriteArrayAsync(string path)
    {
        var array = await ZarrArray.CreateAsync(new FileSystemStore(path), "", new ZarrArrayDefinition
        {
            ZarrFormat = 2, Shape = [64, 64], ChunkShape = [4, 4], DataType = ZarrDataType.FromV2("<i4"),
            Compressor = new() { ["name"] = "numcodecs.zlib" },
        }, cancellationToken: Ct);
        var values = Enumerable.Range(0, 64 * 64).ToArray();
        await array.WriteAsync<int>(null, values, Ct);
        return values;
    }

    [Fact]
    public async Task Concurrent_reads_succeed_when_first_attempts_fail_transiently()
    {
        using var dir = new TempDir();
        var values = await WriteArrayAsync(dir.Path);
        Fault[] cycle = [Fault.Status503, Fault.ResetBeforeHeaders, Fault.CutBody, Fault.Status502, Fault.None];
        // Every chunk's first request fails one way or another; metadata too.
        await using var server = await FaultyFileServer.StartAsync(dir.Path,
            (path, attempt) => attempt == 1 ? cycle[(path.GetHashCode(StringComparison.Ordinal) & int.MaxValue) % cycle.Length] : Fault.None, Ct);
        using var client = new HttpClient();
        var http = new HttpStore(server.BaseUri, client, Quick);
        var array = await ZarrArray.OpenAsync(http, cancellationToken: Ct);
        // A dozen readers at once, each the whole array, plus sizes through HEAD.
        var reads = Enumerable.Range(0, 12).Select(_ => array.ReadAsync<int>(cancellationToken: Ct)).ToArray();
        foreach (var r in await Task.WhenAll(reads))
        {
            Assert.Equal(values, r);
        }
        Assert.Equal(File.ReadAllBytes(Path.Combine(dir.Path, "0.0")).Length, await http.GetSizeAsync("0.0", Ct));
        Assert.True(server.Faults > 150, $"{server.Faults} faults injected");
    }

    [Fact]
    public async Task Permanent_errors_fail_at_once_and_transient_ones_after_the_bounded_attempts()
    {
        using var dir = new TempDir();
        await WriteArrayAsync(dir.Path);
        await using var server = await FaultyFileServer.StartAsync(dir.Path, (path, _) => path switch
        {
            "0.0" => Fault.Status403,
            "0.1" => Fault.Status503,
            "0.2" => Fault.ResetBeforeHeaders,
            _ => Fault.None,
        }, Ct);
        using var client = new HttpClient();
        var http = new HttpStore(server.BaseUri, client, Quick);
        var before = server.Requests;
        var forbidden = await Assert.ThrowsAsync<ZarrException>(async () => await http.GetAsync("0.0", Ct));
        Assert.Contains("403", forbidden.Message, StringComparison.Ordinal);
        Assert.Equal(before + 1, server.Requests);
        var busy = await Assert.ThrowsAsync<ZarrException>(async () => await http.GetAsync("0.1", Ct));
        Assert.Contains("after 4 attempts", busy.Message, StringComparison.Ordinal);
        Assert.Contains("503", busy.Message, StringComparison.Ordinal);
        Assert.Equal(before + 5, server.Requests);
        var reset = await Assert.ThrowsAsync<ZarrException>(async () => await http.GetAsync("0.2", Ct));
        Assert.Contains("after 4 attempts", reset.Message, StringComparison.Ordinal);
        Assert.Null(await http.GetAsync("missing", Ct));
        Assert.NotNull(await http.GetAsync("0.3", Ct));
        Assert.Throws<ArgumentException>(() => new HttpStore(server.BaseUri, client, new HttpStoreOptions { MaxAttempts = 0 }));
    }

    [Fact]
    public async Task Python_http_server_serves_64_concurrent_readers_identical_bytes()
    {
        Requires.PythonModules("apt-get install -y python3", "http.server");
        using var dir = new TempDir();
        var values = await WriteArrayAsync(dir.Path);
        var port = FreePort.Next();
        var psi = new ProcessStartInfo(DebianPython.Path) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-m", "http.server", "--bind", "127.0.0.1", "--directory", dir.Path, port.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            psi.ArgumentList.Add(a);
        }
        using var python = Process.Start(psi)!;
        python.BeginOutputReadLine();
        python.BeginErrorReadLine();
        try
        {
            await WaitForPortAsync(port);
            using var client = new HttpClient();
            var http = new HttpStore(new Uri($"http://127.0.0.1:{port}/"), client);
            var array = await ZarrArray.OpenAsync(http, cancellationToken: Ct);
            var readers = Enumerable.Range(0, 64).Select(async i =>
            {
                var row = i % 64;
                var got = await array.ReadAsync<int>(ZarrSlice.Parse($"{row}:{row + 1},:"), Ct);
                return (row, got);
            });
            foreach (var (row, got) in await Task.WhenAll(readers))
            {
                Assert.Equal(values.AsSpan(row * 64, 64).ToArray(), got);
            }
        }
        finally
        {
            python.Kill(entireProcessTree: true);
            await python.WaitForExitAsync(CancellationToken.None);
        }
    }

    private static async Task WaitForPortAsync(int port)
    {
        for (var i = 0; ; i++)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync("127.0.0.1", port, Ct);
                return;
            }
            catch (SocketException) when (i < 200)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), Ct);
            }
        }
    }
}
