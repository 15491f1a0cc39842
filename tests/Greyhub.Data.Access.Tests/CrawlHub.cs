using System.Diagnostics;
using System.Net.Http.Json;
using Greyhub.Hub.Tests;
using Greyhub.Testing;

namespace Greyhub.Data.Access.Tests;

/// <summary>The remote-crawl tests share one hub and one Python server (<see cref="CrawlHub"/>).</summary>
[CollectionDefinition(Name)]
public sealed class CrawlHubCollection : ICollectionFixture<CrawlHub>
{
    public const string Name = "crawl hub";
}

/// <summary>
/// Remote stores as a colleague's static file server gives them: Debian's Python <c>http.server</c> on loopback
/// (HTML index pages, no Range support) serving stores written by Debian's xarray and zarr
/// (<see cref="CrawlScripts.WriteStores"/>) and hostile ones (<see cref="CrawlScripts.Server"/>). The hub allows the
/// whole server, reads each remote for at most <see cref="Deadline"/>, explores with at most
/// <see cref="MaxDocuments"/> requests, <see cref="MaxBytes"/> and <see cref="MaxDepth"/> levels. Every dataset is readable by group
/// <c>readers</c> (dave, who signs in with a password for the pages).
/// </summary>
public sealed class CrawlHub : IAsyncLifetime
{
    public const int MaxDocuments = 400;

    public const int MaxDepth = 6;

    public const long MaxBytes = 2 * 1024 * 1024;

    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(8);

    private HubInstance? _hub;
    private Process? _server;
    private string _root = "";

    public HubInstance Hub => _hub ?? throw new InvalidOperationException("not started");

    /// <summary>The Python server's address.</summary>
    public Uri Remote { get; private set; } = null!;

    /// <summary>The folder it serves.</summary>
    public string Www { get; private set; } = "";

    /// <summary>What Python wrote into nan.zarr/south/.zattrs (its bare NaN).</summary>
    public string NanAttributes { get; private set; } = "";

    public string DaveToken { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        await PythonPackages.RequireAsync(ct);
        _root = Directory.CreateTempSubdirectory("greyhub-crawl-").FullName;
        Www = Directory.CreateDirectory(Path.Combine(_root, "www")).FullName;
        var written = await DebianPython.RunAsync(CrawlScripts.WriteStores, [Www], ct, TimeSpan.FromMinutes(3));
        NanAttributes = System.Text.Json.JsonDocument.Parse(written).RootElement.GetProperty("nan_attrs").GetString()!;
        _server = await StartServerAsync(ct);

        _hub = await HubInstance.StartAsync(
            "Greyhub:Data:AllowedRemotes:0=" + Remote,
            "Greyhub:Data:RemoteDeadline=" + Deadline,
            "Greyhub:Data:RemoteCrawlMaxDocuments=" + MaxDocuments,
            "Greyhub:Data:RemoteCrawlMaxDepth=" + MaxDepth,
            "Greyhub:Data:RemoteCrawlMaxBytes=" + MaxBytes,
            // At most the crawl's whole budget, as the options' validation requires.
            "Greyhub:Data:RemoteMaxMetadataBytes=" + (MaxBytes * 3 / 4));
        DaveToken = await Hub.TokenForAsync("dave");
        var admin = Hub.Client(Hub.AdminToken);
        (await admin.PostAsJsonAsync("hub/api/groups/readers", new { users = new[] { "dave" } }, ct)).EnsureSuccessStatusCode();
        // plain's format is probed (HEAD requests); the hostile ones' is given, as probing the slow one would wait.
        await RegisterAsync("plain", "plain.zarr", null);
        await RegisterAsync("many", "many.zarr", "zarr-v2");
        await RegisterAsync("nan", "nan.zarr", "zarr-v2");
        await RegisterAsync("malformed", "malformed.zarr", "zarr-v2");
        foreach (var hostile in new[] { "slow", "endless", "liar", "deep", "wide", "heavy" })
        {
            await RegisterAsync(hostile, $"hostile/{hostile}.zarr", "zarr-v2");
        }
    }

    /// <summary>A client signed in as dave with the login cookie (the data pages need a browser session).</summary>
    public Task<HttpClient> SignedInAsync() => PageSession.SignInAsync(Hub, "dave");

    private async Task RegisterAsync(string name, string path, string? format)
    {
        var body = new Dictionary<string, object> { ["location"] = new Uri(Remote, path).ToString(), ["read_groups"] = new[] { "readers" }, ["title"] = name };
        if (format is not null)
        {
            body["format"] = format;
        }
        using var response = await Hub.Client(Hub.AdminToken).PostAsJsonAsync($"hub/api/datasets/{name}", body, TestContext.Current.CancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"registering {name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    private async Task<Process> StartServerAsync(CancellationToken ct)
    {
        var start = new ProcessStartInfo(DebianPython.Path) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-c", CrawlScripts.Server, Www, "3000" })
        {
            start.ArgumentList.Add(arg);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("python did not start");
        var port = await process.StandardOutput.ReadLineAsync(ct);
        if (port is null)
        {
            throw new InvalidOperationException("the Python server exited: " + await process.StandardError.ReadToEndAsync(ct));
        }
        Remote = new Uri($"http://127.0.0.1:{port.Trim()}/");
        // Tracebacks are drained, so a full pipe never stalls it.
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        return process;
    }

    public async ValueTask DisposeAsync()
    {
        if (_hub is not null)
        {
            await _hub.DisposeAsync();
        }
        if (_server is { HasExited: false })
        {
            _server.Kill(entireProcessTree: true);
            await _server.WaitForExitAsync();
        }
        _server?.Dispose();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}
