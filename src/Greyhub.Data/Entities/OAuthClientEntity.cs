namespace Greyhub.Data.Entities;

/// <summary>
/// An OAuth client of the hub's provider (JupyterHub's <c>orm.OAuthClient</c>): a single-user server or a service.
/// Only a keyed hash of the secret is stored.
/// </summary>
public sealed class OAuthClientEntity
{
    /// <summary>Database id.</summary>
    public int Id { get; set; }

    /// <summary>The client id, e.g. <c>jupyterhub-user-alice</c>; unique.</summary>
    public required string ClientId { get; set; }

    /// <summary>Keyed hash of the client secret (hex).</summary>
    public required string SecretHash { get; set; }

    /// <summary>The one redirect URI codes may be sent to (may be a path, e.g. <c>/user/alice/oauth_callback</c>).</summary>
    public required string RedirectUri { get; set; }

    /// <summary>Shown on the consent page.</summary>
    public string Description { get; set; } = "";

    /// <summary>The scopes tokens of this client may carry, as a JSON list.</summary>
    public string AllowedScopes { get; set; } = "[]";

    /// <summary>Creation (or last replacement) time (UTC).</summary>
    public DateTime Created { get; set; }
}
