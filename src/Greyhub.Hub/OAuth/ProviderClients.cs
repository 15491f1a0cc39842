using System.Security.Cryptography;
using Greyhub.Data;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.OAuth;

/// <summary>
/// A client of the provider as its protocol rules see it: the hub's registry record (servers, services and the
/// configured third-party clients all live there, so codes and tokens name them), plus what only configuration says.
/// </summary>
/// <param name="Record">The registry's record.</param>
/// <param name="IsPublic">No secret; PKCE required.</param>
/// <param name="RedirectUris">The redirect URIs it may use, matched exactly (a server's is a path on the hub's host).</param>
/// <param name="OpenIdScopes">The OpenID scopes it may ask for.</param>
internal sealed record ProviderClient(OAuthClientRecord Record, bool IsPublic, IReadOnlyList<string> RedirectUris, IReadOnlyList<string> OpenIdScopes)
{
    /// <summary>The scopes of OpenID Connect itself, as opposed to the hub's scopes.</summary>
    public static readonly IReadOnlyList<string> StandardScopes = ["openid", "profile", "groups"];

    public string ClientId => Record.ClientId;
}

/// <summary>Finds and authenticates the provider's clients; registers the configured third-party ones at start.</summary>
/// <remarks>Scoped: one request asks several times (validation, the endpoint, the code), the registry answers once.</remarks>
internal sealed class ProviderClients(OAuthClients clients, IOptions<OpenIdProviderOptions> options)
{
    private readonly Dictionary<string, ProviderClient?> _found = new(StringComparer.Ordinal);

    public async Task<ProviderClient?> FindAsync(string? clientId, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(clientId))
        {
            return null;
        }
        if (!_found.TryGetValue(clientId, out var client))
        {
            client = await LoadAsync(clientId, ct);
            _found[clientId] = client;
        }
        return client;
    }

    private async Task<ProviderClient?> LoadAsync(string clientId, CancellationToken ct)
    {
        if (await clients.FindAsync(clientId, ct) is not { } record)
        {
            return null;
        }
        var configured = options.Value.Clients.Find(c => c.ClientId == clientId);
        return configured is null
            ? new ProviderClient(record, false, [record.RedirectUri], ProviderClient.StandardScopes)
            : new ProviderClient(record, configured.Public, configured.RedirectUris,
                configured.AllowedScopes.Count == 0 ? ProviderClient.StandardScopes : [.. configured.AllowedScopes.Where(ProviderClient.StandardScopes.Contains)]);
    }

    /// <summary>Whether the presented secret authenticates the client: a public client presents none.</summary>
    public bool Authenticates(ProviderClient client, string? secret) =>
        client.IsPublic ? string.IsNullOrEmpty(secret) : !string.IsNullOrEmpty(secret) && clients.SecretMatches(client.Record, secret);

    /// <summary>Registers (or updates) every configured third-party client in the hub's client registry.</summary>
    public async Task SyncAsync(CancellationToken ct)
    {
        foreach (var client in options.Value.Clients)
        {
            // A public client has no secret; the registry wants one, so it gets a random one nobody knows.
            var secret = client.Public ? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)) : client.ClientSecret;
            var hubScopes = client.AllowedScopes.Where(s => !ProviderClient.StandardScopes.Contains(s)).ToList();
            await clients.SyncAsync(client.ClientId, secret, client.RedirectUris[0], client.Description, hubScopes, ct);
        }
    }
}
