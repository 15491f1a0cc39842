namespace Greyhub.Scopes;

/// <summary>The answer of an admin rule: allowed, or an HTTP status and JupyterHub's message.</summary>
/// <param name="StatusCode">200 when allowed, otherwise the status to answer (403).</param>
/// <param name="Message">Null when allowed, otherwise the error message.</param>
public readonly record struct AdminDecision(int StatusCode, string? Message)
{
    /// <summary>Allowed.</summary>
    public static AdminDecision Allow { get; } = new(200, null);

    /// <summary>Whether the action may go ahead.</summary>
    public bool IsAllowed => Message is null;

    internal static AdminDecision Forbid(string message) => new(403, message);
}

/// <summary>
/// Rules beyond plain scope checks that guard the <c>admin</c> flag and creation of users and groups:
/// CVE-2024-41942 (holders of <c>admin:users</c> must not make anyone, themselves included, an admin; JupyterHub
/// 5.1 / 4.1.6) and GHSA-69wv-m5fw-2fhp (filtered <c>admin:users!group=</c> / <c>admin:groups!group=</c> must
/// not create users or groups; JupyterHub 5.5.1). Call them after the endpoint's scope check passed.
/// </summary>
public static class AdminRules
{
    /// <summary>
    /// <c>POST /users</c> and <c>POST /users/{name}</c>: creating users needs <c>admin:users</c> unfiltered, and
    /// creating them as admins needs the requester to be an admin.
    /// </summary>
    /// <param name="requester">The request credential's expanded scopes.</param>
    /// <param name="requesterIsAdmin">
    /// The <c>admin</c> flag of the credential's owner (JupyterHub checks <c>current_user.admin</c>, the owning user or
    /// service, not the token's scopes).
    /// </param>
    /// <param name="makeAdmin">Whether the body asks for <c>admin: true</c>.</param>
    /// <returns>The decision.</returns>
    public static AdminDecision CheckCreateUsers(ExpandedScopes requester, bool requesterIsAdmin, bool makeAdmin)
    {
        ArgumentNullException.ThrowIfNull(requester);
        if (!requester.HasUnfiltered("admin:users"))
        {
            return AdminDecision.Forbid("Action is not authorized with current scopes; requires any of [admin:users]");
        }

        return makeAdmin && !requesterIsAdmin ? AdminDecision.Forbid("Only admins can grant admin permissions") : AdminDecision.Allow;
    }

    /// <summary>
    /// <c>PATCH /users/{name}</c> (after <c>admin:users</c> on the target passed): a non-admin may neither modify an
    /// admin user in any way nor set <c>admin: true</c>.
    /// </summary>
    /// <param name="requesterIsAdmin">The <c>admin</c> flag of the credential's owner.</param>
    /// <param name="targetIsAdmin">Whether the user being modified is an admin.</param>
    /// <param name="requestedAdmin">The <c>admin</c> value in the body, null when absent.</param>
    /// <returns>The decision.</returns>
    public static AdminDecision CheckModifyUser(bool requesterIsAdmin, bool targetIsAdmin, bool? requestedAdmin)
    {
        if (requesterIsAdmin)
        {
            return AdminDecision.Allow;
        }

        if (targetIsAdmin)
        {
            return AdminDecision.Forbid("Only admins can modify other admins");
        }

        return requestedAdmin == true ? AdminDecision.Forbid("Only admins can grant admin permissions") : AdminDecision.Allow;
    }

    /// <summary>
    /// Granting the <c>admin</c> role (or any role that holds all its scopes) to anyone: only admins may.
    /// JupyterHub has no role-assignment API; use this if Greyhub adds one.
    /// </summary>
    /// <param name="requesterIsAdmin">The <c>admin</c> flag of the credential's owner.</param>
    /// <returns>The decision.</returns>
    public static AdminDecision CheckGrantAdminRole(bool requesterIsAdmin) =>
        requesterIsAdmin ? AdminDecision.Allow : AdminDecision.Forbid("Only admins can grant admin permissions");

    /// <summary><c>POST /groups</c> and <c>POST /groups/{name}</c>: creating groups needs <c>admin:groups</c> unfiltered.</summary>
    /// <param name="requester">The request credential's expanded scopes.</param>
    /// <returns>The decision.</returns>
    public static AdminDecision CheckCreateGroups(ExpandedScopes requester)
    {
        ArgumentNullException.ThrowIfNull(requester);
        return requester.HasUnfiltered("admin:groups")
            ? AdminDecision.Allow
            : AdminDecision.Forbid("Action is not authorized with current scopes; requires any of [admin:groups]");
    }

    /// <summary>
    /// Whether scopes include everything the <c>admin</c> role gives, unfiltered: a scope-based "is effectively an
    /// admin" for credentials without an owner flag.
    /// </summary>
    /// <param name="scopes">Expanded scopes.</param>
    /// <param name="definitions">The scope catalogue; built-ins when null.</param>
    /// <returns>True when every admin scope is held unfiltered.</returns>
    public static bool HoldsAdminRole(ExpandedScopes scopes, ScopeDefinitions? definitions = null)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        definitions ??= ScopeDefinitions.JupyterHub5;
        foreach (var scope in DefaultRoles.Admin.Scopes!)
        {
            foreach (var implied in definitions.Closure(scope))
            {
                if (!scopes.HasUnfiltered(implied))
                {
                    return false;
                }
            }
        }

        return true;
    }
}
