using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Greyhub.Hub.Tests;

/// <summary>A response read whole: status, raw body and parsed JSON (when the body is JSON).</summary>
public sealed record ApiResponse(HttpStatusCode Status, string Body, JsonElement? Json, HttpResponseHeaders Headers, string? ContentType)
{
    /// <summary>The <c>Allow</c> header (a content header in .NET).</summary>
    public string Allow { get; init; } = "";

    public int Code => (int)Status;

    public JsonElement Root => Json ?? throw new Xunit.Sdk.XunitException($"expected a JSON body, got {Code}: {Body}");

    public IReadOnlyList<string> Keys => [.. Root.EnumerateObject().Select(p => p.Name)];

    public override string ToString() => $"{Code} {Body}";
}

/// <summary>Request helpers and JupyterHub-shape assertions shared by the suites.</summary>
public static class Api
{
    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<ApiResponse> SendAsync(HttpClient client, string method, string path, object? body = null, string? accept = null)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (accept is not null)
        {
            request.Headers.Accept.ParseAdd(accept);
        }
        switch (body)
        {
            case null:
                break;
            case string raw:
                request.Content = new StringContent(raw, Encoding.UTF8, "application/json");
                break;
            case byte[] bytes:
                request.Content = new ByteArrayContent(bytes);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                break;
            default:
                request.Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
                break;
        }
        using var response = await client.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        JsonElement? json = null;
        if (text.Length > 0)
        {
            try
            {
                json = JsonDocument.Parse(text).RootElement.Clone();
            }
            catch (JsonException)
            {
                // Not JSON (e.g. metrics): left for the caller to look at.
            }
        }
        return new ApiResponse(response.StatusCode, text, json, response.Headers, response.Content.Headers.ContentType?.MediaType)
        {
            Allow = string.Join(", ", response.Content.Headers.Allow),
        };
    }

    public static Task<ApiResponse> GetApiAsync(this HttpClient client, string path, string? accept = null) => SendAsync(client, "GET", path, accept: accept);

    public static Task<ApiResponse> PostApiAsync(this HttpClient client, string path, object? body = null) => SendAsync(client, "POST", path, body);

    public static Task<ApiResponse> PatchApiAsync(this HttpClient client, string path, object? body) => SendAsync(client, "PATCH", path, body);

    public static Task<ApiResponse> PutApiAsync(this HttpClient client, string path, object? body) => SendAsync(client, "PUT", path, body);

    public static Task<ApiResponse> DeleteApiAsync(this HttpClient client, string path, object? body = null) => SendAsync(client, "DELETE", path, body);

    /// <summary>Asserts the status, and for errors JupyterHub's body <c>{"status": N, "message": "..."}</c>.</summary>
    public static ApiResponse Is(this ApiResponse response, int status)
    {
        Assert.True(response.Code == status, $"expected {status}, got {response}");
        if (status >= 400)
        {
            AssertErrorShape(response);
        }
        return response;
    }

    /// <summary>Asserts JupyterHub's JSON error body: exactly <c>status</c> (the HTTP status) and a non-empty <c>message</c>.</summary>
    public static void AssertErrorShape(ApiResponse response)
    {
        Assert.True(response.Json is { ValueKind: JsonValueKind.Object }, $"error body is not a JSON object: {response}");
        Assert.StartsWith("application/json", response.ContentType ?? "");
        var root = response.Root;
        Assert.True(root.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.Number, $"no numeric status: {response}");
        Assert.Equal(response.Code, status.GetInt32());
        Assert.True(root.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String, $"no string message: {response}");
        Assert.False(string.IsNullOrEmpty(message.GetString()));
    }

    public static string Message(this ApiResponse response) => response.Root.GetProperty("message").GetString()!;

    public static IReadOnlyList<string> Strings(this JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];

    public static IReadOnlyList<string> Names(this JsonElement list) => [.. list.EnumerateArray().Select(e => e.GetProperty("name").GetString()!)];

    /// <summary>Asserts an object has exactly <paramref name="keys"/> (any order).</summary>
    public static void HasKeys(JsonElement obj, params string[] keys) =>
        Assert.Equal(keys.Order(StringComparer.Ordinal), obj.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));

    /// <summary>Asserts an ISO 8601 UTC timestamp string or null.</summary>
    public static void IsTimestampOrNull(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return;
        }
        Assert.Equal(JsonValueKind.String, value.ValueKind);
        Assert.EndsWith("Z", value.GetString());
        Assert.True(DateTimeOffset.TryParse(value.GetString(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out _), value.GetString());
    }

    /// <summary>A random string usable as a unique name in a shared hub.</summary>
    public static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..10];
}
