using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Greyhub.Hub.Tests;

/// <summary>
/// A browser-like client of a <see cref="HubInstance"/>: keeps cookies, never follows redirects, signs in through
/// the real <c>/hub/login</c> form with its XSRF token.
/// </summary>
public sealed partial class Browser : IDisposable
{
    private readonly HubInstance _hub;

    public Browser(HubInstance hub)
    {
        _hub = hub;
        Client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = Cookies }) { BaseAddress = hub.Address };
    }

    public CookieContainer Cookies { get; } = new();

    public HttpClient Client { get; }

    /// <summary>The <c>jupyterhub-session-id</c> cookie (Path=/hub/), or null.</summary>
    public string? SessionId => Cookies.GetCookies(new Uri(_hub.Address, "hub/"))["jupyterhub-session-id"]?.Value;

    /// <summary>Signs in as <paramref name="user"/>; returns the login's <c>Location</c>.</summary>
    public async Task<string> LoginAsync(string user, string password, string? next = null)
    {
        var form = await GetAsync("hub/login");
        var query = next is null ? "" : "?next=" + Uri.EscapeDataString(next);
        using var response = await Client.PostAsync("hub/login" + query, new FormUrlEncodedContent(
            [new("username", user), new("password", password), new("_xsrf", XsrfOf(form.Body))]), Api.Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Found, $"login of {user} answered {(int)response.StatusCode}");
        Assert.NotNull(SessionId);
        return response.Headers.Location!.OriginalString;
    }

    public async Task<Page> GetAsync(string path, string? referer = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (referer is not null)
        {
            request.Headers.Referrer = new Uri(referer);
        }
        using var response = await Client.SendAsync(request, Api.Ct);
        return await Page.ReadAsync(response);
    }

    public async Task<Page> PostFormAsync(string path, params (string Name, string Value)[] fields)
    {
        using var response = await Client.PostAsync(path, new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))), Api.Ct);
        return await Page.ReadAsync(response);
    }

    /// <summary>The XSRF token of the first form in <paramref name="html"/>.</summary>
    public static string XsrfOf(string html)
    {
        var match = XsrfField().Match(html);
        Assert.True(match.Success, "no _xsrf field in the page");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    public void Dispose() => Client.Dispose();

    [GeneratedRegex("name=\"_xsrf\" value=\"([^\"]+)\"")]
    private static partial Regex XsrfField();
}

/// <summary>A response read whole, for pages and redirects.</summary>
public sealed record Page(int Status, string Body, string? Location, string? ContentType, IReadOnlyDictionary<string, string> Headers)
{
    public static async Task<Page> ReadAsync(HttpResponseMessage response)
    {
        var headers = response.Headers.Concat(response.Content.Headers)
            .ToDictionary(h => h.Key, h => string.Join(", ", h.Value), StringComparer.OrdinalIgnoreCase);
        return new Page((int)response.StatusCode, await response.Content.ReadAsStringAsync(Api.Ct), response.Headers.Location?.OriginalString,
            response.Content.Headers.ContentType?.MediaType, headers);
    }

    public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    /// <summary>The query parameters of <see cref="Location"/>, decoded.</summary>
    public IReadOnlyDictionary<string, string> LocationQuery
    {
        get
        {
            Assert.NotNull(Location);
            var q = Location.IndexOf('?', StringComparison.Ordinal);
            Assert.True(q >= 0, $"no query in {Location}");
            return Location[(q + 1)..].Split('&').Select(p => p.Split('=', 2))
                .ToDictionary(p => Uri.UnescapeDataString(p[0]), p => Uri.UnescapeDataString(p.Length > 1 ? p[1] : ""), StringComparer.Ordinal);
        }
    }

    public override string ToString() => $"{Status} {Location} {Body}";
}
