using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Greyhub.Data.Access.Tests;

/// <summary><c>/hub/api/datasets</c>: who sees and changes what, and the rules for registering paths.</summary>
public sealed class DatasetsApiTests(DataHub data)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<List<string>> NamesAsync(HttpClient client)
    {
        using var response = await client.GetAsync("hub/api/datasets", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        return [.. body.EnumerateArray().Select(d => d.GetProperty("name").GetString()!)];
    }

    [Fact]
    public async Task Each_caller_lists_exactly_what_it_may_read()
    {
        Assert.Equal(["notes", "ocean", "vault"], (await NamesAsync(data.Hub.Client(data.Hub.AdminToken))).Order());
        Assert.Equal(["ocean"], await NamesAsync(data.Hub.Client(data.AliceToken)));   // through group climate
        Assert.Equal(["notes"], await NamesAsync(data.Hub.Client(data.BobToken)));     // as its owner
        var carol = await data.Hub.TokenForAsync("carol");
        Assert.Empty(await NamesAsync(data.Hub.Client(carol)));
    }

    [Fact]
    public async Task A_dataset_the_caller_may_not_read_is_the_same_404_as_a_missing_one()
    {
        var bob = data.Hub.Client(data.BobToken);
        using var hidden = await bob.GetAsync("hub/api/datasets/ocean", Ct);
        using var missing = await bob.GetAsync("hub/api/datasets/nothing-here", Ct);
        Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(
            (await missing.Content.ReadAsStringAsync(Ct)).Replace("nothing-here", "X", StringComparison.Ordinal),
            (await hidden.Content.ReadAsStringAsync(Ct)).Replace("ocean", "X", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Readers_see_the_url_and_only_admins_the_location()
    {
        using var asAlice = await data.Hub.Client(data.AliceToken).GetAsync("hub/api/datasets/ocean", Ct);
        var model = JsonDocument.Parse(await asAlice.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal("Ocean temperature", model.GetProperty("title").GetString());
        Assert.Equal("zarr-v2", model.GetProperty("format").GetString());
        Assert.Equal(["climate"], model.GetProperty("read_groups").EnumerateArray().Select(g => g.GetString()));
        Assert.EndsWith("/data/ocean/", model.GetProperty("url").GetString(), StringComparison.Ordinal);
        Assert.False(model.TryGetProperty("location", out _));
        using var asAdmin = await data.Hub.Client(data.Hub.AdminToken).GetAsync("hub/api/datasets/ocean", Ct);
        Assert.Equal(data.OceanPath, JsonDocument.Parse(await asAdmin.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("location").GetString());
    }

    [Fact]
    public async Task A_token_without_read_datasets_is_refused_and_a_dataset_filter_narrows()
    {
        var noScope = await data.Hub.ScopedTokenAsync("alice", "read:users!user=alice");
        using var refused = await data.Hub.Client(noScope).GetAsync("hub/api/datasets", Ct);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);

        var onlyVault = await data.Hub.ScopedTokenAsync("admin", "read:datasets!dataset=vault");
        Assert.Equal(["vault"], await NamesAsync(data.Hub.Client(onlyVault)));
        using var notOcean = await data.Hub.Client(onlyVault).GetAsync("hub/api/datasets/ocean", Ct);
        Assert.Equal(HttpStatusCode.NotFound, notOcean.StatusCode);
    }

    [Fact]
    public async Task Only_admin_datasets_registers_and_only_under_the_allowed_roots()
    {
        var folder = Directory.CreateDirectory(Path.Combine(data.Allowed, "api-" + Guid.NewGuid().ToString("n"))).FullName;
        using var byAlice = await data.Hub.Client(data.AliceToken).PostAsJsonAsync("hub/api/datasets/alices", new { location = folder }, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, byAlice.StatusCode);

        var admin = data.Hub.Client(data.Hub.AdminToken);
        using var outside = await admin.PostAsJsonAsync("hub/api/datasets/outside", new { location = data.Outside }, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, outside.StatusCode);
        Assert.Contains("outside the allowed roots", await outside.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        // A symlink inside the root that points out of it is judged by where it leads.
        var link = Path.Combine(data.Allowed, "link-" + Guid.NewGuid().ToString("n"));
        File.CreateSymbolicLink(link, data.Outside);
        using var viaLink = await admin.PostAsJsonAsync("hub/api/datasets/vialink", new { location = link }, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, viaLink.StatusCode);
        using var relative = await admin.PostAsJsonAsync("hub/api/datasets/relative", new { location = "allowed/x" }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, relative.StatusCode);
        using var badName = await admin.PostAsJsonAsync("hub/api/datasets/catalog.yaml", new { location = folder }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, badName.StatusCode);
        using var unknownKey = await admin.PostAsJsonAsync("hub/api/datasets/x1", new { location = folder, color = "red" }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, unknownKey.StatusCode);

        var name = Path.GetFileName(folder);
        using var created = await admin.PostAsJsonAsync($"hub/api/datasets/{name}", new { location = folder }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var model = JsonDocument.Parse(await created.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal("files", model.GetProperty("format").GetString());
        Assert.Equal("admin", model.GetProperty("owner").GetString());
        using var again = await admin.PostAsJsonAsync($"hub/api/datasets/{name}", new { location = folder }, Ct);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        // Forgotten again: the shared hub's listings stay exactly the fixture's, whichever order tests run in.
        using var removed = await admin.DeleteAsync($"hub/api/datasets/{name}", Ct);
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
    }

    [Fact]
    public async Task Update_shares_with_a_group_at_once_and_remove_forgets()
    {
        var folder = Directory.CreateDirectory(Path.Combine(data.Allowed, "upd-" + Guid.NewGuid().ToString("n"))).FullName;
        await File.WriteAllTextAsync(Path.Combine(folder, "a.txt"), "a", Ct);
        var name = Path.GetFileName(folder);
        await data.RegisterAsync(name, new { location = folder });
        var alice = data.Hub.Client(data.AliceToken);
        using (var before = await alice.GetAsync($"data/{name}/a.txt", Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, before.StatusCode);
        }

        var admin = data.Hub.Client(data.Hub.AdminToken);
        using var patch = await admin.PatchAsJsonAsync($"hub/api/datasets/{name}", new { read_groups = new[] { "climate" }, title = "Shared" }, Ct);
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        using (var after = await alice.GetAsync($"data/{name}/a.txt", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, after.StatusCode);   // the registry was invalidated, no waiting for a refresh
        }
        using var byAlice = await alice.DeleteAsync($"hub/api/datasets/{name}", Ct);
        Assert.Equal(HttpStatusCode.Forbidden, byAlice.StatusCode);

        using var delete = await admin.DeleteAsync($"hub/api/datasets/{name}", Ct);
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        using var gone = await alice.GetAsync($"data/{name}/a.txt", Ct);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.True(File.Exists(Path.Combine(folder, "a.txt")));   // the files stay
    }
}
