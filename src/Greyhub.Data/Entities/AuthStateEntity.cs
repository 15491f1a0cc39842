namespace Greyhub.Data.Entities;

/// <summary>
/// A user's authentication state (JupyterHub's <c>encrypted_auth_state</c>): the upstream provider's tokens and claims,
/// encrypted by the hub before they reach this row. A table of its own, so loading users never reads it.
/// </summary>
public sealed class AuthStateEntity
{
    /// <summary>The user (primary key; the row goes with the user).</summary>
    public int UserId { get; set; }

    /// <summary>The upstream provider that wrote it at login, or null when set through the API.</summary>
    public string? Provider { get; set; }

    /// <summary>The encrypted JSON object; the database never sees it in clear.</summary>
    public required byte[] Encrypted { get; set; }

    /// <summary>When it was last written (UTC).</summary>
    public DateTime Updated { get; set; }
}
