namespace Greyhub.Data.Entities;

/// <summary>An API token. Only a keyed hash of the secret is stored.</summary>
public sealed class ApiTokenEntity
{
    /// <summary>Database id; the API shows it as <c>a{Id}</c>.</summary>
    public int Id { get; set; }

    /// <summary>Keyed hash of the token secret (hex), unique.</summary>
    public required string Hash { get; set; }

    /// <summary>First characters of the secret, to help a person recognise a token; never used for lookup.</summary>
    public string Prefix { get; set; } = "";

    /// <summary>Owning user, if a user token.</summary>
    public int? UserId { get; set; }

    /// <summary>Owning user navigation.</summary>
    public UserEntity? User { get; set; }

    /// <summary>Owning service name, if a service token.</summary>
    public string? ServiceName { get; set; }

    /// <summary>The scopes the token was issued with, as a JSON list.</summary>
    public string Scopes { get; set; } = "[]";

    /// <summary>Free-form note.</summary>
    public string? Note { get; set; }

    /// <summary>Login session that created the token, if any.</summary>
    public string? SessionId { get; set; }

    /// <summary>OAuth client the token was issued to (or "jupyterhub" for API tokens).</summary>
    public string ClientId { get; set; } = "jupyterhub";

    /// <summary>Creation time (UTC).</summary>
    public DateTime Created { get; set; }

    /// <summary>Expiry (UTC), or null for never.</summary>
    public DateTime? ExpiresAt { get; set; }

    /// <summary>Last use (UTC), updated at a coarse resolution.</summary>
    public DateTime? LastActivity { get; set; }
}
