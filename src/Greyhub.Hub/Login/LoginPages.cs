using System.Security.Cryptography;
using Greyhub.Abstractions.Authentication;
using Greyhub.Hub.Auth;
using Greyhub.Hub.OAuth;
using Greyhub.Hub.Observability;
using Greyhub.Hub.Users;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using static Greyhub.Hub.Http.Html;

namespace Greyhub.Hub.Login;

/// <summary><c>/hub/login</c> and <c>/hub/logout</c>.</summary>
internal static class LoginPages
{
    private const string LegacyXsrfCookie = "greyhub-xsrf";

    public static IEndpointRouteBuilder MapLoginPages(this IEndpointRouteBuilder hub)
    {
        // Open to anyone: the forms check their own XSRF token (a login form too, against login CSRF).
        hub.MapGet("/login", Form).AllowAnonymous();
        hub.MapPost("/login", Submit).DisableAntiforgery().AllowAnonymous();
        hub.MapGet("/logout", (Func<HttpContext, OAuthGrants, Task<IResult>>)Logout).AllowAnonymous();
        hub.MapPost("/logout", LogoutForm).DisableAntiforgery().AllowAnonymous();
        return hub;
    }

    private static IResult Form(HttpContext context, IAntiforgery antiforgery, string? next)
    {
        if (context.Identity() is { IsUser: true })
        {
            return Results.Redirect(SafeNext(next, "/hub/home"));
        }
        return Render(context, antiforgery, next, error: null, userName: "", status: 200);
    }

    private static IResult Render(HttpContext context, IAntiforgery antiforgery, string? next, string? error, string userName, int status)
    {
        var body = $"""
            <div class="card" style="max-width:26rem;margin:3rem auto">
            <h1>Sign in</h1>
            {(error is null ? "" : $"<p class=\"error\" id=\"login-error\" role=\"alert\">{E(error)}</p>")}
            <form method="post" action="/hub/login?next={Uri.EscapeDataString(SafeNext(next, "/hub/home"))}">
            {Xsrf(context, antiforgery)}
            <label for="username_input">Username</label>
            <input id="username_input" name="username" autocomplete="username" autocapitalize="off" required value="{E(userName)}" autofocus>
            <label for="password_input">Password</label>
            <input id="password_input" name="password" type="password" autocomplete="current-password" required>
            <p><button id="login_submit" type="submit">Sign in</button></p>
            </form></div>
            """;
        return Page("Sign in", body, user: null, status);
    }

    private static async Task<IResult> Submit(
        HttpContext context,
        IAntiforgery antiforgery,
        IPasswordAuthenticator authenticator,
        AccessPolicy policy,
        LoginThrottle throttle,
        UserService users,
        HubMetrics metrics,
        IOptions<HubOptions> options,
        TimeProvider time,
        ILoggerFactory loggers,
        string? next)
    {
        var logger = loggers.CreateLogger("Greyhub.Login");
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return Render(context, antiforgery, next, "Your session expired or the form was not sent by this site; please sign in again.", "", 403);
        }
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var userName = Names.NormalizeUser(form["username"].ToString());
        var password = form["password"].ToString();
        var client = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (throttle.RetryAfter(userName, client) is { } wait)
        {
            metrics.LoginAttempts.WithLabels("throttled").Inc();
            HubLog.LoginThrottled(logger, client, wait);
            context.Response.Headers.RetryAfter = wait.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Render(context, antiforgery, next, $"Too many failed login attempts. Try again in {wait} seconds.", userName, 429);
        }
        AuthenticatedUser? authenticated = null;
        if (userName.Length > 0 && Names.IsValid(userName) && password.Length > 0)
        {
            authenticated = await authenticator.AuthenticateAsync(userName, password, context.RequestAborted);
        }
        var existing = authenticated is null ? null : await users.FindAsync(authenticated.Name, context.RequestAborted);
        if (authenticated is null || !policy.MayLogIn(authenticated.Name, existing is not null))
        {
            throttle.Failed(userName, client);
            metrics.LoginAttempts.WithLabels("failed").Inc();
            HubLog.LoginFailed(logger, client);
            // Never echo more than needed about the attempt (CVE-2026-54338: unbounded user names).
            return Render(context, antiforgery, next, "Invalid username or password.", userName.Length > 255 ? "" : userName, 403);
        }
        throttle.Succeeded(userName);
        metrics.LoginAttempts.WithLabels("success").Inc();
        HubLog.LoginSucceeded(logger, authenticated.Name, client);
        // Earlier versions set these at Path=/, where every user's server received them. Deleted first: a deletion
        // also drops this response's cookies whose path starts with its own.
        context.Response.Cookies.Delete(HubCookies.Session, new CookieOptions { Path = "/" });
        context.Response.Cookies.Delete(LegacyXsrfCookie, new CookieOptions { Path = "/" });
        var session = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        await context.SignInAsync(HubAuthentication.Cookie, HubAuthentication.LoginPrincipal(authenticated.Name, session),
            new AuthenticationProperties { IsPersistent = true, ExpiresUtc = time.GetUtcNow().Add(options.Value.CookieMaxAge) });
        context.Response.Cookies.Append(HubCookies.Session, session, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            Secure = context.Request.IsHttps,
            // Only the hub reads it; users' servers under /user/ must not receive it (JupyterHub 4.1+).
            Path = "/hub/",
        });
        return Results.Redirect(SafeNext(next, "/hub/home"));
    }

    private static async Task<IResult> LogoutForm(HttpContext context, IAntiforgery antiforgery, OAuthGrants grants) =>
        await antiforgery.IsRequestValidAsync(context)
            ? await Logout(context, grants)
            : Page("Sign out", "<p class=\"error\">The sign-out form was not sent by this site.</p>", user: null, status: 403);

    private static async Task<IResult> Logout(HttpContext context, OAuthGrants grants)
    {
        if (context.Identity() is { ViaCookie: true, UserId: { } userId, SessionId: { Length: > 0 } session })
        {
            // As JupyterHub's BaseHandler.clear_login_cookie: the OAuth tokens this login session authorized die with it,
            // and only for a signed-in user (an anonymous logout request must not revoke anything).
            await grants.RevokeSessionAsync(userId, session, context.RequestAborted);
        }
        await context.SignOutAsync(HubAuthentication.Cookie);
        context.Response.Cookies.Delete(HubCookies.Session, new CookieOptions { Path = "/" });
        context.Response.Cookies.Delete(HubCookies.Session, new CookieOptions { Path = "/hub/" });
        context.Response.Cookies.Delete("jupyterhub-services", new CookieOptions { Path = "/services" });
        return Results.Redirect("/hub/login");
    }
}
