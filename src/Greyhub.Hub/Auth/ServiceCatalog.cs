using System.Collections.Immutable;
using Greyhub.Scopes;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Auth;

/// <summary>A service as the home page lists it: its name and where it is.</summary>
/// <param name="Name">The service's name.</param>
/// <param name="Href">Its path behind the proxy (<c>/services/NAME/</c>).</param>
/// <param name="Info">Its free-form information, a JSON object as text.</param>
public sealed record ServiceLink(string Name, string Href, string Info);

/// <summary>The processes of the services the hub runs, as the API shows them (<c>pid</c>).</summary>
internal interface IServiceProcesses
{
    /// <summary>The process id of a running service, or null (not run by the hub, or down).</summary>
    int? PidOf(string service);
}

/// <summary>
/// The services the hub knows right now: those from configuration, and those added through the API (loaded from the
/// database at start-up, added and removed at run time). An immutable snapshot swapped atomically: readers never lock.
/// </summary>
internal sealed class ServiceCatalog(IOptions<HubOptions> options, HubUrls urls)
{
    private ImmutableSortedDictionary<string, ServiceDefinition> _services = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal,
        options.Value.Services.Select(s => KeyValuePair.Create(s.Name, ServiceDefinition.FromOptions(s, urls))));

    /// <summary>Every service, by name.</summary>
    public IEnumerable<ServiceDefinition> All => _services.Values;

    /// <summary>The service called <paramref name="name"/>, or null.</summary>
    public ServiceDefinition? Find(string name) => _services.GetValueOrDefault(name);

    /// <summary>Adds a service; false when one of that name exists.</summary>
    public bool TryAdd(ServiceDefinition service)
    {
        while (true)
        {
            var current = _services;
            if (current.ContainsKey(service.Name))
            {
                return false;
            }
            if (Interlocked.CompareExchange(ref _services, current.Add(service.Name, service), current) == current)
            {
                return true;
            }
        }
    }

    /// <summary>Removes a service; false when there was none.</summary>
    public bool Remove(string name)
    {
        while (true)
        {
            var current = _services;
            if (!current.ContainsKey(name))
            {
                return false;
            }
            if (Interlocked.CompareExchange(ref _services, current.Remove(name), current) == current)
            {
                return true;
            }
        }
    }

    /// <summary>
    /// The services the home page lists for a caller (JupyterHub's <c>get_accessible_services</c>): those with a URL and
    /// <c>display</c> on that the caller may access (<c>access:services</c>), by name.
    /// </summary>
    public IReadOnlyList<ServiceLink> ShownTo(ExpandedScopes scopes) =>
        [.. _services.Values
            .Where(s => s.Display && s.Url is not null && scopes.CanAccess("access:services", ResourceRef.Service(s.Name)))
            .Select(s => new ServiceLink(s.Name, s.Prefix, s.Info))];
}
