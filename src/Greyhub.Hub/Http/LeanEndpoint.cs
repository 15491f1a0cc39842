using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace Greyhub.Hub.Http;

/// <summary>
/// Endpoint metadata for a hot read path that needs none of the hub's page and API middleware: its GET and HEAD
/// requests run straight after routing, skipping status-code pages, the exception page, API errors, authentication,
/// XSRF, authorization, antiforgery and CORS. Such an endpoint must be anonymous as far as the hub's policies go and
/// authenticate its caller itself (the hub's <c>IHubRequestAuthenticator</c>); an exception in it still becomes the
/// hub's JSON 500. Requests with an <c>Origin</c> header (CORS) and unsafe methods always take the whole pipeline.
/// </summary>
public sealed class LeanEndpoint
{
    /// <summary>The one instance (the marker carries no settings).</summary>
    public static LeanEndpoint Instance { get; } = new();

    private LeanEndpoint()
    {
    }
}

/// <summary>Runs <see cref="LeanEndpoint"/> endpoints right after routing; everything else goes on down the pipeline.</summary>
internal sealed partial class LeanEndpointMiddleware(RequestDelegate next, ILogger<LeanEndpointMiddleware> logger)
{
    public Task InvokeAsync(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint?.RequestDelegate is not { } handler || endpoint.Metadata.GetMetadata<LeanEndpoint>() is null
            || !(HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method))
            || context.Request.Headers.ContainsKey(HeaderNames.Origin))
        {
            return next(context);
        }
        return RunAsync(context, handler);
    }

    private async Task RunAsync(HttpContext context, RequestDelegate handler)
    {
        try
        {
            await handler(context);
        }
        catch (Exception ex) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            // What the exception handler would do for an API endpoint: logged here with its stack, answered without it.
            LogUnhandled(logger, context.Request.Method, context.Request.Path, ex);
            context.Response.Clear();
            await ApiErrorMiddleware.WriteAsync(context, StatusCodes.Status500InternalServerError, "Internal server error");
        }
    }

    [LoggerMessage(EventId = HubEvents.LeanUnhandled, Level = LogLevel.Error, Message = "Unhandled error in {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, string method, PathString path, Exception exception);
}
