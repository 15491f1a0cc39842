namespace Greyhub.Data.Entities;

/// <summary>
/// Access to one server granted to one user or one group (JupyterHub 5's <c>orm.Share</c>): a set of scopes, each
/// filtered to the server. Goes with the server, its owner, or the user or group it was granted to.
/// </summary>
public sealed class ShareEntity
{
    /// <summary>Database id.</summary>
    public int Id { get; set; }

    /// <summary>The shared server.</summary>
    public int ServerId { get; set; }

    /// <summary>The server's owner (kept for listing by owner without a join).</summary>
    public int OwnerId { get; set; }

    /// <summary>The user granted access, or null for a group's share.</summary>
    public int? UserId { get; set; }

    /// <summary>The group granted access, or null for a user's share.</summary>
    public int? GroupId { get; set; }

    /// <summary>The granted scopes as a JSON list (each with <c>!server=owner/name</c>).</summary>
    public string Scopes { get; set; } = "[]";

    /// <summary>When the share was first granted (UTC).</summary>
    public DateTime Created { get; set; }
}

/// <summary>
/// An invitation to a server (JupyterHub 5's <c>orm.ShareCode</c>): exchanged by any signed-in user for a share with its
/// scopes until it expires. Only a keyed hash of the code is stored.
/// </summary>
public sealed class ShareCodeEntity
{
    /// <summary>Database id (<c>sc_ID</c> in the API).</summary>
    public int Id { get; set; }

    /// <summary>The shared server.</summary>
    public int ServerId { get; set; }

    /// <summary>The server's owner.</summary>
    public int OwnerId { get; set; }

    /// <summary>Keyed hash of the code (hex).</summary>
    public required string CodeHash { get; set; }

    /// <summary>The scopes an exchange grants, as a JSON list.</summary>
    public string Scopes { get; set; } = "[]";

    /// <summary>Creation time (UTC).</summary>
    public DateTime Created { get; set; }

    /// <summary>After this instant the code is refused (UTC).</summary>
    public DateTime ExpiresAt { get; set; }

    /// <summary>How many times the code was exchanged.</summary>
    public int ExchangeCount { get; set; }

    /// <summary>The last exchange (UTC).</summary>
    public DateTime? LastExchangedAt { get; set; }
}
