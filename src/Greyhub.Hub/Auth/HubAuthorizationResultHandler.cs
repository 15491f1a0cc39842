using Greyhub.Hub.Http;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;

namespace Greyhub.Hub.Auth;

/// <summary>
/// How a refused request is answered, decided by the endpoint's metadata: an API endpoint gets JupyterHub's JSON
/// error (403 without credentials or scope, 404 when a filter hides the resource); a page sends an anonymous
/// visitor to the login page and answers anyone else an empty 403, which the pages' error handler shows as a page.
/// </summary>
internal sealed class HubAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Succeeded)
        {
            await next(context);
            return;
        }
        if (context.GetEndpoint()?.Metadata.GetMetadata<HubApiEndpoint>() is not null)
        {
            var (status, message) = context.Features.Get<ScopeRefusal>() is { } refusal && context.Identity() is not null
                ? (refusal.Status, refusal.Message)
                : (403, context.Features.Get<XsrfFailed>() is not null ? "'_xsrf' argument missing from POST" : "Missing or invalid credentials");
            await ApiErrorMiddleware.WriteAsync(context, status, message);
            return;
        }
        if (context.Features.Get<XsrfFailed>() is not null || (authorizeResult.Forbidden && context.Identity() is not null))
        {
            // An empty 403: the pages' error handler (Pages/PageErrors) renders it, saying why from XsrfFailed.
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return;
        }
        await _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
