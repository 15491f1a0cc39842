using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Greyhub.Abstractions.Proxy;

namespace Greyhub.Proxy;

/// <summary>
/// <see cref="IProxyRoutes"/> over configurable-http-proxy's REST API: drives an external <c>greyhub proxy</c> or CHP
/// itself as JupyterHub's <c>ConfigurableHTTPProxy</c> does (<c>Authorization: token …</c>, route paths escaped
/// segment by segment).
/// </summary>
public sealed class ConfigurableHttpProxyClient : IProxyRoutes
{
    private readonly HttpClient _http;
    private readonly AuthenticationHeaderValue? _authorization;

    /// <param name="http">A client whose <see cref="HttpClient.BaseAddress"/> is the proxy's API URL (e.g. <c>http://127.0.0.1:8001/</c>).</param>
    /// <param name="authToken">CHP's <c>CONFIGPROXY_AUTH_TOKEN</c>; empty for an API without one.</param>
    public ConfigurableHttpProxyClient(HttpClient http, string authToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(authToken);
        if (http.BaseAddress is null)
        {
            throw new ArgumentException("The HttpClient needs the proxy's API URL as its BaseAddress.", nameof(http));
        }
        _http = http;
        _authorization = authToken.Length == 0 ? null : new AuthenticationHeaderValue("token", authToken);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyDictionary<string, ProxyRouteEntry>> GetRoutesAsync(DateTimeOffset? inactiveSince, CancellationToken cancellationToken)
    {
        var uri = "api/routes" + (inactiveSince is { } since ? "?inactive_since=" + Uri.EscapeDataString(ProxyJson.FormatTime(since)) : "");
        using var response = await SendAsync(HttpMethod.Get, uri, null, cancellationToken);
        await EnsureAsync(response, cancellationToken);
        var body = await JsonSerializer.DeserializeAsync(await response.Content.ReadAsStreamAsync(cancellationToken),
            ProxyJson.Default.DictionaryStringDictionaryStringJsonElement, cancellationToken) ?? [];
        return body.ToDictionary(r => r.Key, r => Entry(r.Key, r.Value), StringComparer.Ordinal);
    }

    /// <inheritdoc/>
    public async Task<ProxyRouteEntry?> GetRouteAsync(string path, CancellationToken cancellationToken)
    {
        var normalized = ProxyRoutePath.Normalize(path);
        if (normalized == "/")
        {
            // CHP reads GET /api/routes/ as the list, not as the root route.
            return (await GetRoutesAsync(null, cancellationToken)).GetValueOrDefault("/");
        }
        using var response = await SendAsync(HttpMethod.Get, RouteUri(normalized), null, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        await EnsureAsync(response, cancellationToken);
        var body = await JsonSerializer.DeserializeAsync(await response.Content.ReadAsStreamAsync(cancellationToken), ProxyJson.Default.DictionaryStringJsonElement, cancellationToken);
        return body is null ? null : Entry(normalized, body);
    }

    /// <inheritdoc/>
    public async Task AddRouteAsync(string path, Uri target, IReadOnlyDictionary<string, JsonElement> data, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(data);
        var body = new Dictionary<string, JsonElement>(data, StringComparer.Ordinal)
        {
            ["target"] = JsonSerializer.SerializeToElement(target.OriginalString, ProxyJson.Default.String),
        };
        using var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, ProxyJson.Default.DictionaryStringJsonElement));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await SendAsync(HttpMethod.Post, RouteUri(ProxyRoutePath.Normalize(path)), content, cancellationToken);
        await EnsureAsync(response, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<bool> DeleteRouteAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Delete, RouteUri(ProxyRoutePath.Normalize(path)), null, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
        await EnsureAsync(response, cancellationToken);
        return true;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string uri, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, uri) { Content = content };
        request.Headers.Authorization = _authorization;
        return await _http.SendAsync(request, cancellationToken);
    }

    /// <summary>CHP stores paths unescaped; on the wire each segment is escaped (JupyterHub keeps <c>@</c> and <c>~</c> as is).</summary>
    private static string RouteUri(string normalized) =>
        "api/routes" + string.Join('/', normalized.Split('/').Select(s => Uri.EscapeDataString(s).Replace("%40", "@", StringComparison.Ordinal)));

    private static async Task EnsureAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new HttpRequestException($"The proxy's API answered {(int)response.StatusCode} {response.ReasonPhrase}: {text}", null, response.StatusCode);
        }
    }

    private static ProxyRouteEntry Entry(string path, Dictionary<string, JsonElement> json)
    {
        var target = json.TryGetValue("target", out var t) && t.ValueKind == JsonValueKind.String ? new Uri(t.GetString()!, UriKind.RelativeOrAbsolute) : new Uri("", UriKind.Relative);
        var lastActivity = json.TryGetValue("last_activity", out var a) && a.ValueKind == JsonValueKind.String
            && DateTimeOffset.TryParse(a.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : DateTimeOffset.MinValue;
        var data = json.Where(p => p.Key is not ("target" or "last_activity")).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        return new ProxyRouteEntry(path, target, data, lastActivity);
    }
}
