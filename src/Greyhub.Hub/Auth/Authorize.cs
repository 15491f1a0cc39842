using Greyhub.Hub.Http;
using Greyhub.Scopes;
using Microsoft.AspNetCore.Http;

namespace Greyhub.Hub.Auth;

/// <summary>JupyterHub's <c>needs_scope</c>: 403 when no accepted scope is held, 404 when held only for other resources.</summary>
internal static class Authorize
{
    /// <summary>Requires an authenticated caller.</summary>
    public static RequestIdentity Caller(HttpContext context) =>
        context.Identity() ?? throw NotAuthenticated(context);

    /// <summary>Requires one of <paramref name="anyOf"/> for <paramref name="target"/> (or for anything when null).</summary>
    public static RequestIdentity Require(HttpContext context, ResourceRef? target, params string[] anyOf)
    {
        var identity = context.Identity() ?? throw NotAuthenticated(context);
        return identity.Scopes.Check(target, anyOf) switch
        {
            ScopeDecision.Allowed => identity,
            ScopeDecision.NotFound => throw ApiException.NotFound(target is { } t ? NotFoundMessage(t) : "Not Found"),
            _ => throw ApiException.Forbidden($"Action is not authorized with current scopes; requires any of [{string.Join(", ", anyOf)}]"),
        };
    }

    /// <summary>The 404 message for a resource hidden by a filter (the same as for one that does not exist).</summary>
    public static string NotFoundMessage(ResourceRef target) => target.Kind switch
    {
        ScopeFilterKind.User => $"No such user: {target.Name}",
        ScopeFilterKind.Group => $"No such group: {target.Name}",
        ScopeFilterKind.Service => $"No such service: {target.Name}",
        _ => $"No such server: {target}",
    };

    private static ApiException NotAuthenticated(HttpContext context) =>
        context.Features.Get<XsrfFailed>() is not null
            ? ApiException.Forbidden("'_xsrf' argument missing from POST")
            : ApiException.Forbidden("Missing or invalid credentials");
}
