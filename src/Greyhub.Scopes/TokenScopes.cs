namespace Greyhub.Scopes;

/// <summary>The outcome of checking the scopes requested for a new token against its owner's.</summary>
/// <param name="Excess">The expanded requested scopes the owner does not hold, sorted; empty when allowed.</param>
/// <param name="Message">
/// Null when allowed, otherwise JupyterHub's message, e.g.
/// <c>Not assigning requested scopes read:users not held by User alice</c> (JupyterHub 5 answers it with 400).
/// </param>
public sealed record TokenScopeCheck(IReadOnlyList<string> Excess, string? Message)
{
    /// <summary>Whether the token may be created with the requested scopes.</summary>
    public bool IsAllowed => Message is null;
}

/// <summary>The result of resolving requested raw scopes against raw scopes the owner has.</summary>
/// <param name="Allowed">Raw or expanded scopes to assign (requested ones held, plus the held part of partly held ones).</param>
/// <param name="Disallowed">Requested raw scopes not (fully) held.</param>
public sealed record RequestedScopeResolution(IReadOnlySet<string> Allowed, IReadOnlySet<string> Disallowed);

/// <summary>
/// Token-level rules: what a token may do (<see cref="Resolve"/>), whether it may be created
/// (<see cref="CheckRequested"/>), and how requested scopes are cut to held ones (<see cref="ResolveRequested"/>).
/// </summary>
public static class TokenScopes
{
    /// <summary>
    /// The scopes every credential needs to identify its owner on <c>GET /hub/api/user</c>
    /// (<c>read:users:name!user=x</c>, <c>read:users:groups!user=x</c>; services: <c>read:services:name!service=x</c>).
    /// </summary>
    /// <param name="owner">The owner.</param>
    /// <returns>The identify scopes.</returns>
    public static ExpandedScopes IdentifyScopes(ScopeOwner owner)
    {
        ArgumentNullException.ThrowIfNull(owner);
        return owner.Kind == OwnerKind.User
            ? ExpandedScopes.Parse([$"read:users:name!user={owner.Name}", $"read:users:groups!user={owner.Name}"])
            : ExpandedScopes.Parse([$"read:services:name!service={owner.Name}"]);
    }

    /// <summary>
    /// What an OAuth token may always reach, its owner permitting: the issuing server
    /// (<c>access:servers!server=u/s</c>) or service (<c>access:services!service=s</c>); nothing for the hub's own tokens.
    /// </summary>
    /// <param name="owner">The owner, with the issuing OAuth client.</param>
    /// <returns>The access scopes.</returns>
    public static ExpandedScopes AccessScopes(ScopeOwner owner)
    {
        ArgumentNullException.ThrowIfNull(owner);
        if (owner.OAuthServer is { } server)
        {
            return ExpandedScopes.Parse([$"access:servers!server={server}"]);
        }

        return owner.OAuthService is { } service ? ExpandedScopes.Parse([$"access:services!service={service}"]) : ExpandedScopes.Empty;
    }

    /// <summary>
    /// What a token may do, as JupyterHub's <c>get_scopes_for(token)</c>: <c>inherit</c> means exactly the owner's
    /// scopes; otherwise the expanded token scopes, plus the OAuth client's access scopes and the identify scopes,
    /// intersected with the owner's scopes. Cache the result per token.
    /// </summary>
    /// <param name="tokenScopes">The raw scopes stored on the token.</param>
    /// <param name="owner">The token's owner, with the issuing OAuth client if any.</param>
    /// <param name="ownerScopes">The owner's expanded scopes (roles, group roles, and shares for users).</param>
    /// <param name="definitions">The scope catalogue; built-ins when null.</param>
    /// <param name="groupsOfUser">Group membership for group filters; when null only the owner's own <see cref="ScopeOwner.Groups"/> are known.</param>
    /// <returns>The token's effective scopes; the <c>scopes</c> field of <c>GET /hub/api/user</c>.</returns>
    public static ExpandedScopes Resolve(
        IReadOnlyCollection<string> tokenScopes,
        ScopeOwner owner,
        ExpandedScopes ownerScopes,
        ScopeDefinitions? definitions = null,
        UserGroupsLookup? groupsOfUser = null)
    {
        ArgumentNullException.ThrowIfNull(tokenScopes);
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(ownerScopes);
        if (tokenScopes.Contains(ScopeDefinitions.Inherit))
        {
            return ownerScopes;
        }

        var token = ExpandedScopes.Expand(tokenScopes, owner, definitions)
            .Union(AccessScopes(owner))
            .Union(IdentifyScopes(owner));
        return ExpandedScopes.Intersect(token, ownerScopes, groupsOfUser ?? OwnerGroupsOnly(owner));
    }

    /// <summary>
    /// Whether a token with these requested scopes may be created for this owner (JupyterHub's
    /// <c>_check_token_scopes</c>): only <c>inherit</c> (or nothing) is always fine; otherwise every expanded
    /// requested scope must survive the intersection with the owner's scopes.
    /// </summary>
    /// <param name="requestedScopes">The raw scopes from the request body (validate names first with <see cref="ScopeDefinitions.Validate"/>).</param>
    /// <param name="owner">The token's owner.</param>
    /// <param name="ownerScopes">The owner's expanded scopes.</param>
    /// <param name="definitions">The scope catalogue; built-ins when null.</param>
    /// <param name="groupsOfUser">Group membership for group filters; when null only the owner's own <see cref="ScopeOwner.Groups"/> are known.</param>
    /// <returns>The check, listing the excess scopes.</returns>
    public static TokenScopeCheck CheckRequested(
        IEnumerable<string> requestedScopes,
        ScopeOwner owner,
        ExpandedScopes ownerScopes,
        ScopeDefinitions? definitions = null,
        UserGroupsLookup? groupsOfUser = null)
    {
        ArgumentNullException.ThrowIfNull(requestedScopes);
        ArgumentNullException.ThrowIfNull(owner);
        var rest = requestedScopes.Where(s => s != ScopeDefinitions.Inherit).ToHashSet(StringComparer.Ordinal);
        if (rest.Count == 0)
        {
            return new TokenScopeCheck([], null);
        }

        var token = ExpandedScopes.Expand(rest, owner, definitions);
        var excess = token.Except(ExpandedScopes.Intersect(token, ownerScopes, groupsOfUser ?? OwnerGroupsOnly(owner)));
        return excess.Count == 0
            ? new TokenScopeCheck([], null)
            : new TokenScopeCheck(excess, $"Not assigning requested scopes {string.Join(',', excess)} not held by {owner.Kind} {owner.Name}");
    }

    /// <summary>
    /// Cuts requested raw scopes down to what the owner has (JupyterHub's <c>_resolve_requested_scopes</c>, used for
    /// server tokens and OAuth grants): requested scopes the owner has verbatim are kept; a requested scope whose
    /// expansion is fully held is kept; of a partly held one, the held expanded part is kept and the scope is
    /// reported as disallowed.
    /// </summary>
    /// <param name="requestedScopes">Requested raw scopes.</param>
    /// <param name="haveScopes">Raw scopes the owner has (e.g. their roles' scopes plus <c>inherit</c>).</param>
    /// <param name="owner">The owner, with the OAuth client the scopes are for.</param>
    /// <param name="definitions">The scope catalogue; built-ins when null.</param>
    /// <param name="groupsOfUser">Group membership for group filters.</param>
    /// <returns>Allowed and disallowed scopes.</returns>
    public static RequestedScopeResolution ResolveRequested(
        IEnumerable<string> requestedScopes,
        IEnumerable<string> haveScopes,
        ScopeOwner? owner,
        ScopeDefinitions? definitions = null,
        UserGroupsLookup? groupsOfUser = null)
    {
        ArgumentNullException.ThrowIfNull(requestedScopes);
        ArgumentNullException.ThrowIfNull(haveScopes);
        var requested = requestedScopes.ToHashSet(StringComparer.Ordinal);
        var have = haveScopes.ToHashSet(StringComparer.Ordinal);
        var allowed = requested.Where(have.Contains).ToHashSet(StringComparer.Ordinal);
        var disallowed = requested.Where(s => !have.Contains(s)).ToHashSet(StringComparer.Ordinal);
        if (disallowed.Count == 0)
        {
            return new RequestedScopeResolution(allowed, disallowed);
        }

        var expandedAllowed = ExpandedScopes.Expand(allowed, owner, definitions);
        var expandedHave = ExpandedScopes.Expand(have, owner, definitions);
        foreach (var scope in disallowed.Order(StringComparer.Ordinal).ToList())
        {
            var wanted = ExpandedScopes.Parse(ExpandedScopes.Expand([scope], owner, definitions).Except(expandedAllowed));
            var held = wanted.IsEmpty ? ExpandedScopes.Empty : ExpandedScopes.Intersect(wanted, expandedHave, groupsOfUser);
            if (held.Equals(wanted))
            {
                allowed.Add(scope);
                disallowed.Remove(scope);
            }
            else if (!held.IsEmpty)
            {
                allowed.UnionWith(held.Scopes);
            }
            else
            {
                continue;
            }

            expandedAllowed = ExpandedScopes.Expand(allowed, owner, definitions);
        }

        return new RequestedScopeResolution(allowed, disallowed);
    }

    /// <summary>
    /// The scopes to store on a server's own API token (<c>$JUPYTERHUB_API_TOKEN</c>) when it is spawned, as
    /// JupyterHub 5's <c>User.spawn</c>: the requested scopes (<c>Spawner.server_token_scopes</c>, or the
    /// <c>server</c> role's) with <c>!server</c> made concrete (<c>!server=user/name</c>), <c>users:activity!user</c>
    /// added when no activity scope is requested, then <see cref="ResolveRequested"/> against the owner's raw role
    /// scopes plus <c>inherit</c>. The token is the hub's own (no OAuth client): resolve it later with
    /// <see cref="Resolve"/> and an owner without OAuth client.
    /// </summary>
    /// <param name="serverTokenScopes">The configured server token scopes; null or empty for the <c>server</c> role's.</param>
    /// <param name="userName">The server's user.</param>
    /// <param name="serverName">The server's name, empty for the default server.</param>
    /// <param name="ownerRawScopes">The raw scopes of the user's roles (own and groups').</param>
    /// <param name="owner">The user.</param>
    /// <param name="roles">The role catalogue (for the <c>server</c> role and the scope definitions).</param>
    /// <param name="groupsOfUser">Group membership for group filters.</param>
    /// <returns><see cref="RequestedScopeResolution.Allowed"/> are the token's scopes; the rest were not held.</returns>
    public static RequestedScopeResolution ResolveServerTokenScopes(
        IEnumerable<string>? serverTokenScopes,
        string userName,
        string serverName,
        IEnumerable<string> ownerRawScopes,
        ScopeOwner owner,
        RoleCatalog roles,
        UserGroupsLookup? groupsOfUser = null)
    {
        ArgumentNullException.ThrowIfNull(ownerRawScopes);
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(roles);
        var configured = serverTokenScopes?.ToList() ?? [];
        if (configured.Count == 0)
        {
            configured = [.. roles.RawScopes([DefaultRoles.Server.Name])];
        }

        var requested = configured
            .Select(s => s.EndsWith("!server", StringComparison.Ordinal) ? $"{s}={userName}/{serverName}" : s)
            .ToHashSet(StringComparer.Ordinal);
        if (!requested.Contains("users:activity!user") && !requested.Contains("users:activity") && !requested.Contains(ScopeDefinitions.Inherit))
        {
            requested.Add("users:activity!user");
        }

        var have = ownerRawScopes.Append(ScopeDefinitions.Inherit);
        var hubOwned = owner is { HasOAuthClient: true } ? owner with { OAuthServer = null, OAuthService = null } : owner;
        return ResolveRequested(requested, have, hubOwned, roles.Definitions, groupsOfUser ?? OwnerGroupsOnly(owner));
    }

    // Without a lookup we still know the owner's own groups; other users count as in no group, which can only
    // give fewer permissions (never more).
    private static UserGroupsLookup OwnerGroupsOnly(ScopeOwner owner) =>
        user => owner.Kind == OwnerKind.User && user == owner.Name ? owner.Groups : [];
}
