namespace Greyhub.Data.Entities;

/// <summary>
/// An authorization code (RFC 6749 §4.1.2). Only a keyed hash is stored; a redeemed code is kept until it expires
/// so that a second presentation is recognised and the token issued from it revoked.
/// </summary>
public sealed class OAuthCodeEntity
{
    /// <summary>Database id.</summary>
    public int Id { get; set; }

    /// <summary>Keyed hash of the code (hex), unique.</summary>
    public required string CodeHash { get; set; }

    /// <summary>The client the code was issued to.</summary>
    public required string ClientId { get; set; }

    /// <summary>The user who authorized the client.</summary>
    public int UserId { get; set; }

    /// <summary>User navigation.</summary>
    public UserEntity? User { get; set; }

    /// <summary>The redirect URI the code was sent to; the token request must name the same.</summary>
    public required string RedirectUri { get; set; }

    /// <summary>The scopes the token will carry, as a JSON list.</summary>
    public string Scopes { get; set; } = "[]";

    /// <summary>The login session that authorized the client.</summary>
    public string? SessionId { get; set; }

    /// <summary>Expiry (UTC).</summary>
    public DateTime ExpiresAt { get; set; }

    /// <summary>The token issued for this code; null until redeemed (no foreign key: it must survive the token).</summary>
    public int? IssuedTokenId { get; set; }
}
