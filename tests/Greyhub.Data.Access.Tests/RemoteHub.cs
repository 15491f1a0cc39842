using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Greyhub.Hub.Tests;
using Greyhub.Testing;

namespace Greyhub.Data.Access.Tests;

/// <summary>The remote-store and write tests share one hub and one nginx (<see cref="RemoteHub"/>).</summary>
[CollectionDefinition(Name)]
public sealed class RemoteHubCollection : ICollectionFixture<RemoteHub>
{
    public const string Name = "remote hub";
}

/// <summary>
/// A real remote store and a hub reading it: nginx (Debian's nginx-light), started on a free loopback port, serves a
/// Zarr store written by Debian's xarray under <c>/allowed/</c> only to requests carrying <see cref="RemoteSecret"/>
/// (and adds headers of its own that must not reach readers), redirects out of and within the store, echoes what it
/// was sent, and serves <c>/outside/secret.txt</c>, which no reader may ever get. The hub allows the
/// <c>/allowed/</c> prefix only and registers:
/// <list type="bullet">
/// <item><c>sky</c>: the remote store, with the secret as its remote header, readable by group <c>readers</c> (dave);</item>
/// <item><c>scratch</c>: a local folder writable by group <c>writers</c> (carol), readable by <c>readers</c>.</item>
/// </list>
/// erin is in neither group. The hub passes on at most 1 MiB per remote answer and accepts at most 4 MiB per write.
/// </summary>
public sealed class RemoteHub : IAsyncLifetime
{
    public const string RemoteSecret = "s3cr3t-remote-credential-7f1c";

    public const string Secret = "TOP-SECRET-OUTSIDE-THE-REMOTE-PREFIX";

    public const long MaxRemoteBytes = 1024 * 1024;

    public const long MaxWriteBytes = 4 * 1024 * 1024;

    private HubInstance? _hub;
    private Process? _nginx;
    private string _root = "";

    public HubInstance Hub => _hub ?? throw new InvalidOperationException("not started");

    /// <summary>nginx's address.</summary>
    public Uri Remote { get; private set; } = null!;

    /// <summary>The store's files as nginx serves them.</summary>
    public string SkyPath { get; private set; } = "";

    /// <summary>The writable dataset's folder.</summary>
    public string ScratchPath { get; private set; } = "";

    /// <summary>A folder beside the datasets that writes must never reach.</summary>
    public string Outside { get; private set; } = "";

    public string CarolToken { get; private set; } = "";

    public string DaveToken { get; private set; } = "";

    public string ErinToken { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        await PythonPackages.RequireAsync(ct);
        var nginx = Requires.Program("nginx", "apt-get install -y nginx-light (or run .ci/install-deps)");
        _root = Directory.CreateTempSubdirectory("greyhub-remote-").FullName;
        var www = Directory.CreateDirectory(Path.Combine(_root, "www")).FullName;
        SkyPath = Path.Combine(www, "allowed", "sky.zarr");
        await DebianPython.RunAsync(PythonScripts.WriteOcean, [SkyPath, "3", "synthetic sky", "consolidated"], ct);
        var big = new byte[2 * MaxRemoteBytes];
        Random.Shared.NextBytes(big);
        await File.WriteAllBytesAsync(Path.Combine(SkyPath, "big.bin"), big, ct);
        Directory.CreateDirectory(Path.Combine(www, "outside"));
        await File.WriteAllTextAsync(Path.Combine(www, "outside", "secret.txt"), Secret + "\n", ct);

        var port = FreePort.Next();
        Remote = new Uri($"http://127.0.0.1:{port}/");
        _nginx = await StartNginxAsync(nginx, port, www, ct);

        var allowed = Directory.CreateDirectory(Path.Combine(_root, "datasets")).FullName;
        ScratchPath = Directory.CreateDirectory(Path.Combine(allowed, "scratch")).FullName;
        Outside = Directory.CreateDirectory(Path.Combine(_root, "outside")).FullName;
        File.CreateSymbolicLink(Path.Combine(ScratchPath, "out"), Outside);

        _hub = await HubInstance.StartAsync(
            "Greyhub:Data:AllowedRoots:0=" + allowed,
            "Greyhub:Data:AllowedRemotes:0=" + new Uri(Remote, "allowed/"),
            "Greyhub:Data:RemoteMaxResponseBytes=" + MaxRemoteBytes,
            "Greyhub:Data:MaxWriteBytes=" + MaxWriteBytes);
        CarolToken = await Hub.TokenForAsync("carol");
        DaveToken = await Hub.TokenForAsync("dave");
        ErinToken = await Hub.TokenForAsync("erin");
        var admin = Hub.Client(Hub.AdminToken);
        (await admin.PostAsJsonAsync("hub/api/groups/writers", new { users = new[] { "carol" } }, ct)).EnsureSuccessStatusCode();
        (await admin.PostAsJsonAsync("hub/api/groups/readers", new { users = new[] { "dave" } }, ct)).EnsureSuccessStatusCode();
        // No trailing slash and no format: the hub adds the one and probes the store for the other.
        await RegisterAsync("sky", new
        {
            location = new Uri(Remote, "allowed/sky.zarr").ToString(),
            title = "Sky over HTTP",
            read_groups = new[] { "readers" },
            remote_header = "X-Remote-Secret: " + RemoteSecret,
        });
        await RegisterAsync("scratch", new { location = ScratchPath, format = "files", read_groups = new[] { "readers" }, write_groups = new[] { "writers" } });
    }

    /// <summary>Registers a dataset as admin; throws with the answer when refused.</summary>
    public async Task<JsonElement> RegisterAsync(string name, object body)
    {
        using var response = await Hub.Client(Hub.AdminToken).PostAsJsonAsync($"hub/api/datasets/{name}", body, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"registering {name}: {(int)response.StatusCode} {text}");
        }
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>One request over a raw socket, so that the target reaches the hub exactly as written.</summary>
    /// <summary>One request over a raw socket: the target as written (no client normalises it) and a declared body length with no body sent.</summary>
    public async Task<(int Status, string Answer)> RawAsync(string method, string target, string token, long contentLength = 0)
    {
        var ct = TestContext.Current.CancellationToken;
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, Hub.Address.Port, ct);
        await using var stream = tcp.GetStream();
        var request = $"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{Hub.Address.Port}\r\nAuthorization: token {token}\r\nContent-Length: {contentLength}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.Latin1.GetBytes(request), ct);
        using var reader = new StreamReader(stream, Encoding.Latin1);
        var answer = await reader.ReadToEndAsync(ct);
        var status = int.Parse(answer.Split("\r\n", 2)[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        return (status, answer);
    }

    private async Task<Process> StartNginxAsync(string nginx, int port, string www, CancellationToken ct)
    {
        var conf = Path.Combine(_root, "nginx.conf");
        Directory.CreateDirectory(Path.Combine(_root, "logs"));
        Directory.CreateDirectory(Path.Combine(_root, "tmp"));
        // As root nginx's worker would switch to "nobody", which cannot read a 0700 temp folder.
        var user = Environment.UserName == "root" ? "user root;" : "";
        await File.WriteAllTextAsync(conf, $$"""
            {{user}}
            worker_processes 1;
            pid {{_root}}/nginx.pid;
            error_log {{_root}}/logs/error.log warn;
            events { worker_connections 256; }
            http {
                access_log off;
                default_type application/octet-stream;
                types { application/json zarray zgroup zattrs zmetadata json; text/html html; image/svg+xml svg; }
                client_body_temp_path {{_root}}/tmp/body;
                proxy_temp_path {{_root}}/tmp/proxy;
                fastcgi_temp_path {{_root}}/tmp/fastcgi;
                uwsgi_temp_path {{_root}}/tmp/uwsgi;
                scgi_temp_path {{_root}}/tmp/scgi;
                server {
                    listen 127.0.0.1:{{port}};
                    root {{www}};
                    location /allowed/ {
                        if ($http_x_remote_secret != "{{RemoteSecret}}") { return 403; }
                        add_header X-Upstream-Private "upstream-internal" always;
                        add_header Set-Cookie "upstream=1; Path=/" always;
                        try_files $uri =404;
                    }
                    location = /allowed/sky.zarr/echo { return 200 "auth=[$http_authorization] cookie=[$http_cookie] args=[$args]"; }
                    location = /allowed/sky.zarr/moved-out { return 302 http://127.0.0.1:{{port}}/outside/secret.txt; }
                    location = /allowed/sky.zarr/moved-in { return 302 /allowed/sky.zarr/.zattrs; }
                    location = /allowed/sky.zarr/gz.json { add_header Content-Encoding gzip always; try_files $uri =404; }
                    location = /allowed/sky.zarr/sib { return 302 /allowed/sky.zarr-secret/x; }
                    location = /allowed/sky.zarr/semi { return 302 "/allowed/sky.zarr/..;/..;/outside/secret.txt"; }
                    location /outside/ { try_files $uri =404; }
                }
            }
            """, ct);
        var start = new ProcessStartInfo(nginx) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { "-c", conf, "-p", _root, "-e", Path.Combine(_root, "logs", "error.log"), "-g", "daemon off;" })
        {
            start.ArgumentList.Add(arg);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("nginx did not start");
        // Ready once it accepts connections (or failed: say why).
        using var client = new HttpClient();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"nginx exited with {process.ExitCode}: {await process.StandardError.ReadToEndAsync(ct)}");
            }
            try
            {
                using var probe = await client.GetAsync(new Uri(Remote, "outside/missing"), ct);
                return process;
            }
            catch (HttpRequestException)
            {
                await Task.Delay(50, ct);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_hub is not null)
        {
            await _hub.DisposeAsync();
        }
        if (_nginx is { HasExited: false })
        {
            _nginx.Kill(entireProcessTree: true);
            await _nginx.WaitForExitAsync();
        }
        _nginx?.Dispose();
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
