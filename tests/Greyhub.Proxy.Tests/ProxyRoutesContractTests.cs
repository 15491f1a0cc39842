using System.Text.Json;
using Greyhub.Abstractions.Proxy;

namespace Greyhub.Proxy.Tests;

/// <summary>
/// The conformance kit of <see cref="IProxyRoutes"/>: CHP's route semantics, which every implementation (the in-process
/// table, the client of CHP's REST API) must show alike.
/// </summary>
public abstract class ProxyRoutesContractTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The implementation under test, with no routes.</summary>
    protected abstract Task<IProxyRoutes> CreateAsync();

    private static Dictionary<string, JsonElement> Data(string user, string server = "") => new()
    {
        ["jupyterhub"] = JsonSerializer.SerializeToElement(true),
        ["user"] = JsonSerializer.SerializeToElement(user),
        ["server_name"] = JsonSerializer.SerializeToElement(server),
    };

    [Fact]
    public async Task A_route_added_is_listed_under_its_normalised_path_with_its_data()
    {
        var routes = await CreateAsync();
        await routes.AddRouteAsync("/user/alice/", new Uri("http://127.0.0.1:9000"), Data("alice"), Ct);

        var all = await routes.GetRoutesAsync(null, Ct);
        var route = Assert.Single(all).Value;
        Assert.Equal("/user/alice", Assert.Single(all).Key);
        Assert.Equal("/user/alice", route.Path);
        Assert.Equal("http://127.0.0.1:9000", route.Target.OriginalString);
        Assert.Equal("alice", route.Data["user"].GetString());
        Assert.Equal("", route.Data["server_name"].GetString());
        Assert.True(route.Data["jupyterhub"].GetBoolean());
        Assert.DoesNotContain("target", route.Data.Keys);
        Assert.DoesNotContain("last_activity", route.Data.Keys);
    }

    [Fact]
    public async Task A_route_is_found_by_its_path_in_any_form_and_deleted_once()
    {
        var routes = await CreateAsync();
        await routes.AddRouteAsync("user/bob/gpu/", new Uri("http://127.0.0.1:9001"), Data("bob", "gpu"), Ct);

        Assert.Equal("gpu", (await routes.GetRouteAsync("/user/bob/gpu", Ct))?.Data["server_name"].GetString());
        Assert.NotNull(await routes.GetRouteAsync("/user/bob/gpu/", Ct));
        Assert.Null(await routes.GetRouteAsync("/user/bob", Ct));
        Assert.True(await routes.DeleteRouteAsync("/user/bob/gpu/", Ct));
        Assert.False(await routes.DeleteRouteAsync("/user/bob/gpu", Ct));
        Assert.Empty(await routes.GetRoutesAsync(null, Ct));
    }

    [Fact]
    public async Task Adding_again_replaces_the_route()
    {
        var routes = await CreateAsync();
        await routes.AddRouteAsync("/user/carol", new Uri("http://127.0.0.1:9002"), Data("carol"), Ct);
        await routes.AddRouteAsync("/user/carol/", new Uri("http://127.0.0.1:9003"), Data("carol"), Ct);

        var route = Assert.Single(await routes.GetRoutesAsync(null, Ct)).Value;
        Assert.Equal(9003, route.Target.Port);
    }

    [Fact]
    public async Task The_root_route_is_a_route_like_any_other()
    {
        var routes = await CreateAsync();
        await routes.AddRouteAsync("/", new Uri("http://127.0.0.1:9004"), new Dictionary<string, JsonElement>(), Ct);

        Assert.Equal(9004, (await routes.GetRouteAsync("/", Ct))?.Target.Port);
        Assert.Equal("/", Assert.Single(await routes.GetRoutesAsync(null, Ct)).Key);
        Assert.True(await routes.DeleteRouteAsync("/", Ct));
    }

    [Fact]
    public async Task Inactive_since_keeps_routes_whose_last_activity_is_before_it()
    {
        var routes = await CreateAsync();
        await routes.AddRouteAsync("/user/dave", new Uri("http://127.0.0.1:9005"), Data("dave"), Ct);
        var added = (await routes.GetRouteAsync("/user/dave", Ct))!.LastActivity;

        Assert.Single(await routes.GetRoutesAsync(added.AddMinutes(1), Ct));
        Assert.Empty(await routes.GetRoutesAsync(added.AddMinutes(-1), Ct));
    }
}
