using System.Security.Claims;
using Greyhub.Data.Stores;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;

namespace Greyhub.Hub.Auth;

/// <summary>
/// Resolves who is calling: an <c>Authorization: token|bearer X</c> header first, then the login cookie.
/// Cookie-authenticated API writes must carry the XSRF token (JupyterHub's <c>X-XSRFToken</c>).
/// </summary>
internal sealed class IdentityMiddleware(RequestDelegate next, IdentityResolver resolver, IAntiforgery antiforgery)
{
    public const string CookieScheme = "greyhub-login";
    public const string SessionClaim = "greyhub:session";

    public async Task InvokeAsync(HttpContext context, TokenStore tokens, UserStore users)
    {
        RequestIdentity? identity = null;
        if (TryGetToken(context.Request, out var token))
        {
            identity = await resolver.FromTokenAsync(token, tokens, users, context.RequestAborted);
        }
        else if (context.Request.Cookies.ContainsKey(HubCookies.Login))
        {
            var result = await context.AuthenticateAsync(CookieScheme);
            if (result.Succeeded && result.Principal.Identity?.Name is { } name)
            {
                var session = result.Principal.FindFirstValue(SessionClaim) ?? "";
                identity = await resolver.FromSessionAsync(name, session, users, context.RequestAborted);
                if (identity is not null && IsApiWrite(context.Request) && !await antiforgery.IsRequestValidAsync(context))
                {
                    // A cookie alone never authorises an API write: that is what a forged cross-site request carries.
                    identity = null;
                    context.Features.Set(new XsrfFailed());
                }
            }
        }
        if (identity is not null)
        {
            context.Features.Set(identity);
        }
        await next(context);
    }

    private static bool IsApiWrite(HttpRequest request) =>
        !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && !HttpMethods.IsOptions(request.Method)
        && request.Path.StartsWithSegments("/hub/api", StringComparison.Ordinal);

    /// <summary>Parses <c>Authorization: token X</c> or <c>bearer X</c> (case-insensitive), as JupyterHub does.</summary>
    public static bool TryGetToken(HttpRequest request, out string token)
    {
        token = "";
        var header = request.Headers.Authorization.ToString();
        if (header.Length == 0)
        {
            return false;
        }
        var space = header.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0)
        {
            return false;
        }
        var scheme = header.AsSpan(0, space);
        if (!scheme.Equals("token", StringComparison.OrdinalIgnoreCase) && !scheme.Equals("bearer", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        var value = header.AsSpan(space + 1).Trim();
        if (value.Length == 0 || value.Length > 512 || value.Contains(' '))
        {
            return false;
        }
        token = value.ToString();
        return true;
    }
}

/// <summary>Marks a cookie request refused for a missing or wrong XSRF token.</summary>
internal sealed class XsrfFailed;

/// <summary>Cookie names, as JupyterHub's.</summary>
internal static class HubCookies
{
    public const string Login = "jupyterhub-hub-login";
    public const string Session = "jupyterhub-session-id";
    public const string Xsrf = "_xsrf";
}

/// <summary>Access to the request's identity.</summary>
internal static class IdentityHttpContextExtensions
{
    public static RequestIdentity? Identity(this HttpContext context) => context.Features.Get<RequestIdentity>();

    public static ClaimsPrincipal LoginPrincipal(string user, string session) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, user), new Claim(IdentityMiddleware.SessionClaim, session)], IdentityMiddleware.CookieScheme));
}
