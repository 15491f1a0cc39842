namespace Greyhub.Scopes;

/// <summary>
/// A role from configuration (JupyterHub's <c>load_roles</c> entry): a named set of raw scopes, and who it is
/// assigned to. For an override of a default role, leave <see cref="Description"/> or <see cref="Scopes"/> null to
/// keep the default's.
/// </summary>
public sealed record RoleDefinition
{
    /// <summary>Creates a role.</summary>
    /// <param name="name">3–255 characters of <c>[a-z0-9-_.~]</c>, starting with a letter, ending with a letter or digit.</param>
    public RoleDefinition(string name)
    {
        Name = name;
    }

    /// <summary>The role name.</summary>
    public string Name { get; }

    /// <summary>What the role is for; null keeps a default role's description.</summary>
    public string? Description { get; init; }

    /// <summary>The raw scopes (may use filters, <c>self</c>, <c>inherit</c>); null keeps a default role's scopes.</summary>
    public IReadOnlyList<string>? Scopes { get; init; }

    /// <summary>User names the role is assigned to.</summary>
    public IReadOnlyList<string> Users { get; init; } = [];

    /// <summary>Group names the role is assigned to (their members get it).</summary>
    public IReadOnlyList<string> Groups { get; init; } = [];

    /// <summary>Service names the role is assigned to.</summary>
    public IReadOnlyList<string> Services { get; init; } = [];
}

/// <summary>JupyterHub 5's default roles (<c>roles.get_default_roles</c>).</summary>
public static class DefaultRoles
{
    /// <summary><c>user</c>: <c>self</c>; every user has it.</summary>
    public static RoleDefinition User { get; } = new("user")
    {
        Description = "Standard user privileges",
        Scopes = ["self"],
    };

    /// <summary>
    /// <c>admin</c>: everything; cannot be changed. Granted to users with the admin flag
    /// (<c>Authenticator.admin_users</c> or <c>admin: true</c>).
    /// </summary>
    public static RoleDefinition Admin { get; } = new("admin")
    {
        Description = "Elevated privileges (can do anything)",
        Scopes =
        [
            "admin-ui",
            "admin:users",
            "admin:servers",
            "admin:services",
            "tokens",
            "admin:groups",
            "list:services",
            "read:services",
            "read:hub",
            "proxy",
            "shutdown",
            "access:services",
            "access:servers",
            "read:roles",
            "read:metrics",
            "shares",
            ScopeDefinitions.ReadAudit,
            ScopeDefinitions.AdminDatasets,
            "admin:clusters",
        ],
    };

    /// <summary><c>server</c>: the scopes of a server's own API token (report activity, access itself).</summary>
    public static RoleDefinition Server { get; } = new("server")
    {
        Description = "Post activity only",
        Scopes = ["users:activity!user", "access:servers!server"],
    };

    /// <summary><c>token</c>: the scopes of a new token that requests none (<c>inherit</c>).</summary>
    public static RoleDefinition Token { get; } = new("token")
    {
        Description = "Token with same permissions as its owner",
        Scopes = ["inherit"],
    };

    /// <summary>The four default roles.</summary>
    public static IReadOnlyList<RoleDefinition> All { get; } = [User, Admin, Server, Token];

    /// <summary>Whether a role name is one of the defaults (which cannot be deleted).</summary>
    /// <param name="name">The role name.</param>
    /// <returns>True for user, admin, server, token.</returns>
    public static bool IsDefault(string name) => All.Any(r => r.Name == name);
}
