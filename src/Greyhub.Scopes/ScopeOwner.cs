namespace Greyhub.Scopes;

/// <summary>Whether a credential belongs to a user or a service.</summary>
public enum OwnerKind
{
    /// <summary>A hub user.</summary>
    User,

    /// <summary>A service.</summary>
    Service,
}

/// <summary>
/// Who holds the scopes being expanded, plus the OAuth client that issued the token (if any), which the
/// self-referencing filters resolve to: <c>!user</c> → the owning user, <c>!service</c> → the owning service or the
/// issuing service, <c>!server</c> → the issuing server.
/// </summary>
public sealed record ScopeOwner
{
    private ScopeOwner(OwnerKind kind, string name, IReadOnlyList<string> groups)
    {
        Kind = kind;
        Name = name;
        Groups = groups;
    }

    /// <summary>User or service.</summary>
    public OwnerKind Kind { get; }

    /// <summary>The user's or service's name.</summary>
    public string Name { get; }

    /// <summary>The user's group names (empty for services).</summary>
    public IReadOnlyList<string> Groups { get; }

    /// <summary>
    /// The server whose OAuth client issued the token, as <c>user/server</c> (<c>user/</c> = default server);
    /// resolves <c>!server</c> and gives the token <c>access:servers!server=...</c>. Not for a server's own API token,
    /// which is the hub's (see <see cref="TokenScopes.ResolveServerTokenScopes"/>).
    /// </summary>
    public string? OAuthServer { get; init; }

    /// <summary>The service whose OAuth client issued the token; resolves <c>!service</c> (before the owner's own service).</summary>
    public string? OAuthService { get; init; }

    /// <summary>Whether the token was issued by an OAuth client other than the hub itself.</summary>
    public bool HasOAuthClient => OAuthServer is not null || OAuthService is not null;

    /// <summary>A user owner.</summary>
    /// <param name="name">The user name.</param>
    /// <param name="groups">The user's group names.</param>
    /// <returns>The owner.</returns>
    public static ScopeOwner User(string name, IReadOnlyList<string>? groups = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return new(OwnerKind.User, name, groups ?? []);
    }

    /// <summary>A service owner.</summary>
    /// <param name="name">The service name.</param>
    /// <returns>The owner.</returns>
    public static ScopeOwner Service(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return new(OwnerKind.Service, name, []);
    }

    /// <summary>The same owner, for a token issued by a server's OAuth client.</summary>
    /// <param name="userName">The server's user.</param>
    /// <param name="serverName">The server's name, empty for the default server.</param>
    /// <returns>The owner with <see cref="OAuthServer"/> set.</returns>
    public ScopeOwner ViaServer(string userName, string serverName) =>
        this with { OAuthServer = userName + "/" + serverName, OAuthService = null };

    /// <summary>The same owner, for a token issued by a service's OAuth client.</summary>
    /// <param name="serviceName">The issuing service.</param>
    /// <returns>The owner with <see cref="OAuthService"/> set.</returns>
    public ScopeOwner ViaService(string serviceName) => this with { OAuthService = serviceName, OAuthServer = null };

    /// <summary>The display form used in messages, e.g. <c>User alice</c>.</summary>
    /// <returns>The kind and name.</returns>
    public override string ToString() => $"{Kind} {Name}";
}
