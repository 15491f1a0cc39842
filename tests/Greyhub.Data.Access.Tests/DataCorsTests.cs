using System.Net;

namespace Greyhub.Data.Access.Tests;

/// <summary>
/// Cross-origin reads of <c>/data/</c> with real preflights: by default any origin may read with a token it sends
/// itself (Range, conditional headers), never with credentials, so the login cookie is useless cross-origin; the
/// hub's own API gets no CORS at all.
/// </summary>
public sealed class DataCorsTests(DataHub data)
{
    private const string Colleague = "https://viewer.colleague.example";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("data/ocean/temp/0.0.0", "GET", "authorization,range")]
    [InlineData("data/ocean/.zmetadata", "HEAD", "authorization,if-none-match")]
    [InlineData("data/catalog.yaml", "GET", "authorization")]
    [InlineData("data/stac/search", "POST", "authorization,content-type")]
    public async Task Preflights_are_answered_without_credentials(string path, string method, string headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", Colleague);
        request.Headers.Add("Access-Control-Request-Method", method);
        request.Headers.Add("Access-Control-Request-Headers", headers);
        using var response = await data.Hub.Client().SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("*", Header(response, "Access-Control-Allow-Origin"));
        Assert.Contains(method, Header(response, "Access-Control-Allow-Methods")!.Split(','));
        var allowed = Header(response, "Access-Control-Allow-Headers")!.ToLowerInvariant().Split(',');
        Assert.All(headers.Split(','), h => Assert.Contains(h, allowed));
        Assert.Null(Header(response, "Access-Control-Allow-Credentials"));
    }

    [Fact]
    public async Task A_cross_origin_range_read_exposes_what_zarr_readers_need()
    {
        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Head })
        {
            using var request = new HttpRequestMessage(method, "data/ocean/temp/0.0.0");
            request.Headers.Add("Origin", Colleague);
            request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(0, 9);
            using var response = await data.Hub.Client(data.AliceToken).SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
            Assert.Equal("*", Header(response, "Access-Control-Allow-Origin"));
            Assert.Null(Header(response, "Access-Control-Allow-Credentials"));
            var exposed = Header(response, "Access-Control-Expose-Headers")!.ToLowerInvariant().Split(',');
            Assert.All(new[] { "content-range", "etag", "content-length", "accept-ranges" }, h => Assert.Contains(h, exposed));
        }
        // The STAC API too.
        using var stac = new HttpRequestMessage(HttpMethod.Get, "data/stac/collections");
        stac.Headers.Add("Origin", Colleague);
        using var stacResponse = await data.Hub.Client(data.AliceToken).SendAsync(stac, Ct);
        Assert.Equal(HttpStatusCode.OK, stacResponse.StatusCode);
        Assert.Equal("*", Header(stacResponse, "Access-Control-Allow-Origin"));
    }

    [Theory]
    [InlineData("hub/api/users")]
    [InlineData("hub/api/datasets")]
    [InlineData("hub/home")]
    public async Task The_hubs_own_endpoints_get_no_cors(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", Colleague);
        request.Headers.Add("Access-Control-Request-Method", "GET");
        request.Headers.Add("Access-Control-Request-Headers", "authorization");
        using var preflight = await data.Hub.Client().SendAsync(request, Ct);
        Assert.Null(Header(preflight, "Access-Control-Allow-Origin"));

        using var get = new HttpRequestMessage(HttpMethod.Get, path);
        get.Headers.Add("Origin", Colleague);
        using var response = await data.Hub.Client(data.Hub.AdminToken).SendAsync(get, Ct);
        Assert.Null(Header(response, "Access-Control-Allow-Origin"));
    }

    [Theory]
    [InlineData("https://viewer.example.org", true)]
    [InlineData("http://127.0.0.1:8080", true)]
    [InlineData("*", false)]
    [InlineData("https://viewer.example.org/", false)]
    [InlineData("https://viewer.example.org/app", false)]
    [InlineData("ftp://viewer.example.org", false)]
    [InlineData("viewer.example.org", false)]
    public void Allowed_origins_are_validated_at_start(string origin, bool valid)
    {
        var result = new DataAccessOptionsValidator().Validate(null, new DataAccessOptions { CorsAllowedOrigins = [origin] });
        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains("CorsAllowedOrigins", result.FailureMessage, StringComparison.Ordinal);
        }
    }

    internal static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(',', values) : null;
}

/// <summary>With <c>Greyhub:Data:CorsAllowedOrigins</c> set, only those origins may read cross-origin.</summary>
[Collection(StacCollection.Name)]
public sealed class RestrictedCorsTests(StacHub stac)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(StacHub.ViewerOrigin, true)]
    [InlineData("https://elsewhere.example", false)]
    public async Task Only_the_configured_origin_is_allowed(string origin, bool allowed)
    {
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "data/arctic/.zmetadata");
        preflight.Headers.Add("Origin", origin);
        preflight.Headers.Add("Access-Control-Request-Method", "GET");
        preflight.Headers.Add("Access-Control-Request-Headers", "authorization");
        using var answer = await stac.Hub.Client().SendAsync(preflight, Ct);
        Assert.Equal(allowed ? origin : null, DataCorsTests.Header(answer, "Access-Control-Allow-Origin"));

        using var get = new HttpRequestMessage(HttpMethod.Get, "data/arctic/.zmetadata");
        get.Headers.Add("Origin", origin);
        using var response = await stac.Hub.Client(stac.AliceToken).SendAsync(get, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(allowed ? origin : null, DataCorsTests.Header(response, "Access-Control-Allow-Origin"));
        Assert.Null(DataCorsTests.Header(response, "Access-Control-Allow-Credentials"));
    }
}
