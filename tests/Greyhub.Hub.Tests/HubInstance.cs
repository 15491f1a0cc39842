using Greyhub.Hub.Proxy;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Greyhub.Data.Entities;
using Greyhub.Data.Stores;
using Greyhub.Host;
using Greyhub.Hub.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Greyhub.Hub.Tests;

/// <summary>
/// A real hub on real Kestrel at 127.0.0.1 on a free port, with its own data folder, for one test class or test.
/// Configuration is passed exactly as an operator would, as <c>--Greyhub:...</c> arguments.
/// </summary>
public sealed class HubInstance : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<HttpClient> _clients = [];

    private HubInstance(WebApplication app, string dataDir, Uri address, string adminToken)
    {
        _app = app;
        DataDir = dataDir;
        Address = address;
        AdminToken = adminToken;
    }

    /// <summary>The hub's root URL, e.g. http://127.0.0.1:41234/.</summary>
    public Uri Address { get; }

    /// <summary>The data folder (deleted on dispose, with its PostgreSQL database when the tests run on PostgreSQL).</summary>
    public string DataDir { get; }

    /// <summary>A token of the admin user <c>admin</c>.</summary>
    public string AdminToken { get; }

    /// <summary>The hub's services.</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>Starts a hub with extra configuration (<c>key=value</c>, e.g. <c>Greyhub:Authenticator:AllowAll=true</c>).</summary>
    public static async Task<HubInstance> StartAsync(params string[] config) => await StartWithAsync(null, null, config);

    /// <summary>Starts a hub in <paramref name="dataDir"/> (reused to test restarts) with extra configuration.</summary>
    /// <remarks>
    /// Not an overload of <see cref="StartAsync(string[])"/>: with one string argument C# picks the overload with more
    /// declared parameters, so a single configuration entry would silently have become the data folder.
    /// </remarks>
    public static async Task<HubInstance> StartInAsync(string dataDir, params string[] config) => await StartWithAsync(null, dataDir, config);

    /// <summary>Starts a hub whose services <paramref name="configure"/> may replace (e.g. a fake <see cref="TimeProvider"/>).</summary>
    public static async Task<HubInstance> StartWithAsync(Action<WebApplicationBuilder>? configure, string? dataDir, params string[] config)
    {
        var ownDataDir = dataDir is null;
        dataDir ??= Directory.CreateTempSubdirectory("greyhub-test-").FullName;
        var args = new List<string> { "--urls", "http://127.0.0.1:0", "--Greyhub:DataDir=" + dataDir, "--Logging:LogLevel:Default=Warning" };
        // The database the run's provider gives this data folder (GREYHUB_TEST_DATABASE), unless the test picks its own.
        if (!config.Any(c => c.StartsWith("Greyhub:Database:", StringComparison.OrdinalIgnoreCase)))
        {
            args.AddRange(TestDatabase.SettingsFor(dataDir).Select(c => "--" + c));
        }
        // The periodic route check (30 s by default) would delete the routes tests add for servers the database does not
        // hold; tests that exercise it advance a fake clock by whatever interval is set.
        if (!config.Any(c => c.StartsWith("Greyhub:Servers:CheckRoutesInterval", StringComparison.OrdinalIgnoreCase)))
        {
            args.Add("--Greyhub:Servers:CheckRoutesInterval=01:00:00");
        }
        // The idle culler (on by default, one hour) would stop servers of tests that move a fake clock by hours for other
        // reasons; the tests of culling configure it.
        if (!config.Any(c => c.StartsWith("Greyhub:Culler:", StringComparison.OrdinalIgnoreCase)))
        {
            args.Add("--Greyhub:Culler:Enabled=false");
        }
        args.AddRange(config.Select(c => "--" + c));
        WebApplication app;
        try
        {
            app = await HubHost.BuildAsync([.. args], configure);
            await app.StartAsync();
            // The housekeeping jobs start once the hub listens (AddHostedServiceAfterStart): a test that moves a fake clock
            // right away expects their timers to exist, as they did when they started with the host.
            await app.Services.GetRequiredService<Greyhub.Abstractions.Hosting.HostedServicesAfterStart>().AllStarted;
        }
        catch when (ownDataDir)
        {
            // A hub that failed to start leaves neither a folder nor a database behind.
            TryDelete(dataDir);
            await TestDatabase.DropAsync(dataDir);
            throw;
        }
        // The route check's first run, right after start, deletes hub-marked routes no running server explains: a test
        // that adds such a route itself waits for it to have run (bounded: a check against an unreachable proxy may hang).
        await app.Services.GetRequiredService<RouteCheckSignal>().FirstCheckDone.WaitAsync(TimeSpan.FromSeconds(30)).ContinueWith(_ => { }, TaskScheduler.Default);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        await using var scope = app.Services.CreateAsyncScope();
        var token = await HubAdmin.IssueTokenAsync(scope.ServiceProvider, "admin", admin: true, "test admin", CancellationToken.None);
        return new HubInstance(app, dataDir, new Uri(address.TrimEnd('/') + "/"), token);
    }

    /// <summary>Issues a token for <paramref name="user"/> (created if missing) with the user's full permissions.</summary>
    /// <summary>
    /// Writes a server of <paramref name="user"/> (created if need be) straight into the database in
    /// <paramref name="phase"/> at <paramref name="url"/>, with no process behind it: for tests of what the hub does
    /// with the records (routes, the proxy API), not of starting servers.
    /// </summary>
    public async Task<Uri> ServerInDatabaseAsync(string user, string phase, Uri? url)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var scope = Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserStore>();
        var servers = scope.ServiceProvider.GetRequiredService<ServerStore>();
        var now = TimeProvider.System.GetUtcNow().UtcDateTime;
        await users.EnsureAsync(user, null, now, ct);
        var userId = (await users.FindAsync(user, ct))!.Id;
        Assert.True(await servers.TryMarkPendingAsync(userId, "", "{}", now, ct));
        var server = (await servers.FindAsync(userId, "", ct))!;
        if (phase != ServerPhases.Pending)
        {
            Assert.True(await servers.TransitionAsync(server.Id, ServerPhases.Pending, phase, url?.ToString(), ct));
        }
        return url ?? new Uri("http://127.0.0.1:1/");
    }

    public async Task<string> TokenForAsync(string user, bool admin = false)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        return await HubAdmin.IssueTokenAsync(scope.ServiceProvider, user, admin, "test", CancellationToken.None);
    }

    /// <summary>Sets a password for <paramref name="user"/> (created if missing).</summary>
    public async Task SetPasswordAsync(string user, string password, bool admin = false)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        await HubAdmin.SetPasswordAsync(scope.ServiceProvider, user, admin, password, CancellationToken.None);
    }

    /// <summary>An HTTP client for the hub, authenticated with <paramref name="token"/> (none when null). Redirects are not followed.</summary>
    public HttpClient Client(string? token = null, string scheme = "token")
    {
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = Address };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(scheme, token);
        }
        _clients.Add(client);
        return client;
    }

    /// <summary>Creates a token for <paramref name="user"/> with exactly <paramref name="scopes"/> through the API (as admin).</summary>
    public async Task<string> ScopedTokenAsync(string user, params string[] scopes)
    {
        using var response = await Client(AdminToken).PostAsJsonAsync($"hub/api/users/{user}/tokens", new { scopes, note = "scoped" });
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"creating a token for {user} with [{string.Join(", ", scopes)}] failed: {(int)response.StatusCode} {body}");
        }
        return JsonDocument.Parse(body).RootElement.GetProperty("token").GetString()!;
    }

    /// <summary>Stops the hub; the data folder stays when <paramref name="keepData"/> (for restart tests).</summary>
    public async Task StopAsync(bool keepData)
    {
        foreach (var c in _clients)
        {
            c.Dispose();
        }
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (!keepData)
        {
            TryDelete(DataDir);
            await TestDatabase.DropAsync(DataDir);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync(keepData: false);
        }
        catch (ObjectDisposedException)
        {
            // Already stopped by the test.
        }
    }

    private static void TryDelete(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}
