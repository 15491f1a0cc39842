using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Greyhub.Proxy.Tests;

/// <summary>CHP's REST API on the wire, as JupyterHub's <c>ConfigurableHTTPProxy</c> calls it.</summary>
public sealed partial class RoutesApiTests : IAsyncLifetime
{
    private ProxyHost _proxy = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _proxy = await StandaloneProxy.StartAsync();

    public async ValueTask DisposeAsync() => await _proxy.DisposeAsync();

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task Add_list_get_and_delete_as_jupyterhub_does()
    {
        using var api = StandaloneProxy.Api(_proxy);
        using (var added = await api.PostAsync("api/routes/user/alice", Json("""{"user": "alice", "server_name": "", "target": "http://127.0.0.1:37215", "jupyterhub": true}"""), Ct))
        {
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);
            Assert.Equal("", await added.Content.ReadAsStringAsync(Ct));
        }

        var all = JsonDocument.Parse(await api.GetStringAsync("api/routes", Ct)).RootElement;
        var route = all.GetProperty("/user/alice");
        Assert.Equal("http://127.0.0.1:37215", route.GetProperty("target").GetString());
        Assert.Equal("alice", route.GetProperty("user").GetString());
        Assert.Equal("", route.GetProperty("server_name").GetString());
        Assert.True(route.GetProperty("jupyterhub").GetBoolean());
        // A JavaScript Date as JSON: UTC, milliseconds, Z.
        Assert.Matches(IsoMillis(), route.GetProperty("last_activity").GetString());

        var one = JsonDocument.Parse(await api.GetStringAsync("api/routes/user/alice/", Ct)).RootElement;
        Assert.Equal("alice", one.GetProperty("user").GetString());
        using (var missing = await api.GetAsync("api/routes/user/bob", Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        using (var deleted = await api.DeleteAsync("api/routes/user/alice", Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }
        using (var again = await api.DeleteAsync("api/routes/user/alice", Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        }
        Assert.Equal("{}", await api.GetStringAsync("api/routes/", Ct));
    }

    [Theory]
    [InlineData("api/routes/user/carol/", "/user/carol")]
    [InlineData("api/routes/user/carol%20x/", "/user/carol x")]
    [InlineData("api/routes/user/carol/gpu", "/user/carol/gpu")]
    [InlineData("api/routes/", "/")]
    [InlineData("api/routes", "/")]
    public async Task Route_keys_are_normalised_and_unescaped(string uri, string key)
    {
        using var api = StandaloneProxy.Api(_proxy);
        using var added = await api.PostAsync(uri, Json("""{"target": "http://127.0.0.1:9000"}"""), Ct);
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);

        var all = JsonDocument.Parse(await api.GetStringAsync("api/routes", Ct)).RootElement;
        Assert.True(all.TryGetProperty(key, out _), all.ToString());
        Assert.True(await _proxy.Routes.DeleteRouteAsync(key, Ct));
    }

    [Fact]
    public async Task Inactive_since_filters_by_last_activity()
    {
        using var api = StandaloneProxy.Api(_proxy);
        (await api.PostAsync("api/routes/user/dave", Json("""{"target": "http://127.0.0.1:9000"}"""), Ct)).Dispose();

        var future = Uri.EscapeDataString(TimeProvider.System.GetUtcNow().AddHours(1).ToString("O"));
        Assert.True(JsonDocument.Parse(await api.GetStringAsync("api/routes?inactive_since=" + future, Ct)).RootElement.TryGetProperty("/user/dave", out _));
        Assert.Equal("{}", await api.GetStringAsync("api/routes?inactive_since=2000-01-01T00:00:00.000Z", Ct));
        using var bad = await api.GetAsync("api/routes?inactive_since=yesterday-ish", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("ISO8601", JsonDocument.Parse(await bad.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.True(await _proxy.Routes.DeleteRouteAsync("/user/dave", Ct));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("token wrong")]
    [InlineData("Bearer " + StandaloneProxy.Token)]
    [InlineData("token")]
    public async Task Without_the_token_every_call_is_403(string? authorization)
    {
        using var api = new HttpClient { BaseAddress = _proxy.ApiAddress };
        if (authorization is not null)
        {
            api.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", authorization);
        }
        foreach (var request in new[]
        {
            new HttpRequestMessage(HttpMethod.Get, "api/routes"),
            new HttpRequestMessage(HttpMethod.Post, "api/routes/user/eve") { Content = Json("""{"target": "http://127.0.0.1:9000"}""") },
            new HttpRequestMessage(HttpMethod.Delete, "api/routes/user/eve"),
        })
        {
            using (request)
            using (var response = await api.SendAsync(request, Ct))
            {
                Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            }
        }
        Assert.Null(await _proxy.Routes.GetRouteAsync("/user/eve", Ct));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("[1, 2]")]
    [InlineData("""{"user": "frank"}""")]
    [InlineData("""{"target": 5}""")]
    [InlineData("""{"target": "not a url"}""")]
    [InlineData("""{"target": "ftp://127.0.0.1/"}""")]
    public async Task A_bad_body_is_a_400_json_error(string body)
    {
        using var api = StandaloneProxy.Api(_proxy);
        using var response = await api.PostAsync("api/routes/user/frank", Json(body), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(string.IsNullOrEmpty(JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("error").GetString()));
        Assert.Null(await _proxy.Routes.GetRouteAsync("/user/frank", Ct));
    }

    [Fact]
    public async Task A_body_over_the_limit_is_refused()
    {
        using var api = StandaloneProxy.Api(_proxy);
        var big = "{\"target\": \"http://127.0.0.1:9000\", \"pad\": \"" + new string('x', 100_000) + "\"}";
        using var response = await api.PostAsync("api/routes/user/gina", Json(big), Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Null(await _proxy.Routes.GetRouteAsync("/user/gina", Ct));
    }

    [Fact]
    public async Task Other_methods_are_405_and_the_api_is_not_on_the_public_port()
    {
        using var api = StandaloneProxy.Api(_proxy);
        using (var put = await api.PutAsync("api/routes/user/h", Json("{}"), Ct))
        {
            Assert.Equal(HttpStatusCode.MethodNotAllowed, put.StatusCode);
        }
        using var publicSide = new HttpClient { BaseAddress = _proxy.PublicAddress };
        using var response = await publicSide.GetAsync("api/routes", Ct);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Without_a_configured_token_the_api_is_open_as_in_chp_when_allowed_on_loopback()
    {
        await using var open = await StandaloneProxy.StartAsync(null, "", "Greyhub:Proxy:AllowUnauthenticatedApi=true");
        using var api = StandaloneProxy.Api(open, token: null);
        using var added = await api.PostAsync("api/routes/user/ivy", Json("""{"target": "http://127.0.0.1:9000"}"""), Ct);
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
    }

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")]
    private static partial Regex IsoMillis();
}
