using System.Net.Http.Json;
using Greyhub.Hub.Tests;
using Greyhub.Testing;

namespace Greyhub.Data.Access.Tests;

/// <summary>
/// A hub of its own for the STAC and restricted-CORS tests (the assembly's hub has exact dataset lists to keep):
/// <c>arctic</c>, <c>tropics</c> and <c>static</c> readable by group <c>polar</c> (alice), <c>hidden</c> by admins only;
/// cross-origin reads allowed from <see cref="ViewerOrigin"/> alone.
/// </summary>
public sealed class StacHub : IAsyncLifetime
{
    public const string ViewerOrigin = "https://viewer.example.org";

    private HubInstance? _hub;
    private string _root = "";

    public HubInstance Hub => _hub ?? throw new InvalidOperationException("not started");

    public string AliceToken { get; private set; } = "";

    public string BobToken { get; private set; } = "";

    public string Folder => _root;

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        await PythonPackages.RequireAsync(ct);
        _root = Directory.CreateTempSubdirectory("greyhub-stac-").FullName;
        await DebianPython.RunAsync(StacScripts.WriteStores, [_root], ct, TimeSpan.FromMinutes(3));
        _hub = await HubInstance.StartAsync("Greyhub:Data:AllowedRoots:0=" + _root, "Greyhub:Data:CorsAllowedOrigins:0=" + ViewerOrigin);
        AliceToken = await Hub.TokenForAsync("alice");
        BobToken = await Hub.TokenForAsync("bob");
        var admin = Hub.Client(Hub.AdminToken);
        (await admin.PostAsJsonAsync("hub/api/groups/polar", new { users = new[] { "alice" } }, ct)).EnsureSuccessStatusCode();
        await RegisterAsync("arctic", new { location = Path.Combine(_root, "arctic.zarr"), title = "Arctic sea ice", description = "Monthly sea ice fraction north of 60N", read_groups = new[] { "polar" } });
        await RegisterAsync("tropics", new { location = Path.Combine(_root, "tropics.zarr"), title = "Tropical Pacific", description = "Daily rain gauge composite", read_groups = new[] { "polar" } });
        await RegisterAsync("static", new { location = Path.Combine(_root, "static.zarr"), title = "Static field", read_groups = new[] { "polar" } });
        await RegisterAsync("hidden", new { location = Path.Combine(_root, "arctic.zarr"), title = "Hidden arctic copy", description = "sea ice too" });
    }

    private async Task RegisterAsync(string name, object body)
    {
        using var response = await Hub.Client(Hub.AdminToken).PostAsJsonAsync($"hub/api/datasets/{name}", body, TestContext.Current.CancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"registering {name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_hub is not null)
        {
            await _hub.DisposeAsync();
        }
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

/// <summary>The classes sharing <see cref="StacHub"/>.</summary>
[CollectionDefinition(Name)]
public sealed class StacCollection : ICollectionFixture<StacHub>
{
    public const string Name = "stac";
}
