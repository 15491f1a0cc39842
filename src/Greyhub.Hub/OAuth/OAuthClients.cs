using System.Security.Cryptography;
using System.Text;
using Greyhub.Data;
using Greyhub.Data.Stores;
using Greyhub.Hub.Auth;
using Microsoft.Extensions.Logging;

namespace Greyhub.Hub.OAuth;

/// <summary>
/// The OAuth clients of the hub's provider. A server's client is registered when it starts, as JupyterHub does:
/// id <c>jupyterhub-user-{name}[-{server}]</c>, secret = the server's API token, redirect
/// <c>/user/{name}[/{server}]/oauth_callback</c>, allowed scopes <c>access:servers!server={name}/{server}</c>.
/// </summary>
internal sealed class OAuthClients(OAuthStore store, TokenHasher hasher, HubRoles roles, HubState state, TimeProvider time, ILogger<OAuthClients> logger)
{
    /// <summary>
    /// Creates the client or replaces its secret, redirect URI, description and allowed scopes. Replacing revokes
    /// every token it issued before and every code not yet redeemed.
    /// </summary>
    /// <exception cref="ArgumentException">An empty id or secret, a redirect URI that is neither a local path nor an absolute http(s) URL, or an unknown scope.</exception>
    public async Task UpsertAsync(string clientId, string secret, string redirectUri, string description, IReadOnlyList<string> allowedScopes,
        CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(clientId);
        ArgumentException.ThrowIfNullOrEmpty(secret);
        ArgumentNullException.ThrowIfNull(allowedScopes);
        if (clientId == "jupyterhub" || clientId.Length > 255)
        {
            throw new ArgumentException($"'{clientId}' cannot name an OAuth client.", nameof(clientId));
        }
        if (!IsValidRedirect(redirectUri))
        {
            throw new ArgumentException($"The redirect URI of '{clientId}' must be a local path or an absolute http(s) URL, not '{redirectUri}'.", nameof(redirectUri));
        }
        var invalid = allowedScopes.Select(s => roles.Definitions.Validate(s, $"OAuth client {clientId}")).OfType<string>().ToList();
        if (invalid.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", invalid), nameof(allowedScopes));
        }
        var revoked = await store.UpsertClientAsync(clientId, hasher.Hash(secret), redirectUri, description ?? "", allowedScopes,
            time.GetUtcNow().UtcDateTime, ct);
        // Cached identities of the revoked tokens must go at once.
        state.Changed();
        OAuthLog.ClientRegistered(logger, clientId, revoked.Count);
    }

    /// <summary>
    /// Registers a service's client at start-up (JupyterHub's <c>add_client</c>): created when missing, left alone when
    /// unchanged. When only the secret changed (a service the hub runs gets a new token at each start) the secret is
    /// replaced and the tokens users granted it stay valid; any other change replaces the client as
    /// <see cref="UpsertAsync"/> does, revoking them.
    /// </summary>
    public async Task SyncAsync(string clientId, string secret, string redirectUri, string description, IReadOnlyList<string> allowedScopes,
        CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        var existing = await store.FindClientAsync(clientId, ct);
        if (existing is null || existing.RedirectUri != redirectUri || existing.Description != description
            || !existing.AllowedScopes.SequenceEqual(allowedScopes, StringComparer.Ordinal))
        {
            await UpsertAsync(clientId, secret, redirectUri, description, allowedScopes, ct);
            return;
        }
        if (!SecretMatches(existing, secret))
        {
            await store.SetClientSecretAsync(clientId, hasher.Hash(secret), ct);
            state.Changed();
        }
    }

    /// <summary>The ids of the clients whose id starts with <paramref name="prefix"/> (a kind of client: <c>service-</c>).</summary>
    public Task<IReadOnlyList<string>> ListIdsAsync(string prefix, CancellationToken ct) => store.ListClientIdsAsync(prefix, ct);

    /// <summary>Deletes the client, its codes and every token it issued; nothing happens when there is no such client.</summary>
    public async Task RemoveAsync(string clientId, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(clientId);
        var revoked = await store.RemoveClientAsync(clientId, ct);
        state.Changed();
        OAuthLog.ClientRemoved(logger, clientId, revoked.Count);
    }

    /// <summary>Finds a client.</summary>
    public Task<OAuthClientRecord?> FindAsync(string clientId, CancellationToken ct) => store.FindClientAsync(clientId, ct);

    /// <summary>Whether <paramref name="secret"/> is the client's, compared in constant time.</summary>
    public bool SecretMatches(OAuthClientRecord client, string secret)
    {
        var presented = Encoding.ASCII.GetBytes(hasher.Hash(secret));
        var stored = Encoding.ASCII.GetBytes(client.SecretHash);
        return CryptographicOperations.FixedTimeEquals(presented, stored);
    }

    /// <inheritdoc cref="ServiceRules.IsValidRedirect"/>
    internal static bool IsValidRedirect(string? uri) => ServiceRules.IsValidRedirect(uri);
}
