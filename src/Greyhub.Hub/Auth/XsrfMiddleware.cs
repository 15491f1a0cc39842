using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;

namespace Greyhub.Hub.Auth;

/// <summary>
/// A login cookie alone never authorises an unsafe request, whatever the endpoint: that is exactly what a forged
/// cross-site request carries. A cookie-authenticated POST/PUT/PATCH/DELETE must also send the XSRF token
/// (<c>X-XSRFToken</c> header or the <c>_xsrf</c> form field); without it the request goes on as anonymous and every
/// endpoint that needs a caller refuses it. Token-authenticated requests carry no ambient credential and are not checked.
/// </summary>
internal sealed class XsrfMiddleware(RequestDelegate next, IAntiforgery antiforgery)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.User.Identity is HubIdentity { Caller.ViaCookie: true } && !IsSafe(context.Request.Method)
            && !await antiforgery.IsRequestValidAsync(context))
        {
            context.User = new ClaimsPrincipal(new ClaimsIdentity());
            context.Features.Set(new XsrfFailed());
        }
        await next(context);
    }

    private static bool IsSafe(string method) => HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method);
}
