namespace Greyhub.Scopes;

public sealed partial class ExpandedScopes
{
    /// <summary>
    /// Expands raw scopes (from roles or a token) as JupyterHub's <c>expand_scopes</c>: every scope brings its
    /// subscopes with the same filter (a <c>!server</c> filter does not pass to <c>read:users*</c> subscopes);
    /// <c>!user</c>, <c>!service</c>, <c>!server</c> become the owner / issuing client (or vanish when there is
    /// none); <c>self</c> becomes the 14 self scopes for a user owner (nothing for a service); <c>inherit</c>
    /// becomes <paramref name="inherit"/> when given (kept as the literal <c>inherit</c> otherwise); then the set is
    /// reduced (an unfiltered scope absorbs its filtered forms).
    /// </summary>
    /// <param name="rawScopes">Raw scopes, e.g. a role's <c>["self", "read:users!group=x", "users:activity!user"]</c>.</param>
    /// <param name="owner">Who holds them (resolves <c>self</c> and self-referencing filters); null for none.</param>
    /// <param name="definitions">The scope catalogue; <see cref="ScopeDefinitions.JupyterHub5"/> when null.</param>
    /// <param name="inherit">The owner's own expanded scopes, substituted for <c>inherit</c>.</param>
    /// <returns>The expanded set.</returns>
    /// <exception cref="UnknownScopeException">A scope name is not defined.</exception>
    /// <exception cref="FormatException">A filter is malformed.</exception>
    public static ExpandedScopes Expand(
        IEnumerable<string> rawScopes,
        ScopeOwner? owner,
        ScopeDefinitions? definitions = null,
        ExpandedScopes? inherit = null)
    {
        ArgumentNullException.ThrowIfNull(rawScopes);
        definitions ??= ScopeDefinitions.JupyterHub5;
        var builder = new Builder();
        var hasSelf = false;
        var hasInherit = false;
        foreach (var raw in rawScopes)
        {
            var bang = raw.IndexOf('!', StringComparison.Ordinal);
            var name = bang < 0 ? raw : raw[..bang];
            if (!definitions.TryGetClosure(name, out var closure))
            {
                throw new UnknownScopeException(raw);
            }

            if (bang < 0 || bang == raw.Length - 1)
            {
                foreach (var scope in closure)
                {
                    if (scope == ScopeDefinitions.Self)
                    {
                        hasSelf = true;
                    }
                    else if (scope == ScopeDefinitions.Inherit && inherit is not null)
                    {
                        hasInherit = true;
                    }
                    else
                    {
                        builder.AddUnfiltered(scope);
                    }
                }

                continue;
            }

            var filter = raw.AsSpan(bang + 1);
            if (ResolveFilter(raw, filter, owner) is not var (kind, value))
            {
                continue; // a self-referencing filter without a target: the scope is dropped
            }

            // JupyterHub does not pass server filters on to read:users* subscopes
            var serverFilter = filter.StartsWith("server", StringComparison.Ordinal);
            foreach (var scope in closure)
            {
                if (!(serverFilter && scope.StartsWith("read:user", StringComparison.Ordinal)))
                {
                    builder.Add(scope, kind, value);
                }
            }
        }

        if (hasSelf && owner is { Kind: OwnerKind.User })
        {
            foreach (var scope in ScopeDefinitions.SelfScopes)
            {
                builder.Add(scope, ScopeFilterKind.User, owner.Name);
            }

            // Greyhub's datasets (not in JupyterHub's self): !user=NAME admits the datasets NAME owns and, when NAME is the
            // reader, those shared with NAME's groups (ResourceRef.Dataset's reader), so self stays independent of groups.
            builder.Add(ScopeDefinitions.ReadDatasets, ScopeFilterKind.User, owner.Name);
            // Likewise writing: the datasets NAME owns and those whose write groups hold NAME.
            builder.Add(ScopeDefinitions.WriteDatasets, ScopeFilterKind.User, owner.Name);
        }

        if (hasInherit)
        {
            foreach (var (name, filter) in inherit!._scopes)
            {
                builder.Add(name, filter);
            }
        }

        return builder.Build();
    }

    private static (ScopeFilterKind Kind, string Value)? ResolveFilter(string raw, ReadOnlySpan<char> filter, ScopeOwner? owner)
    {
        switch (filter)
        {
            case "user":
                return owner is { Kind: OwnerKind.User } ? (ScopeFilterKind.User, owner.Name) : null;
            case "service":
                var service = owner?.OAuthService ?? (owner is { Kind: OwnerKind.Service } ? owner.Name : null);
                return service is null ? null : (ScopeFilterKind.Service, service);
            case "server":
                return owner?.OAuthServer is { } server ? (ScopeFilterKind.Server, server) : null;
        }

        var eq = filter.IndexOf('=');
        if (eq <= 0 || eq == filter.Length - 1)
        {
            throw new FormatException($"Scope '{raw}' has an empty or malformed filter.");
        }

        var kind = ScopeFilterKinds.Parse(filter[..eq]) ?? throw new FormatException($"Scope '{raw}' has an unknown filter kind.");
        return (kind, filter[(eq + 1)..].ToString());
    }
}
