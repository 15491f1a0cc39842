using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Greyhub.Proxy;

/// <summary>The REST API's JSON, source-generated: a route is a flat object (CHP stores what was POSTed, plus <c>last_activity</c>).</summary>
[JsonSerializable(typeof(Dictionary<string, JsonElement>))]
[JsonSerializable(typeof(Dictionary<string, Dictionary<string, JsonElement>>))]
[JsonSerializable(typeof(ProxyApiError))]
[JsonSerializable(typeof(string))]
internal sealed partial class ProxyJson : JsonSerializerContext
{
    /// <summary>
    /// CHP's <c>last_activity</c>: a JavaScript <c>Date</c> as JSON, i.e. UTC with milliseconds and <c>Z</c>
    /// (<c>2026-12-06T22:43:17.123Z</c>); JupyterHub parses it with dateutil.
    /// </summary>
    public static string FormatTime(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}

/// <summary>An API error: <c>{"error": "..."}</c>.</summary>
internal sealed record ProxyApiError([property: JsonPropertyName("error")] string Error);
