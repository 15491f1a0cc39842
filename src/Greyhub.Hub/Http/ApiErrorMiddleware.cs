using System.Text.Json;
using Greyhub.Data;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Greyhub.Hub.Http;

/// <summary>
/// Turns every failure of an API endpoint (<see cref="HubApiEndpoint"/> metadata) into JupyterHub's JSON error body
/// with the right 4xx, so bad input never becomes a 500 or an HTML page.
/// </summary>
internal sealed partial class ApiErrorMiddleware(RequestDelegate next, ILogger<ApiErrorMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<HubApiEndpoint>() is null)
        {
            await next(context);
            return;
        }
        if (HasEncodedSlash(context))
        {
            // JupyterHub unescapes path arguments, so /users/a%2Fb names "a/b", which no user or group can be
            // called. ASP.NET leaves %2F undecoded in route values, which would make it the literal name "a%2Fb",
            // the same as /users/a%252Fb: refuse it instead of creating or finding the wrong one.
            await WriteAsync(context, HttpMethods.IsPost(context.Request.Method) ? 400 : 404,
                HttpMethods.IsPost(context.Request.Method) ? "Invalid name: names cannot contain '/'" : "Not Found");
            return;
        }
        try
        {
            await next(context);
        }
        catch (Exception ex) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            var (status, message) = ex switch
            {
                ApiException api => (api.Status, api.Message),
                HubException hub => (HubErrorStatus.Of(hub.Kind), hub.Message),
                BadHttpRequestException bad => (bad.StatusCode, bad.StatusCode == 413 ? "Request body too large" : "Bad request: " + bad.Message),
                ConflictException conflict => (409, conflict.Message),
                NotFoundException notFound => (404, notFound.Message),
                JsonException => (400, "Invalid JSON in request body"),
                _ => (500, "Internal server error"),
            };
            if (status >= 500 && ex is not (ApiException or HubException))
            {
                // A deliberate 5xx (a failed spawn) was logged where it happened; only the unexpected gets a stack here.
                LogUnhandled(logger, context.Request.Method, context.Request.Path, ex);
            }
            if (((ex as ApiException)?.RetryAfterSeconds ?? (int?)(ex as HubException)?.RetryAfter?.TotalSeconds) is { } retry)
            {
                context.Response.Headers.RetryAfter = retry.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            await WriteAsync(context, status, message);
        }
    }

    private static bool HasEncodedSlash(HttpContext context)
    {
        var raw = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget ?? "";
        var query = raw.IndexOf('?', StringComparison.Ordinal);
        var path = query < 0 ? raw : raw[..query];
        return path.Contains("%2F", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Writes a JupyterHub-style JSON error.</summary>
    public static async Task WriteAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        writer.WriteStartObject();
        writer.WriteNumber("status", status);
        writer.WriteString("message", message);
        writer.WriteEndObject();
    }

    [LoggerMessage(EventId = HubEvents.ApiUnhandled, Level = LogLevel.Error, Message = "Unhandled error in {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, string method, PathString path, Exception exception);
}
