using System.Globalization;
using System.Text.Json;
using System.Text.Unicode;
using Greyhub.Abstractions.Proxy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Greyhub.Proxy;

/// <summary>
/// configurable-http-proxy's REST API over <see cref="IProxyRoutes"/>: <c>GET /api/routes[?inactive_since=]</c>,
/// <c>GET /api/routes/{path}</c>, <c>POST /api/routes/{path}</c> (<c>{"target": ..., ...data}</c>, 201) and
/// <c>DELETE /api/routes/{path}</c> (204, or 404), every one behind the API token.
/// </summary>
internal static class RoutesApi
{
    public static IEndpointRouteBuilder MapRoutesApi(this IEndpointRouteBuilder endpoints, long maxBodyBytes)
    {
        var api = endpoints.MapGroup("/api/routes").RequireAuthorization(ProxyTokenAuthenticationHandler.Policy);
        // "/api/routes" and "/api/routes/" list; anything longer names a route (CHP: /^\/api\/routes(\/.*)?$/).
        api.MapGet("", ListAsync);
        api.MapGet("/{**path}", GetAsync);
        api.MapPost("/{**path}", AddAsync).WithMetadata(new RequestSizeLimitAttribute(maxBodyBytes));
        api.MapDelete("/{**path}", DeleteAsync);
        return endpoints;
    }

    private static async Task<IResult> ListAsync(HttpContext context, IProxyRoutes routes)
    {
        DateTimeOffset? since = null;
        // CHP takes both spellings.
        var query = context.Request.Query;
        var text = query.ContainsKey("inactive_since") ? query["inactive_since"].ToString() : query.ContainsKey("inactiveSince") ? query["inactiveSince"].ToString() : null;
        if (text is not null)
        {
            if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
            {
                return Error(400, $"Invalid datestamp '{text}' must be ISO8601.");
            }
            since = parsed;
        }
        var all = await routes.GetRoutesAsync(since, context.RequestAborted);
        var body = all.ToDictionary(r => r.Key, r => Json(r.Value), StringComparer.Ordinal);
        return TypedResults.Json(body, ProxyJson.Default.DictionaryStringDictionaryStringJsonElement);
    }

    private static async Task<IResult> GetAsync(HttpContext context, IProxyRoutes routes, string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "/")
        {
            return await ListAsync(context, routes);
        }
        return await routes.GetRouteAsync(path, context.RequestAborted) is { } route
            ? TypedResults.Json(Json(route), ProxyJson.Default.DictionaryStringJsonElement)
            : TypedResults.StatusCode(404);
    }

    private static async Task<IResult> AddAsync(HttpContext context, IProxyRoutes routes, string? path)
    {
        if (path is not null && !ProxyTarget.IsPrintable(path))
        {
            return Error(400, "A route path must not hold control characters");
        }
        Dictionary<string, JsonElement>? data;
        try
        {
            // The body is small (MaxApiBodyBytes): read whole, so that bytes that are not UTF-8 are refused (JSON is
            // UTF-8; the reader would store them as U+FFFD).
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            if (!Utf8.IsValid(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)))
            {
                return Error(400, "Body not valid JSON: not UTF-8");
            }
            data = JsonSerializer.Deserialize(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), ProxyJson.Default.DictionaryStringJsonElement);
        }
        catch (JsonException e)
        {
            return Error(400, "Body not valid JSON: " + e.Message);
        }
        catch (BadHttpRequestException e)
        {
            return Error(e.StatusCode, e.Message);
        }
        // CHP reads a JSON null as an empty object, which then lacks its target.
        data ??= [];
        if (!data.TryGetValue("target", out var target) || target.ValueKind != JsonValueKind.String)
        {
            return Error(400, "Must specify 'target' as string");
        }
        if (ProxyTarget.Parse(target.GetString(), out var error) is not { } uri)
        {
            return Error(400, error!);
        }
        data.Remove("target");
        // The JSON elements belong to this request's document; the route table keeps copies.
        await routes.AddRouteAsync(path ?? "", uri, data, context.RequestAborted);
        return TypedResults.StatusCode(201);
    }

    private static async Task<IResult> DeleteAsync(HttpContext context, IProxyRoutes routes, string? path) =>
        TypedResults.StatusCode(await routes.DeleteRouteAsync(path ?? "", context.RequestAborted) ? 204 : 404);

    /// <summary>A route as CHP shows it: its data, <c>target</c> as given, and <c>last_activity</c>.</summary>
    private static Dictionary<string, JsonElement> Json(ProxyRouteEntry route)
    {
        var json = new Dictionary<string, JsonElement>(route.Data, StringComparer.Ordinal)
        {
            ["target"] = JsonSerializer.SerializeToElement(route.Target.OriginalString, ProxyJson.Default.String),
            ["last_activity"] = JsonSerializer.SerializeToElement(ProxyJson.FormatTime(route.LastActivity), ProxyJson.Default.String),
        };
        return json;
    }

    private static JsonHttpResult<ProxyApiError> Error(int status, string message) =>
        TypedResults.Json(new ProxyApiError(message), ProxyJson.Default.ProxyApiError, statusCode: status);
}
