using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Greyhub.Proxy.Tests;

/// <summary>
/// The REST API against hostile callers: requests that must not get past the token, bodies and targets that must be
/// refused with a JSON error (never a 500), and route keys that must not be stored.
/// </summary>
public sealed class ProxyApiHostileInputTests : IAsyncLifetime
{
    private ProxyHost _proxy = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _proxy = await StandaloneProxy.StartAsync();

    public async ValueTask DisposeAsync() => await _proxy.DisposeAsync();

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Theory]
    [InlineData("GET", "api/routes")]
    [InlineData("GET", "API/ROUTES")]
    [InlineData("GET", "api/Routes/user/alice")]
    [InlineData("GET", "api/routes/")]
    [InlineData("GET", "api/routes%2Fuser")]
    [InlineData("GET", "api/routes/..")]
    [InlineData("GET", "api/x/../routes")]
    [InlineData("GET", "api/routes/%2e%2e/routes")]
    [InlineData("GET", "api/routes./")]
    [InlineData("HEAD", "api/routes")]
    [InlineData("OPTIONS", "api/routes")]
    [InlineData("POST", "api/routes/user/mallory")]
    [InlineData("POST", "API/routes/user/mallory")]
    [InlineData("DELETE", "api/routes/user/alice")]
    [InlineData("PUT", "api/routes/user/mallory")]
    [InlineData("PATCH", "api/routes/user/mallory")]
    public async Task Nothing_gets_past_the_token(string method, string uri)
    {
        await _proxy.Routes.AddRouteAsync("/user/alice", new Uri("http://127.0.0.1:9"), new Dictionary<string, JsonElement>(), Ct);
        foreach (var authorization in new[] { null, "token wrong", "Bearer " + StandaloneProxy.Token, "token", "token " + StandaloneProxy.Token + "x", "Basic dG9rZW46" })
        {
            using var api = StandaloneProxy.Api(_proxy, token: null);
            using var request = new HttpRequestMessage(new HttpMethod(method), uri) { Content = method is "POST" or "PUT" or "PATCH" ? Json("""{"target": "http://127.0.0.1:1"}""") : null };
            if (authorization is not null)
            {
                request.Headers.TryAddWithoutValidation("Authorization", authorization);
            }
            // A method override must not turn a refused request into another.
            request.Headers.TryAddWithoutValidation("X-HTTP-Method-Override", "DELETE");
            using var response = await api.SendAsync(request, Ct);

            Assert.False(response.IsSuccessStatusCode, $"{method} {uri} with '{authorization}' got {(int)response.StatusCode}");
        }
        Assert.Equal(["/user/alice"], (await _proxy.Routes.GetRoutesAsync(null, Ct)).Keys);
    }

    [Theory]
    [InlineData("""{"target": 12}""")]
    [InlineData("""{"target": null}""")]
    [InlineData("""{"target": ["http://127.0.0.1:1"]}""")]
    [InlineData("""{"target": {"href": "http://127.0.0.1:1"}}""")]
    [InlineData("""{"target": ""}""")]
    [InlineData("""{"target": "http://"}""")]
    [InlineData("""{"target": "/relative"}""")]
    [InlineData("""{"target": "//127.0.0.1:1"}""")]
    [InlineData("""{"target": "file:///etc/passwd"}""")]
    [InlineData("""{"target": "unix:/var/run/docker.sock"}""")]
    [InlineData("""{"target": "unix+http://%2Fvar%2Frun%2Fx.sock/"}""")]
    [InlineData("""{"target": "ftp://127.0.0.1/"}""")]
    [InlineData("""{"target": "ws://127.0.0.1:1/"}""")]
    [InlineData("""{"target": "javascript:alert(1)"}""")]
    [InlineData("""{"target": "http://user:secret@127.0.0.1:1"}""")]
    [InlineData("""{"target": "http://user@127.0.0.1:1"}""")]
    [InlineData("""{"target": "http://127.0.0.1:1/#fragment"}""")]
    [InlineData("""{"target": "http://127.0.0.1:1/?query=1"}""")]
    [InlineData("""{"target": "http://127.0.0.1:1/\r\nX-Injected: 1"}""")]
    [InlineData("""[]""")]
    [InlineData("""[{"target": "http://127.0.0.1:1"}]""")]
    [InlineData(""" "http://127.0.0.1:1" """)]
    [InlineData("""12""")]
    [InlineData("""null""")]
    [InlineData("")]
    [InlineData("""{"target": "http://127.0.0.1:1",""")]
    [InlineData("""{"target": "http://127.0.0.1:1"} {}""")]
    [InlineData("""{'target': 'http://127.0.0.1:1'}""")]
    [InlineData("""{"target": "http://127.0.0.1:1", /* comment */ "x": 1}""")]
    public async Task A_bad_route_body_is_a_json_400(string body)
    {
        using var api = StandaloneProxy.Api(_proxy);
        using var response = await api.PostAsync("api/routes/user/mallory", Json(body), Ct);

        await AssertJsonErrorAsync(response, HttpStatusCode.BadRequest);
        Assert.Empty(await _proxy.Routes.GetRoutesAsync(null, Ct));
    }

    [Fact]
    public async Task Deeply_nested_data_is_a_json_400()
    {
        using var api = StandaloneProxy.Api(_proxy);
        var nested = new string('[', 5000) + new string(']', 5000);
        using var response = await api.PostAsync("api/routes/user/mallory", Json("""{"target": "http://127.0.0.1:1", "data": """ + nested + "}"), Ct);

        await AssertJsonErrorAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Invalid_utf8_is_a_json_400()
    {
        using var api = StandaloneProxy.Api(_proxy);
        using var content = new ByteArrayContent([.. "{\"target\": \"http://127.0.0.1:1\", \"x\": \""u8, 0xC3, 0x28, .. "\"}"u8]);
        content.Headers.ContentType = new("application/json");
        using var response = await api.PostAsync("api/routes/user/mallory", content, Ct);

        await AssertJsonErrorAsync(response, HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_huge_body_is_a_json_413(bool chunked)
    {
        using var api = StandaloneProxy.Api(_proxy);
        var json = "{\"target\": \"http://127.0.0.1:1\", \"data\": \"" + new string('x', 1024 * 1024) + "\"}";
        using var content = chunked ? new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(json))) : (HttpContent)Json(json);
        content.Headers.ContentType = new("application/json");
        using var response = await api.PostAsync("api/routes/user/mallory", content, Ct);

        await AssertJsonErrorAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Empty(await _proxy.Routes.GetRoutesAsync(null, Ct));
    }

    [Theory]
    [InlineData("api/routes/user/a%0Ab")]
    [InlineData("api/routes/user/a%0D%0AFake-log-line")]
    [InlineData("api/routes/user/a%1Bb")]
    [InlineData("api/routes/user/a%7Fb")]
    public async Task A_route_key_with_a_control_character_is_a_json_400(string uri)
    {
        using var api = StandaloneProxy.Api(_proxy);
        using var response = await api.PostAsync(uri, Json("""{"target": "http://127.0.0.1:1"}"""), Ct);

        await AssertJsonErrorAsync(response, HttpStatusCode.BadRequest);
        Assert.Empty(await _proxy.Routes.GetRoutesAsync(null, Ct));
    }

    [Fact]
    public async Task A_nul_in_the_path_is_refused_before_the_api()
    {
        using var api = StandaloneProxy.Api(_proxy);
        // Kestrel refuses it while parsing the request (400, no body): the API never sees it.
        using var response = await api.PostAsync("api/routes/user/a%00b", Json("""{"target": "http://127.0.0.1:1"}"""), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(await _proxy.Routes.GetRoutesAsync(null, Ct));
    }

    [Theory]
    [InlineData("api/routes/user/alice/../../hub", "/hub")]
    [InlineData("api/routes/user/%2e%2e/hub", "/hub")]
    [InlineData("api/routes/user//alice", "/user//alice")]
    public async Task A_route_key_is_the_normalised_request_path(string uri, string key)
    {
        using var api = StandaloneProxy.Api(_proxy);
        using var response = await api.PostAsync(uri, Json("""{"target": "http://127.0.0.1:1"}"""), Ct);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal([key], (await _proxy.Routes.GetRoutesAsync(null, Ct)).Keys);
    }

    [Theory]
    [InlineData("api/routes?inactive_since=yesterday")]
    [InlineData("api/routes?inactive_since=%00")]
    [InlineData("api/routes?inactive_since=9999999999999999999999")]
    public async Task A_bad_query_is_a_json_400(string uri)
    {
        using var api = StandaloneProxy.Api(_proxy);
        using var response = await api.GetAsync(uri, Ct);

        await AssertJsonErrorAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Without_a_token_the_proxy_refuses_to_start()
    {
        var refused = await Assert.ThrowsAsync<OptionsValidationException>(async () => await StandaloneProxy.StartAsync(token: ""));

        Assert.Contains("CONFIGPROXY_AUTH_TOKEN", refused.Message, StringComparison.Ordinal);
        Assert.Contains("AllowUnauthenticatedApi", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("*")]
    [InlineData("")]
    public async Task Without_a_token_an_api_off_loopback_is_refused_even_when_allowed(string apiIp)
    {
        var settings = new ProxyHostSettings { Ip = "127.0.0.1", Port = 0, ApiIp = apiIp, ApiPort = 0 };
        settings.Configuration.Add(new("Greyhub:Proxy:ApiToken", ""));
        settings.Configuration.Add(new("Greyhub:Proxy:AllowUnauthenticatedApi", "true"));
        settings.Configuration.Add(new("Logging:LogLevel:Default", "Warning"));

        var refused = await Assert.ThrowsAsync<OptionsValidationException>(async () => await ProxyHost.StartAsync(settings, Ct));

        Assert.Contains("not loopback", refused.Message, StringComparison.Ordinal);
    }

    private static async Task AssertJsonErrorAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = JsonDocument.Parse(text).RootElement.GetProperty("error").GetString();
        Assert.False(string.IsNullOrEmpty(error));
        Assert.DoesNotContain(" at ", error, StringComparison.Ordinal);
    }
}
