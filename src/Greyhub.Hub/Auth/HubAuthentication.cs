using System.Security.Claims;
using Microsoft.AspNetCore.Http;

namespace Greyhub.Hub.Auth;

/// <summary>
/// The hub's authentication schemes, as ASP.NET registers them: an API token handler, the login cookie, and a policy
/// scheme that picks one per request (a <c>token</c>/<c>bearer</c> Authorization header wins, as in JupyterHub).
/// An OpenID Connect login arrives later as one more scheme that signs in with <see cref="Cookie"/>.
/// </summary>
internal static class HubAuthentication
{
    /// <summary>The default scheme: forwards to <see cref="Token"/> or <see cref="Cookie"/>.</summary>
    public const string Default = "greyhub";

    /// <summary><c>Authorization: token X</c> or <c>bearer X</c>.</summary>
    public const string Token = "greyhub-token";

    /// <summary>The login cookie (<c>jupyterhub-hub-login</c>).</summary>
    public const string Cookie = "greyhub-login";

    /// <summary>The claim holding the login session id in the login cookie.</summary>
    public const string SessionClaim = "greyhub:session";

    /// <summary>The caller resolved by either scheme, or null when anonymous.</summary>
    public static RequestIdentity? Identity(this HttpContext context) => (context.User.Identity as HubIdentity)?.Caller;

    /// <summary>The caller of an endpoint whose metadata requires one (<c>RequireScope</c>, <c>RequireCaller</c>, <c>RequireSignedIn</c>).</summary>
    public static RequestIdentity Caller(this HttpContext context) =>
        context.Identity() ?? throw new InvalidOperationException("An endpoint without an authorization requirement asked for its caller.");

    /// <summary>The signed-in user, or a redirect to the login page that comes back here.</summary>
    public static RequestIdentity? SignedIn(this HttpContext context, out IResult? redirect)
    {
        var identity = context.Identity();
        if (identity is { IsUser: true, ViaCookie: true })
        {
            redirect = null;
            return identity;
        }
        redirect = Results.Redirect("/hub/login?next=" + Uri.EscapeDataString(context.Request.Path + context.Request.QueryString));
        return null;
    }

    /// <summary>The principal written into the login cookie; <paramref name="passwordStamp"/> is <see cref="PasswordStamp.Of"/> the password it signed in with.</summary>
    public static ClaimsPrincipal LoginPrincipal(string user, string session, string passwordStamp, string? upstream = null)
    {
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, user), new Claim(SessionClaim, session), new Claim(PasswordStamp.Claim, passwordStamp)], Cookie);
        if (upstream is not null)
        {
            identity.AddClaim(new Claim(UpstreamClaim, upstream));
        }
        return new(identity);
    }

    /// <summary>The claim naming the upstream provider a login session came through (absent for the built-in form).</summary>
    public const string UpstreamClaim = "greyhub:upstream";

    /// <summary>Parses <c>Authorization: token X</c> or <c>bearer X</c> (scheme case-insensitive), as JupyterHub does.</summary>
    public static bool TryGetToken(HttpRequest request, out string token)
    {
        token = "";
        var header = request.Headers.Authorization.ToString();
        var space = header.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0)
        {
            return false;
        }
        var scheme = header.AsSpan(0, space);
        // "jupyterhub" is how Dask Gateway's client sends a hub token (JupyterHubAuth); the same token, another name.
        if (!scheme.Equals("token", StringComparison.OrdinalIgnoreCase) && !scheme.Equals("bearer", StringComparison.OrdinalIgnoreCase)
            && !scheme.Equals("jupyterhub", StringComparison.OrdinalIgnoreCase))
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

    /// <summary>Whether the request carries a token credential, which the policy scheme sends to <see cref="Token"/>.</summary>
    public static bool HasTokenHeader(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("token ", StringComparison.OrdinalIgnoreCase) || header.StartsWith("bearer ", StringComparison.OrdinalIgnoreCase)
            || header.StartsWith("jupyterhub ", StringComparison.OrdinalIgnoreCase);
    }
}

/// <summary>A caller as an ASP.NET identity: the claims a cookie or token carries, plus the resolved <see cref="RequestIdentity"/>.</summary>
internal sealed class HubIdentity(RequestIdentity caller, IEnumerable<Claim> claims, string scheme) : ClaimsIdentity(claims, scheme)
{
    /// <summary>The caller with its expanded scopes.</summary>
    public RequestIdentity Caller { get; } = caller;
}

/// <summary>Cookie names, as JupyterHub's.</summary>
internal static class HubCookies
{
    public const string Login = "jupyterhub-hub-login";
    public const string Session = "jupyterhub-session-id";
    public const string Xsrf = "_xsrf";
}

/// <summary>Marks a request whose login cookie was ignored for a missing or wrong XSRF token.</summary>
internal sealed class XsrfFailed;
