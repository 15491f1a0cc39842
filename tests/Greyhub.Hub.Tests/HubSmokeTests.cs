using System.Net;
using System.Text.Json;

namespace Greyhub.Hub.Tests;

public sealed class HubSmokeTests
{
    [Fact]
    public async Task Version_is_unauthenticated_and_carries_the_header()
    {
        await using var hub = await HubInstance.StartAsync();
        using var response = await hub.Client().GetAsync("hub/api/", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.Contains("X-JupyterHub-Version"));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        Assert.StartsWith("5.", body.GetProperty("version").GetString());
    }

    [Fact]
    public async Task Whoami_with_admin_token_reports_admin_scopes()
    {
        await using var hub = await HubInstance.StartAsync();
        var json = await hub.Client(hub.AdminToken).GetStringAsync("hub/api/user", TestContext.Current.CancellationToken);
        var me = JsonDocument.Parse(json).RootElement;
        Assert.Equal("admin", me.GetProperty("name").GetString());
        Assert.Equal("user", me.GetProperty("kind").GetString());
        Assert.True(me.GetProperty("admin").GetBoolean());
        Assert.Contains("admin:users", me.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
        Assert.StartsWith("a", me.GetProperty("token_id").GetString());
    }
}
