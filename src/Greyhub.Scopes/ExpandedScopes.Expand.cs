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
            var filter = bang < 0 ? "" : raw[(bang + 1)..];
            if (!definitions.TryGetClosure(name, out var closure))
            {
                throw new UnknownScopeException(raw);
            }

            foreach (var scope in closure)
            {
                if (filter.Length == 0)
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
                else if (!(filter.StartsWith("server", StringComparison.Ordinal) && scope.StartsWith("read:user", StringComparison.Ordinal)))
                {
                    AddFiltered(builder, scope, filter, owner);
                }
            }
        }

        if (hasSelf && owner is { Kind: OwnerKind.User })
        {
            foreach (var scope in ScopeDefinitions.SelfScopes)
            {
                builder.Add(scope, ScopeFilterKind.User, owner.Name);
            }
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

    private static void AddFiltered(Builder builder, string scope, string filter, ScopeOwner? owner)
    {
        switch (filter)
        {
            case "user":
                if (owner is { Kind: OwnerKind.User })
                {
                    builder.Add(scope, ScopeFilterKind.User, owner.Name);
                }

                break;
            case "service":
                var service = owner?.OAuthService ?? (owner is { Kind: OwnerKind.Service } ? owner.Name : null);
                if (service is not null)
                {
                    builder.Add(scope, ScopeFilterKind.Service, service);
                }

                break;
            case "server":
                if (owner?.OAuthServer is { } server)
                {
                    builder.Add(scope, ScopeFilterKind.Server, server);
                }

                break;
            default:
                builder.AddExpanded(scope + "!" + filter);
                break;
        }
    }
}
