using System.Security.Claims;
using System.Text.Json;
using Greyhub.Abstractions.Authentication;
using Greyhub.Data.Stores;
using Greyhub.Hub.Audit;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Http;
using Greyhub.Hub.Observability;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Login;

/// <summary>
/// JupyterHub's token request by password: <c>POST /hub/api/users/NAME/tokens</c> from a caller with no token or cookie,
/// whose body carries <c>{"auth": {"username", "password"}}</c>, is made by the user the hub's authenticator says those
/// are (a PAM account through the bridge, a built-in user). As in JupyterHub 3 (<c>UserTokenListAPIHandler.post</c>):
/// the authenticator's own rules decide, the user must already exist (nothing is created or updated), and any refusal
/// is a bare 403. As the login form: failures are throttled, counted and audited; an authenticator that cannot answer
/// is 503, not a failed attempt.
/// </summary>
internal sealed class ApiPasswordLogin(
    IPasswordAuthenticator authenticator,
    AccessPolicy policy,
    LoginThrottle throttle,
    UserStore users,
    ShareStore shares,
    IdentityResolver identities,
    HubMetrics metrics,
    AuditLog audit,
    IOptions<UpstreamLoginOptions> upstream,
    ILogger<ApiPasswordLogin> logger) : IApiPasswordLogin
{
    /// <summary>The user the body's <c>auth</c> proves, with a user's full scopes (as a login session has them).</summary>
    /// <exception cref="ApiException">403 for anything that is not an existing user who may log in; 429 throttled; 503 unavailable.</exception>
    public async Task<RequestIdentity> CallerAsync(HttpContext context, JsonElement? body)
    {
        if (!upstream.Value.BuiltInUsers || body is not { ValueKind: JsonValueKind.Object } b
            || !b.TryGetProperty("auth", out var auth) || auth.ValueKind != JsonValueKind.Object
            || !auth.TryGetProperty("username", out var u) || u.ValueKind != JsonValueKind.String
            || !auth.TryGetProperty("password", out var p) || p.ValueKind != JsonValueKind.String)
        {
            throw ApiException.Forbidden();
        }
        var userName = Names.NormalizeUser(u.GetString()!);
        var password = p.GetString()!;
        var client = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (throttle.RetryAfter(userName, client) is { } wait)
        {
            metrics.LoginAttempts.WithLabels("throttled").Inc();
            HubLog.LoginThrottled(logger, client, wait);
            throw new ApiException(StatusCodes.Status429TooManyRequests, $"Too many failed login attempts. Try again in {wait} seconds.") { RetryAfterSeconds = wait };
        }
        AuthenticatedUser? authenticated = null;
        if (userName.Length > 0 && Names.IsValid(userName) && password.Length > 0)
        {
            try
            {
                authenticated = LoginPages.Checked(authenticator, await authenticator.AuthenticateAsync(userName, password, context.RequestAborted));
            }
            catch (AuthenticatorUnavailableException e)
            {
                metrics.LoginAttempts.WithLabels("unavailable").Inc();
                HubLog.AuthenticatorUnavailable(logger, authenticator.Name, e.Message);
                throw new ApiException(StatusCodes.Status503ServiceUnavailable, LoginPages.UnavailableText(authenticator, e));
            }
        }
        var user = authenticated is null ? null : await users.FindAsync(authenticated.Name, context.RequestAborted);
        if (authenticated is null || user is null || !policy.MayLogIn(user.Name, exists: true)
            || await identities.ForPasswordAsync(user, shares, context.RequestAborted) is not { } identity)
        {
            throttle.Failed(userName, client);
            metrics.LoginAttempts.WithLabels("failed").Inc();
            HubLog.LoginFailed(logger, client);
            audit.Record(AuditActions.LoginFailure, AuditActor.Anonymous, user?.Name,
                detail: "API token request: " + (authenticated is null ? "invalid username or password" : user is null ? "no such user" : "not allowed"), address: client);
            throw ApiException.Forbidden();
        }
        throttle.Succeeded(userName);
        metrics.LoginAttempts.WithLabels("success").Inc();
        HubLog.LoginSucceeded(logger, user.Name, client);
        audit.Record(AuditActions.LoginSuccess, AuditActor.User(user.Name), user.Name, detail: "API token request", address: client);
        // The rest of the request is this user's, as JupyterHub sets its current user (the audit entry names them).
        context.User = new ClaimsPrincipal(new HubIdentity(identity, [new Claim(ClaimTypes.Name, user.Name)], "greyhub-password"));
        return identity;
    }
}
