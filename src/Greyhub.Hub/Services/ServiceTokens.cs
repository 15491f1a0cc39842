using System.Collections.Concurrent;
using Greyhub.Data.Stores;
using Greyhub.Hub.Auth;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Services;

/// <summary>
/// The plain API tokens of configured services, in memory only: the configured ones, and those generated at each start
/// for services the hub runs without one (as JupyterHub does). They are the services' OAuth client secrets and a
/// managed service's <c>JUPYTERHUB_API_TOKEN</c>.
/// </summary>
internal sealed class ServiceSecrets
{
    private readonly ConcurrentDictionary<string, string> _secrets = new(StringComparer.Ordinal);

    /// <summary>The service's token, or null when the hub does not know it in plain (a service added through the API).</summary>
    public string? Find(string service) => _secrets.GetValueOrDefault(service);

    /// <summary>Records a service's token.</summary>
    public void Set(string service, string token) => _secrets[service] = token;
}

/// <summary>Services' API tokens in the database: hashed, one per service, carrying the service's own permissions.</summary>
internal sealed class ServiceTokens(TokenStore tokens, TokenHasher hasher, ServiceSecrets secrets, HubState state, TimeProvider time, IOptions<HubOptions> options)
{
    /// <summary>
    /// Makes the stored tokens of configured services match the configuration: a configured token is the one token of
    /// its service; a service the hub runs without one gets a new token (the old ones go); any other has none.
    /// </summary>
    public async Task SyncConfiguredAsync(CancellationToken cancellationToken)
    {
        foreach (var service in options.Value.Services)
        {
            var token = service.ApiToken is { Length: > 0 } configured ? configured : service.Command.Count > 0 ? TokenHasher.NewToken() : null;
            if (token is not null)
            {
                secrets.Set(service.Name, token);
            }
            await StoreAsync(service.Name, token, service.ApiToken is { Length: > 0 } ? "from configuration" : "generated at startup", cancellationToken);
        }
        state.Changed();
    }

    /// <summary>Makes <paramref name="token"/> the one token of <paramref name="service"/> (none when null).</summary>
    public async Task SetAsync(string service, string? token, string note, CancellationToken cancellationToken)
    {
        await StoreAsync(service, token, note, cancellationToken);
        state.Changed();
    }

    private Task StoreAsync(string service, string? token, string note, CancellationToken cancellationToken) =>
        tokens.ReplaceServiceTokenAsync(service, token is null ? null : hasher.Hash(token), token is null ? "" : TokenHasher.Prefix(token), note,
            time.GetUtcNow().UtcDateTime, cancellationToken);
}
