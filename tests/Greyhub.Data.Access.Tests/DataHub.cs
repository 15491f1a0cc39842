using System.Net.Http.Json;
using System.Text.Json;
using Greyhub.Hub.Tests;
using Greyhub.Testing;

[assembly: AssemblyFixture(typeof(Greyhub.Data.Access.Tests.DataHub))]

namespace Greyhub.Data.Access.Tests;

/// <summary>
/// One real hub for the assembly, with datasets on disk written by Debian's xarray and registered through the API:
/// <list type="bullet">
/// <item><c>ocean</c>: a Zarr v2 store (no .zmetadata), owned by admin, readable by group <c>climate</c> (alice);</item>
/// <item><c>notes</c>: plain files, owned by bob, with a symlink pointing out of the dataset;</item>
/// <item><c>vault</c>: a Zarr v2 store nobody but admins may read.</item>
/// </list>
/// Outside the allowed root lies <c>outside/secret.txt</c>, which no request may ever return.
/// </summary>
public sealed class DataHub : IAsyncLifetime
{
    /// <summary>A line no served answer may contain.</summary>
    public const string Secret = "TOP-SECRET-OUTSIDE-EVERY-DATASET";

    private HubInstance? _hub;

    public HubInstance Hub => _hub ?? throw new InvalidOperationException("not started");

    /// <summary>The folder datasets may be registered under.</summary>
    public string Allowed { get; private set; } = "";

    /// <summary>A folder outside it.</summary>
    public string Outside { get; private set; } = "";

    public string AliceToken { get; private set; } = "";

    public string BobToken { get; private set; } = "";

    public string OceanPath => Path.Combine(Allowed, "ocean.zarr");

    public string NotesPath => Path.Combine(Allowed, "notes");

    private string _root = "";

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        await PythonPackages.RequireAsync(ct);
        _root = Directory.CreateTempSubdirectory("greyhub-data-").FullName;
        Allowed = Directory.CreateDirectory(Path.Combine(_root, "allowed")).FullName;
        Outside = Directory.CreateDirectory(Path.Combine(_root, "outside")).FullName;
        await File.WriteAllTextAsync(Path.Combine(Outside, "secret.txt"), Secret + "\n", ct);

        await DebianPython.RunAsync(PythonScripts.WriteOcean, [OceanPath, "1"], ct);
        await DebianPython.RunAsync(PythonScripts.WriteOcean, [Path.Combine(Allowed, "vault.zarr"), "2"], ct);
        Directory.CreateDirectory(Path.Combine(NotesPath, "sub"));
        await File.WriteAllTextAsync(Path.Combine(NotesPath, "readme.txt"), "0123456789abcdefghijklmnopqrstuvwxyz", ct);
        await File.WriteAllTextAsync(Path.Combine(NotesPath, "sub", "deep.txt"), "deep", ct);
        File.CreateSymbolicLink(Path.Combine(NotesPath, "escape"), Outside);
        File.CreateSymbolicLink(Path.Combine(NotesPath, "secret-link.txt"), Path.Combine(Outside, "secret.txt"));

        _hub = await HubInstance.StartAsync("Greyhub:Data:AllowedRoots:0=" + Allowed);
        AliceToken = await Hub.TokenForAsync("alice");
        BobToken = await Hub.TokenForAsync("bob");
        var admin = Hub.Client(Hub.AdminToken);
        (await admin.PostAsJsonAsync("hub/api/groups/climate", new { users = new[] { "alice" } }, ct)).EnsureSuccessStatusCode();
        await RegisterAsync("ocean", new { location = OceanPath, title = "Ocean temperature", read_groups = new[] { "climate" } });
        await RegisterAsync("notes", new { location = NotesPath, owner = "bob", format = "files" });
        await RegisterAsync("vault", new { location = Path.Combine(Allowed, "vault.zarr") });
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
