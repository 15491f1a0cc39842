using Greyhub.Data;
using Greyhub.Data.Stores;
using Greyhub.Hub.Auth;
using Greyhub.Hub.OAuth;
using Greyhub.Hub.Servers;
using Microsoft.Extensions.Logging;

namespace Greyhub.Hub.Services;

/// <summary>
/// What makes a service known to the hub and to the other bricks: its token, its OAuth client (<c>service-NAME</c>,
/// redirect <c>/services/NAME/oauth_callback</c>, scopes: its own access plus <c>oauth_client_allowed_scopes</c>), its
/// route, and for a service added through the API its row in the database. At start-up it puts the configured and the
/// stored services in place; at run time it adds and removes services as JupyterHub 5's API does.
/// </summary>
internal sealed class ServiceRegistration(
    ServiceCatalog catalog,
    ServiceStore store,
    ServiceTokens tokens,
    ServiceSecrets secrets,
    OAuthClients clients,
    ServerRoutes routes,
    HubUrls urls,
    ILogger<ServiceRegistration> logger)
{
    /// <summary>
    /// Loads the services added through the API (configuration wins over a stored service of the same name, which
    /// goes), makes the configured services' tokens and every service's OAuth client match, and removes the clients of
    /// services that are gone.
    /// </summary>
    public async Task StartAsync(CancellationToken ct)
    {
        foreach (var stored in await store.ListAsync(ct))
        {
            if (catalog.Find(stored.Name) is not null)
            {
                ServicesLog.Shadowed(logger, stored.Name);
                await store.RemoveAsync(stored.Name, ct);
                continue;
            }
            catalog.TryAdd(ServiceSpec.Read(stored.Name, stored.Spec, urls));
        }
        await tokens.SyncConfiguredAsync(ct);
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var service in catalog.All.Where(s => s.HasOAuthClient))
        {
            if (!service.FromConfig)
            {
                // Registered when it was added; its secret is known hashed only, so the stored client stays as it is.
                wanted.Add(service.OauthClientId);
            }
            else if (secrets.Find(service.Name) is { } secret)
            {
                await RegisterClientAsync(service, secret, sync: true, ct);
                wanted.Add(service.OauthClientId);
            }
            else
            {
                ServicesLog.WithoutClientSecret(logger, service.Name);
            }
        }
        foreach (var clientId in await clients.ListIdsAsync(ServiceRules.ClientIdPrefix, ct))
        {
            if (!wanted.Contains(clientId))
            {
                await clients.RemoveAsync(clientId, ct);
                ServicesLog.ClientRemoved(logger, clientId);
            }
        }
    }

    /// <summary>
    /// Adds a service the hub does not run (JupyterHub 5's <c>POST /services/{name}</c>): stored, its token and OAuth
    /// client registered, routed when it has a URL, then visible.
    /// </summary>
    /// <exception cref="HubException">Conflict: a service of that name exists.</exception>
    public async Task<ServiceDefinition> AddAsync(ServiceDefinition service, string? apiToken, DateTime now, CancellationToken ct)
    {
        if (catalog.Find(service.Name) is not null)
        {
            throw HubException.Conflict($"Service {service.Name} already exists");
        }
        try
        {
            await store.AddAsync(service.Name, ServiceSpec.Write(service), now, ct);
        }
        catch (ConflictException)
        {
            throw HubException.Conflict($"Service {service.Name} already exists");
        }
        await tokens.SetAsync(service.Name, apiToken, "added through the API", ct);
        if (service.HasOAuthClient)
        {
            if (apiToken is not null)
            {
                await RegisterClientAsync(service, apiToken, sync: false, ct);
            }
            else
            {
                ServicesLog.WithoutClientSecret(logger, service.Name);
            }
        }
        catalog.TryAdd(service);
        if (service.Url is { } url)
        {
            await TryRouteAsync(service.Name, () => routes.AddServiceAsync(service.Name, new Uri(url), ct));
        }
        ServicesLog.Added(logger, service.Name, service.Url ?? "");
        return service;
    }

    /// <summary>
    /// Removes a service added through the API (JupyterHub 5's <c>DELETE /services/{name}</c>): gone from view at once,
    /// then its route, OAuth client (with the tokens it issued), token and row.
    /// </summary>
    /// <exception cref="HubException">Not found; or not modifiable: the service is defined in configuration.</exception>
    public async Task RemoveAsync(string name, CancellationToken ct)
    {
        var service = catalog.Find(name) ?? throw HubException.NotFound($"Service {name} does not exist");
        if (service.FromConfig)
        {
            throw HubException.NotModifiable($"Service {name} is not modifiable at runtime");
        }
        catalog.Remove(name);
        if (service.Url is not null)
        {
            await TryRouteAsync(name, () => routes.RemoveServiceAsync(name, ct));
        }
        if (service.HasOAuthClient)
        {
            await clients.RemoveAsync(service.OauthClientId, ct);
        }
        await tokens.SetAsync(name, null, "", ct);
        await store.RemoveAsync(name, ct);
        ServicesLog.Removed(logger, name);
    }

    private Task RegisterClientAsync(ServiceDefinition service, string secret, bool sync, CancellationToken ct)
    {
        var description = $"JupyterHub service {service.Name}";
        return sync
            ? clients.SyncAsync(service.OauthClientId, secret, service.OauthRedirectUri!, description, service.ClientScopes, ct)
            : clients.UpsertAsync(service.OauthClientId, secret, service.OauthRedirectUri!, description, service.ClientScopes, ct);
    }

    /// <summary>A proxy that cannot be reached now does not undo the change: the next route check puts the route right.</summary>
    private async Task TryRouteAsync(string name, Func<Task> change)
    {
        try
        {
            await change();
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
        {
            ServicesLog.RouteFailed(logger, e, name);
        }
    }
}
