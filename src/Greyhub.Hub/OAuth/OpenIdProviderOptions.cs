using Microsoft.Extensions.Options;

namespace Greyhub.Hub.OAuth;

/// <summary>
/// The hub as an OpenID provider (<c>Greyhub:OpenIdProvider</c>): its third-party clients and its signing keys. The
/// hub's own clients (single-user servers, services) are registered by the hub itself and need no configuration.
/// </summary>
public sealed class OpenIdProviderOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Greyhub:OpenIdProvider";

    /// <summary>Third-party OpenID Connect clients (another brick of the platform, a dashboard, a wiki).</summary>
    public List<OpenIdClientOptions> Clients { get; set; } = [];

    /// <summary>How long a signing key signs before its successor takes over.</summary>
    public TimeSpan SigningKeyLifetime { get; set; } = TimeSpan.FromDays(90);

    /// <summary>How long a new signing key is published in the JWKS before it signs, so clients' cached key sets know it.</summary>
    public TimeSpan SigningKeyPrepublish { get; set; } = TimeSpan.FromDays(2);

    /// <summary>How long an id_token is valid; a retired key stays published this long after its last signature.</summary>
    public TimeSpan IdentityTokenLifetime { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>A third-party OpenID Connect client of the hub.</summary>
public sealed class OpenIdClientOptions
{
    /// <summary>The client id (must not look like the hub's own: <c>jupyterhub-user-*</c>, <c>service-*</c>).</summary>
    public string ClientId { get; set; } = "";

    /// <summary>The client secret of a confidential client; empty for a public one.</summary>
    public string ClientSecret { get; set; } = "";

    /// <summary>A public client (a browser or native app): no secret, PKCE required.</summary>
    public bool Public { get; set; }

    /// <summary>How users know it, on the consent page.</summary>
    public string Description { get; set; } = "";

    /// <summary>Absolute redirect URIs, matched exactly.</summary>
    public List<string> RedirectUris { get; set; } = [];

    /// <summary>
    /// What it may ask for: OpenID scopes (<c>openid</c>, <c>profile</c>, <c>groups</c>) and hub scopes
    /// (<c>read:users:name!user</c>, ...); a request gets the intersection, cut to what the user holds. Empty means
    /// <c>openid profile groups</c> (a default list here would be appended to by configuration binding, not replaced).
    /// </summary>
    public List<string> AllowedScopes { get; set; } = [];
}

/// <summary>Reports every problem of <see cref="OpenIdProviderOptions"/> at start.</summary>
internal sealed class OpenIdProviderOptionsValidator : IValidateOptions<OpenIdProviderOptions>
{
    public ValidateOptionsResult Validate(string? name, OpenIdProviderOptions options)
    {
        var failures = new List<string>();
        if (options.SigningKeyLifetime <= options.SigningKeyPrepublish + options.IdentityTokenLifetime)
        {
            failures.Add($"{OpenIdProviderOptions.Section}:SigningKeyLifetime must be longer than SigningKeyPrepublish plus IdentityTokenLifetime.");
        }
        if (options.SigningKeyPrepublish < TimeSpan.Zero || options.IdentityTokenLifetime <= TimeSpan.Zero)
        {
            failures.Add($"{OpenIdProviderOptions.Section}: SigningKeyPrepublish must not be negative and IdentityTokenLifetime must be positive.");
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var client in options.Clients)
        {
            var where = $"{OpenIdProviderOptions.Section}:Clients '{client.ClientId}'";
            if (client.ClientId.Length == 0 || client.ClientId == "jupyterhub" || client.ClientId.StartsWith("jupyterhub-user-", StringComparison.Ordinal)
                || client.ClientId.StartsWith("service-", StringComparison.Ordinal))
            {
                failures.Add($"{where}: a client id must be set and must not be 'jupyterhub' nor start with 'jupyterhub-user-' or 'service-'.");
            }
            if (!seen.Add(client.ClientId))
            {
                failures.Add($"{where}: the client id is used twice.");
            }
            if (client.Public == (client.ClientSecret.Length > 0))
            {
                failures.Add($"{where}: give a ClientSecret, or set Public (then PKCE is required), not both.");
            }
            if (client.RedirectUris.Count == 0 || client.RedirectUris.Any(u => !Uri.TryCreate(u, UriKind.Absolute, out var uri)
                || uri.Scheme is not ("http" or "https") || uri.Fragment.Length > 0))
            {
                failures.Add($"{where}: RedirectUris must list absolute http(s) URIs without a fragment.");
            }
        }
        return failures.Count > 0 ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
    }
}
