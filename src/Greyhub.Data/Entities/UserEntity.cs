namespace Greyhub.Data.Entities;

/// <summary>A hub user (JupyterHub's <c>orm.User</c>).</summary>
public sealed class UserEntity
{
    /// <summary>Database id.</summary>
    public int Id { get; set; }

    /// <summary>Unique, normalised user name.</summary>
    public required string Name { get; set; }

    /// <summary>Whether the user holds the admin role.</summary>
    public bool Admin { get; set; }

    /// <summary>When the user was created (UTC).</summary>
    public DateTime Created { get; set; }

    /// <summary>Last activity (UTC), or null if never active.</summary>
    public DateTime? LastActivity { get; set; }

    /// <summary>Password hash for the built-in authenticator, or null if the user has none.</summary>
    public string? PasswordHash { get; set; }

    /// <summary>The user's group memberships.</summary>
    public List<GroupEntity> Groups { get; set; } = [];

    /// <summary>The user's servers (default server has the empty name).</summary>
    public List<ServerEntity> Servers { get; set; } = [];
}
