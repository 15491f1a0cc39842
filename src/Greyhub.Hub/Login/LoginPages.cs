using Greyhub.Abstractions.Authentication;
using Greyhub.Data.Stores;
using Greyhub.Hub.Audit;
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
using Greyhub.Hub.Pages;
using Microsoft.Extensions.DependencyInjection;
using static Greyhub.Hub.Http.Redirects;

namespace Greyhub.Hub.Login;

/// <summary>A provider's button on the login page.</summary>
/// <param name="Name">The provider's name in URLs.</param>
/// <param name="DisplayName">The button's text after "Sign in with".</param>
public sealed record LoginProvider(string Name, string DisplayName);

/// <summary><c>/hub/login</c> and <c>/hub/logout</c>.</summary>
internal static class LoginPages
{
    private const string NoPasswords = "This hub does not keep passwords: change yours where you sign in.";

    public static IEndpointRouteBuilder MapLoginPages(this IEndpointRouteBuilder hub)
    {
        // Open to anyone: the forms check their own XSRF token (a login form too, against login CSRF).
        hub.MapGet("/login", Form).AllowAnonymous();
        hub.MapPost("/login", Submit).DisableAntiforgery().AllowAnonymous();
        hub.MapGet("/logout", (Func<HttpContext, OAuthGrants, AuditLog, IUpstreamSignOut, Task<IResult>>)Logout).AllowAnonymous();
        hub.MapPost("/logout", LogoutForm).DisableAntiforgery().AllowAnonymous();
        hub.MapGet("/change-password", (PasswordChange passwords) => passwords.Available
            ? HubPage.Render<ChangePasswordPage>()
            : HubPage.Error(StatusCodes.Status404NotFound, NoPasswords)).RequireSignedIn();
        hub.MapPost("/change-password", ChangePassword).DisableAntiforgery().RequireSignedIn();
        return hub;
    }

    private static async Task<IResult> Form(HttpContext context, UserService users, string? next)
    {
        if (context.Identity() is { IsUser: true })
        {
            return Results.Redirect(SafeNext(next, "/hub/home"));
        }
        return await RenderAsync(context, users, next, error: null, userName: "", status: 200);
    }

    private static async Task<IResult> RenderAsync(HttpContext context, UserService users, string? next, string? error, string userName, int status)
    {
        var upstream = context.RequestServices.GetRequiredService<IOptions<UpstreamLoginOptions>>().Value;
        // An authenticator's own fields (JupyterHub's custom_html), sanitised as a spawner's options form, inside the hub's form.
        var own = upstream.BuiltInUsers
            ? await context.RequestServices.GetRequiredService<IPasswordAuthenticator>().GetLoginFormAsync(context.RequestAborted)
            : null;
        context.Response.Headers.ContentSecurityPolicy = HubPage.LoginContentSecurityPolicy;
        return HubPage.Render<LoginPage>(new
        {
            CustomHtml = own?.CustomHtml is { } html ? LoginForms.Sanitize(html) : null,
            own?.LoginService,
            Next = SafeNext(next, "/hub/home"),
            Error = error,
            UserName = userName,
            // Only the built-in form can use the first administrator: with it off, the providers' admins come from them.
            // A plug-in authenticator creates its users as they sign in: no "no users yet" box for it.
            FirstRun = upstream.BuiltInUsers && context.RequestServices.GetRequiredService<IPasswordAuthenticator>() is BuiltInAuthenticator
                && !await users.AnyAsync(context.RequestAborted),
            BuiltInUsers = upstream.BuiltInUsers,
            Providers = upstream.AllProviders().Select(p => new LoginProvider(p.Name, p.Label())).ToList(),
        }, status);
    }

    private static async Task<IResult> Submit(
        HttpContext context,
        IAntiforgery antiforgery,
        IPasswordAuthenticator authenticator,
        AccessPolicy policy,
        LoginThrottle throttle,
        UserService users,
        UserStore userStore,
        HubMetrics metrics,
        IOptions<HubOptions> options,
        TimeProvider time,
        ILoggerFactory loggers,
        AuditLog audit,
        string? next)
    {
        var logger = loggers.CreateLogger("Greyhub.Login");
        if (!context.RequestServices.GetRequiredService<IOptions<UpstreamLoginOptions>>().Value.BuiltInUsers)
        {
            return HubPage.Error(StatusCodes.Status404NotFound, "This hub has no built-in users: sign in with one of the providers on the sign-in page.");
        }
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return await RenderAsync(context, users, next, "Your session expired or the form was not sent by this site; please sign in again.", "", 403);
        }
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var userName = Names.NormalizeUser(form["username"].ToString());
        var password = form["password"].ToString();
        var client = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (throttle.RetryAfter(userName, client) is { } wait)
        {
            metrics.LoginAttempts.WithLabels("throttled").Inc();
            HubLog.LoginThrottled(logger, client, wait);
            audit.Record(AuditActions.LoginFailure, AuditActor.Anonymous, await KnownAsync(userStore, userName, context.RequestAborted), detail: "throttled", address: client);
            context.Response.Headers.RetryAfter = wait.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return await RenderAsync(context, users, next, $"Too many failed login attempts. Try again in {wait} seconds.", userName, 429);
        }
        AuthenticatedUser? authenticated = null;
        if (userName.Length > 0 && Names.IsValid(userName) && password.Length > 0)
        {
            try
            {
                authenticated = Checked(authenticator, await authenticator.AuthenticateAsync(userName, password, context.RequestAborted));
            }
            catch (AuthenticatorUnavailableException e)
            {
                // Not the user's fault and not a failed attempt: no throttling, no audit entry; the operator's log says why.
                metrics.LoginAttempts.WithLabels("unavailable").Inc();
                HubLog.AuthenticatorUnavailable(logger, authenticator.Name, e.Message);
                return await RenderAsync(context, users, next, UnavailableText(authenticator, e), userName.Length > 255 ? "" : userName, StatusCodes.Status503ServiceUnavailable);
            }
        }
        var existing = authenticated is null ? null : await users.FindAsync(authenticated.Name, context.RequestAborted);
        if (authenticated is null || !policy.MayLogIn(authenticated.Name, existing is not null))
        {
            throttle.Failed(userName, client);
            metrics.LoginAttempts.WithLabels("failed").Inc();
            HubLog.LoginFailed(logger, client);
            var known = existing?.Name ?? await KnownAsync(userStore, userName, context.RequestAborted);
            audit.Record(AuditActions.LoginFailure, AuditActor.Anonymous, known,
                detail: (authenticated is null ? "invalid username or password" : "not allowed") + (known is null ? " (not a user's name)" : ""), address: client);
            // Never echo more than needed about the attempt (CVE-2026-54338: unbounded user names).
            return await RenderAsync(context, users, next, "Invalid username or password.", userName.Length > 255 ? "" : userName, 403);
        }
        await context.RequestServices.GetRequiredService<AuthenticatedLogins>().ApplyAsync(authenticated, authenticator.Name, context.RequestAborted);
        context.RequestServices.GetRequiredService<UserAuthRefresh>().SignedIn(authenticator, authenticated.Name);
        throttle.Succeeded(userName);
        metrics.LoginAttempts.WithLabels("success").Inc();
        HubLog.LoginSucceeded(logger, authenticated.Name, client);
        audit.Record(AuditActions.LoginSuccess, AuditActor.User(authenticated.Name), authenticated.Name, address: client);
        await LoginSession.SignInAsync(context, authenticated.Name, userStore, options.Value, time);
        return Results.Redirect(SafeNext(next, "/hub/home"));
    }

    /// <summary>What the login page says when the authenticator cannot answer, before it names the authenticator and why.</summary>
    public const string Unavailable = "The login service is unavailable";

    /// <summary>
    /// The sign-in page's (and the API's) words for an authenticator that cannot answer: which one, and the kind of
    /// failure as the authenticator put it for anyone to read; the addresses and the answer itself stay in the hub's log.
    /// </summary>
    public static string UnavailableText(IPasswordAuthenticator authenticator, AuthenticatorUnavailableException e) =>
        $"{Unavailable}: the authenticator '{authenticator.Name}' {e.Reason ?? "could not answer"}. Please try again in a few minutes; the hub's log says more.";

    /// <summary>
    /// An authenticator's answer with a name the hub can use, normalised as every user name is; a plug-in that answers
    /// an invalid name is broken, not a failed login.
    /// </summary>
    public static AuthenticatedUser? Checked(IPasswordAuthenticator authenticator, AuthenticatedUser? authenticated)
    {
        if (authenticated is null)
        {
            return null;
        }
        var name = Names.NormalizeUser(authenticated.Name ?? "");
        return Names.IsValid(name)
            ? authenticated with { Name = name }
            : throw new AuthenticatorUnavailableException($"Authenticator '{authenticator.Name}' answered an invalid user name.", "answered an invalid user name", null);
    }

    /// <summary>
    /// The name a failed login tried, as the audit log records it: only when it is a user's name (a wrong password for a
    /// real account is what an operator looks for). Any other text stays out of the database, as out of the log
    /// (LoginLogTests): it is often a password typed into the wrong box.
    /// </summary>
    private static async Task<string?> KnownAsync(UserStore users, string userName, CancellationToken cancellationToken) =>
        userName.Length > 0 && Names.IsValid(userName) && await users.FindAsync(userName, cancellationToken) is { } user ? user.Name : null;

    private static async Task<IResult> ChangePassword(
        HttpContext context, IAntiforgery antiforgery, PasswordChange passwords, UserStore users, LoginThrottle throttle, IOptions<HubOptions> options,
        TimeProvider time, ILoggerFactory loggers)
    {
        // The endpoint requires a signed-in user (RequireSignedIn): the caller is one.
        var me = context.Caller();
        if (!passwords.Available)
        {
            return HubPage.Error(StatusCodes.Status404NotFound, NoPasswords);
        }
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return HubPage.Render<ChangePasswordPage>(new { Error = "The form was not sent by this site; reload the page and try again." }, StatusCodes.Status403Forbidden);
        }
        var logger = loggers.CreateLogger("Greyhub.Login");
        var client = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        // Guessing the current password here is a login attempt like any other: the same throttle.
        if (throttle.RetryAfter(me.Name, client) is { } wait)
        {
            context.Response.Headers.RetryAfter = wait.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return HubPage.Render<ChangePasswordPage>(new { Error = $"Too many wrong passwords. Try again in {wait} seconds." }, StatusCodes.Status429TooManyRequests);
        }
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var result = await passwords.ChangeAsync(me, form["current_password"].ToString(), form["new_password"].ToString(),
            form["confirm_password"].ToString(), context.RequestAborted);
        if (result == PasswordChangeResult.WrongCurrent)
        {
            throttle.Failed(me.Name, client);
            HubLog.PasswordChangeRefused(logger, me.Name, client);
        }
        else if (result == PasswordChangeResult.Changed)
        {
            HubLog.PasswordChanged(logger, me.Name, client);
            // This session stays signed in: its cookie, with the same session id, now carries the new password's stamp.
            await LoginSession.RenewAsync(context, me.Name, me.SessionId ?? "", users, options.Value, time);
        }
        var error = result switch
        {
            PasswordChangeResult.Changed => null,
            PasswordChangeResult.WrongCurrent => "The current password is not right.",
            PasswordChangeResult.Mismatch => "The two new passwords are not the same.",
            PasswordChangeResult.TooShort => $"The new password is too short: at least {options.Value.Authenticator.MinimumPasswordLength} characters.",
            _ => NoPasswords,
        };
        return error is null
            ? HubPage.Render<ChangePasswordPage>(new { Changed = true })
            : HubPage.Render<ChangePasswordPage>(new { Error = error }, result == PasswordChangeResult.WrongCurrent ? StatusCodes.Status403Forbidden : StatusCodes.Status400BadRequest);
    }

    private static async Task<IResult> LogoutForm(HttpContext context, IAntiforgery antiforgery, OAuthGrants grants, AuditLog audit, IUpstreamSignOut upstream) =>
        await antiforgery.IsRequestValidAsync(context)
            ? await Logout(context, grants, audit, upstream)
            : HubPage.Error(StatusCodes.Status403Forbidden, "The sign-out form was not sent by this site. Reload the page and sign out again.");

    private static async Task<IResult> Logout(HttpContext context, OAuthGrants grants, AuditLog audit, IUpstreamSignOut upstream)
    {
        string? provider = null;
        int? signedIn = null;
        if (context.Identity() is { ViaCookie: true, UserId: { } userId, SessionId: { Length: > 0 } session } me)
        {
            signedIn = userId;
            // Which provider this session came through is in the login cookie itself (no other state to keep).
            provider = (await context.AuthenticateAsync(HubAuthentication.Cookie)).Principal?.FindFirst(HubAuthentication.UpstreamClaim)?.Value;
            audit.Record(AuditActions.Logout, AuditActor.User(me.Name), me.Name, address: AuditLog.AddressOf(context));
            // As JupyterHub's BaseHandler.clear_login_cookie: the OAuth tokens this login session authorized die with it,
            // and only for a signed-in user (an anonymous logout request must not revoke anything).
            await grants.RevokeSessionAsync(userId, session, context.RequestAborted);
        }
        await context.SignOutAsync(HubAuthentication.Cookie);
        context.Response.Cookies.Delete(HubCookies.Session, new CookieOptions { Path = "/" });
        context.Response.Cookies.Delete(HubCookies.Session, new CookieOptions { Path = "/hub/" });
        context.Response.Cookies.Delete("jupyterhub-services", new CookieOptions { Path = "/services" });
        if (provider is not null && await upstream.SignOutAsync(context, provider, signedIn, context.RequestAborted) is { } endUpstream)
        {
            return endUpstream;
        }
        return Results.Redirect("/hub/login");
    }
}
