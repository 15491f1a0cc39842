using System.Diagnostics;
using System.Text;
using Greyhub.Data.Access.Serving;
using Greyhub.Data.Access.Writes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Greyhub.Data.Access.Tests;

/// <summary>
/// A hostile suite for how keys are opened (<see cref="DatasetFiles"/>), in every mode the hub may pick at start
/// (openat2 or the per-segment walk; statx or fstat): symlinks anywhere, dot segments, FIFOs, devices, files and
/// folders swapped after the check, dates no calendar holds. Each case would have served or hung on the reviewed bugs.
/// </summary>
public sealed class KeyOpeningTests : IDisposable
{
    private const string Secret = "OUTSIDE-THE-DATASET";

    private readonly string _top = Directory.CreateTempSubdirectory("greyhub-keys-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<bool, bool> Modes => new() { { true, true }, { false, true }, { true, false }, { false, false } };

    private string Root => Path.Combine(_top, "root");

    private string Outside => Path.Combine(_top, "outside");

    public KeyOpeningTests()
    {
        Directory.CreateDirectory(Path.Combine(Root, "sub"));
        Directory.CreateDirectory(Outside);
        File.WriteAllText(Path.Combine(Outside, "secret.txt"), Secret);
        File.WriteAllText(Path.Combine(Root, "a.txt"), "hello");
        File.WriteAllText(Path.Combine(Root, "sub", "deep.txt"), "deep");
        File.CreateSymbolicLink(Path.Combine(Root, "link-out"), Path.Combine(Outside, "secret.txt"));
        File.CreateSymbolicLink(Path.Combine(Root, "link-in"), Path.Combine(Root, "a.txt"));
        File.CreateSymbolicLink(Path.Combine(Root, "dir-out"), Outside);
        File.CreateSymbolicLink(Path.Combine(Root, "sub", "up"), "..");
    }

    public void Dispose() => Directory.Delete(_top, recursive: true);

    [Theory]
    [MemberData(nameof(Modes))]
    public void Symlinks_dot_segments_and_absolute_keys_are_missing_in_every_mode(bool openat2, bool statx)
    {
        var files = new DatasetFiles(openat2, statx);
        foreach (var key in new[] { "link-out", "link-in", "dir-out/secret.txt", "sub/up/a.txt", "../outside/secret.txt", "sub/../a.txt",
            "./a.txt", "/etc/passwd", "sub//deep.txt", "a.txt\0x", "nope", "a.txt/x" })
        {
            using var opened = files.Open(Root, key);
            Assert.True(opened.Kind == KeyKind.Missing, $"{key}: {opened.Kind}");
        }
        using var file = files.Open(Root, "sub/deep.txt");
        Assert.Equal(KeyKind.File, file.Kind);
        Assert.Equal(4, file.Stat.Size);
        // Refusals of single requests never change how keys are opened (the reviewed fallback switched for good on one EPERM).
        Assert.Equal(openat2, files.UsesOpenat2);
        Assert.Equal(statx, files.UsesStatx);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task A_fifo_is_missing_and_opening_it_does_not_wait_for_a_writer(bool openat2, bool statx)
    {
        await RunAsync("mkfifo", Path.Combine(Root, "pipe"));
        var files = new DatasetFiles(openat2, statx);
        // Bounded only so a regression fails instead of hanging the run; the refusal itself is what is asserted.
        var opened = await Task.Run(() => files.Open(Root, "pipe"), Ct).WaitAsync(TimeSpan.FromMinutes(1), Ct);
        Assert.Equal(KeyKind.Missing, opened.Kind);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void A_device_is_missing(bool openat2, bool statx)
    {
        // /dev as a dataset root: its nodes are devices, never opened for reading (O_PATH first, type checked).
        var files = new DatasetFiles(openat2, statx);
        foreach (var key in new[] { "null", "zero", "urandom" })
        {
            using var opened = files.Open("/dev", key);
            Assert.True(opened.Kind == KeyKind.Missing, $"{key}: {opened.Kind}");
        }
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task A_large_file_swapped_for_a_symlink_after_the_check_is_served_from_the_checked_descriptor(bool openat2, bool statx)
    {
        var original = new byte[(1 << 20) + 17];
        Random.Shared.NextBytes(original);
        var big = Path.Combine(Root, "big.bin");
        await File.WriteAllBytesAsync(big, original, Ct);
        var files = new DatasetFiles(openat2, statx);
        var opened = files.Open(Root, "big.bin");
        Assert.Equal(KeyKind.File, opened.Kind);
        File.Delete(big);
        File.CreateSymbolicLink(big, Path.Combine(Outside, "secret.txt"));

        var (status, length, body) = await ExecuteAsync(DataEndpointsFile(opened), HttpMethods.Head, range: null);
        Assert.Equal(200, status);
        Assert.Equal(original.Length, length);
        Assert.Empty(body);
        (status, length, body) = await ExecuteAsync(DataEndpointsFile(files.Open(Root, "a.txt")), HttpMethods.Get, "bytes=1-3");
        Assert.Equal(206, status);
        Assert.Equal("ell", Encoding.ASCII.GetString(body));

        var again = new DatasetFiles(openat2, statx).Open(Root, "big.bin");
        Assert.Equal(KeyKind.Missing, again.Kind);
        opened = files.Open(Root, "sub/deep.txt");
        File.Delete(Path.Combine(Root, "sub", "deep.txt"));
        (status, length, body) = await ExecuteAsync(DataEndpointsFile(opened), HttpMethods.Get, range: null);
        Assert.Equal(200, status);
        Assert.Equal("deep", Encoding.ASCII.GetString(body));
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void A_listing_lists_the_folder_that_was_checked_even_once_swapped_for_a_symlink(bool openat2, bool statx)
    {
        var files = new DatasetFiles(openat2, statx);
        using var opened = files.Open(Root, "sub");
        Assert.Equal(KeyKind.Folder, opened.Kind);
        Directory.Move(Path.Combine(Root, "sub"), Path.Combine(Root, "sub-old"));
        File.CreateSymbolicLink(Path.Combine(Root, "sub"), Outside);

        var names = files.List(opened).Select(e => e.Name).ToList();
        Assert.Equal(["deep.txt"], names);
        using var root = files.Open(Root, "");
        // Symlinks are not listed (never served): only the files and folders a reader can open.
        Assert.Equal(["a.txt", "sub-old"], files.List(root).Select(e => e.Name));
    }

    [Theory]
    [InlineData(-62_200_000_000L)]
    [InlineData(300_000_000_000L)]
    [InlineData(-1L)]
    public async Task Dates_no_calendar_holds_do_not_throw(long seconds)
    {
        // tmpfs keeps 64-bit times (ext4 would clamp them to 1901-2446).
        var shm = Directory.CreateDirectory(Path.Combine("/dev/shm", "greyhub-keys-" + Guid.NewGuid().ToString("N"))).FullName;
        try
        {
            var file = Path.Combine(shm, "old.bin");
            await File.WriteAllTextAsync(file, "x", Ct);
            await RunAsync("touch", "-m", "-d", "@" + seconds, file);
            foreach (var (openat2, statx) in new[] { (true, true), (false, false) })
            {
                var files = new DatasetFiles(openat2, statx);
                var opened = files.Open(shm, "old.bin");
                Assert.Equal(KeyKind.File, opened.Kind);
                Assert.Equal(seconds, opened.Stat.MtimeSeconds);
                var (status, _, body) = await ExecuteAsync(DataEndpointsFile(opened), HttpMethods.Get, range: null);
                Assert.Equal(200, status);
                Assert.Equal("x", Encoding.ASCII.GetString(body));
                using var folder = files.Open(shm, "");
                Assert.Equal("old.bin", Assert.Single(files.List(folder)).Name);
            }
        }
        finally
        {
            Directory.Delete(shm, recursive: true);
        }
    }

    [Fact]
    public void Statx_and_its_fstat_fallback_describe_a_file_alike()
    {
        using var viaStatx = new DatasetFiles(true, true).Open(Root, "a.txt");
        using var viaFstat = new DatasetFiles(true, false).Open(Root, "a.txt");
        Assert.Equal(viaStatx.Stat.Size, viaFstat.Stat.Size);
        Assert.Equal(viaStatx.Stat.MtimeSeconds, viaFstat.Stat.MtimeSeconds);
        Assert.Equal(viaStatx.Stat.MtimeNanoseconds, viaFstat.Stat.MtimeNanoseconds);
        Assert.Equal(viaStatx.Stat.Inode, viaFstat.Stat.Inode);
        Assert.Equal(viaStatx.Stat.ETag, viaFstat.Stat.ETag);
    }

    [Fact]
    public void Stale_temporary_files_are_removed_relative_to_the_folder_and_never_through_a_symlinked_folder()
    {
        var stale = Path.Combine(Root, KeyFolders.TemporaryName());
        var fresh = Path.Combine(Root, KeyFolders.TemporaryName());
        var outsideStale = Path.Combine(Outside, KeyFolders.TemporaryName());
        foreach (var f in new[] { stale, fresh, outsideStale })
        {
            File.WriteAllText(f, "t");
        }
        File.SetLastWriteTimeUtc(stale, DateTime.UnixEpoch);
        File.SetLastWriteTimeUtc(outsideStale, DateTime.UnixEpoch);
        var now = TimeProvider.System.GetUtcNow();

        KeyFolders.SweepStale(Path.Combine(Root, "dir-out"), now);
        Assert.True(File.Exists(outsideStale));
        KeyFolders.SweepStale(Root, now);
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(fresh));
    }

    private static IResult DataEndpointsFile(OpenedKey opened) => DataEndpoints.FileResult(new DefaultHttpContext().Response, opened, "k.bin");

    private static async Task<(int Status, long? Length, byte[] Body)> ExecuteAsync(IResult result, string method, string? range)
    {
        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider() };
        context.Request.Method = method;
        if (range is not null)
        {
            context.Request.Headers.Range = range;
        }
        var body = new MemoryStream();
        context.Response.Body = body;
        await result.ExecuteAsync(context);
        return (context.Response.StatusCode, context.Response.ContentLength, body.ToArray());
    }

    private static async Task RunAsync(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start (coreutils)");
        await process.WaitForExitAsync(Ct);
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', args)}: {await process.StandardError.ReadToEndAsync(Ct)}");
    }
}
