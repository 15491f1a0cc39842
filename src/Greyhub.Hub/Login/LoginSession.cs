using System.Security.Cryptography;
using Greyhub.Data.Stores;
using Greyhub.Hub.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;

namespace Greyhub.Hub.Login;

/// <summary>
/// Starts a login session: the login cookie (with the stamp of the user's password as it is now, so a later change ends
/// it: <see cref="PasswordStamp"/>) and the session id cookie, the same for every way of signing in.
/// </summary>
internal static class LoginSession
{
    private const string LegacyXsrfCookie = "greyhub-xsrf";

    public static async Task SignInAsync(HttpContext context, string user, UserStore users, HubOptions options, TimeProvider time, string? upstream = null)
    {
        // Earlier versions set these at Path=/, where every user's server received them. Deleted first: a deletion
        // also drops this response's cookies whose path starts with its own.
        context.Response.Cookies.Delete(HubCookies.Session, new CookieOptions { Path = "/" });
        context.Response.Cookies.Delete(LegacyXsrfCookie, new CookieOptions { Path = "/" });
        var session = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        await WriteLoginCookieAsync(context, user, session, users, options, time, upstream);
        context.Response.Cookies.Append(HubCookies.Session, session, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            Secure = context.Request.IsHttps,
            // Only the hub reads it; users' servers under /user/ must not receive it (JupyterHub 4.1+).
            Path = "/hub/",
        });
    }

    /// <summary>Keeps this session signed in after its user changed the password: the same session id, the new password's stamp.</summary>
    public static Task RenewAsync(HttpContext context, string user, string session, UserStore users, HubOptions options, TimeProvider time) =>
        WriteLoginCookieAsync(context, user, session, users, options, time);

    private static async Task WriteLoginCookieAsync(HttpContext context, string user, string session, UserStore users, HubOptions options, TimeProvider time, string? upstream = null)
    {
        // Read after signing in or changing it (signing in may re-hash the password), so the stamp is the current one.
        var stamp = PasswordStamp.Of(await users.GetPasswordHashAsync(user, context.RequestAborted));
        await context.SignInAsync(HubAuthentication.Cookie, HubAuthentication.LoginPrincipal(user, session, stamp, upstream),
            new AuthenticationProperties { IsPersistent = true, ExpiresUtc = time.GetUtcNow().Add(options.CookieMaxAge) });
    }
}
