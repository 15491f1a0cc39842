using Greyhub.Hub.Auth;
using Greyhub.Hub.Http;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace Greyhub.Hub.Pages;

/// <summary>
/// Styled error pages for everything that is not the API: an empty 4xx/5xx answer (an unknown path, a refusal, a
/// missing asset) gets the error page, an unhandled exception the 500 page without a trace (the log has it). API
/// endpoints (<see cref="HubApiEndpoint"/> metadata) keep JupyterHub's JSON errors.
/// </summary>
internal static class PageErrors
{
    private const string XsrfMessage = "The form was not sent by this site, or your session expired. Go back, reload the page and try again.";

    /// <summary>For <c>UseStatusCodePages</c>: only answers that have no body yet.</summary>
    public static Task StatusPageAsync(StatusCodeContext status)
    {
        var context = status.HttpContext;
        if (context.GetEndpoint()?.Metadata.GetMetadata<HubApiEndpoint>() is not null)
        {
            return Task.CompletedTask;
        }
        var code = context.Response.StatusCode;
        var message = code == StatusCodes.Status403Forbidden && context.Features.Get<XsrfFailed>() is not null ? XsrfMessage : null;
        return HubPage.Error(code, message).ExecuteAsync(context);
    }

    /// <summary>For <c>UseExceptionHandler</c>: the 500 page, or JupyterHub's JSON 500 for an API or lean endpoint (one reached through CORS).</summary>
    public static Task ExceptionPageAsync(HttpContext context)
    {
        var endpoint = context.Features.Get<IExceptionHandlerPathFeature>()?.Endpoint;
        return endpoint?.Metadata.GetMetadata<HubApiEndpoint>() is not null || endpoint?.Metadata.GetMetadata<LeanEndpoint>() is not null
            ? ApiErrorMiddleware.WriteAsync(context, StatusCodes.Status500InternalServerError, "Internal server error")
            : HubPage.Error(StatusCodes.Status500InternalServerError).ExecuteAsync(context);
    }
}
