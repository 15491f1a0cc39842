using System.Collections.Concurrent;
using Greyhub.Scopes;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Auth;

/// <summary>
/// Roles from configuration plus JupyterHub's default roles, and the scopes they give each user and service.
/// Role assignments change only with configuration (as in JupyterHub), so owner scopes are cached.
/// </summary>
internal sealed class HubRoles
{
    private readonly RoleCatalog _catalog;
    private readonly ConcurrentDictionary<string, ExpandedScopes> _ownerCache = new(StringComparer.Ordinal);

    public HubRoles(IOptions<HubOptions> options)
    {
        var hub = options.Value;
        Definitions = hub.CustomScopes.Count == 0
            ? ScopeDefinitions.JupyterHub5
            : ScopeDefinitions.WithCustomScopes(hub.CustomScopes.Select(scope => new ScopeDefinition(scope.Name, scope.Description, scope.Subscopes)));
        // The scopes library merges configured roles over JupyterHub's defaults; options validation has already run.
        _catalog = RoleCatalog.Create(hub.Roles.Select(role => new RoleDefinition(role.Name)
        {
            Description = role.Description,
            Scopes = role.Scopes,
            Users = role.Users,
            Groups = role.Groups,
            Services = role.Services,
        }), Definitions);
    }

    public ScopeDefinitions Definitions { get; }

    /// <summary>Direct roles of a user (what the user model's <c>roles</c> lists).</summary>
    public IReadOnlyList<string> RolesOfUser(string name, bool admin)
    {
        var list = new List<string> { "user" };
        if (admin)
        {
            list.Add("admin");
        }
        foreach (var role in _catalog.Roles)
        {
            if (role.Users.Contains(name) && !list.Contains(role.Name))
            {
                list.Add(role.Name);
            }
        }
        return list;
    }

    public IReadOnlyList<string> RolesOfGroup(string name) =>
        [.. _catalog.Roles.Where(r => r.Groups.Contains(name)).Select(r => r.Name)];

    public IReadOnlyList<string> RolesOfService(ServiceDefinition service)
    {
        var list = _catalog.Roles.Where(r => r.Services.Contains(service.Name)).Select(r => r.Name).ToList();
        if (service.Admin && !list.Contains("admin"))
        {
            list.Add("admin");
        }
        return list;
    }

    /// <summary>Everything a user may do: their roles, their groups' roles.</summary>
    public ExpandedScopes ScopesOfUser(string name, bool admin, IReadOnlyList<string> groups)
    {
        var key = "u\0" + name + "\0" + (admin ? "1" : "0") + "\0" + string.Join('\0', groups);
        return _ownerCache.GetOrAdd(key, _ =>
        {
            var roleNames = RolesOfUser(name, admin).Concat(groups.SelectMany(RolesOfGroup)).Distinct();
            return _catalog.ExpandFor(roleNames, ScopeOwner.User(name, groups));
        });
    }

    /// <summary>Everything a service may do: its roles (services have no default role). Services added or removed at run time clear the cache.</summary>
    public ExpandedScopes ScopesOfService(ServiceDefinition service) =>
        _ownerCache.GetOrAdd("s\0" + service.Name + (service.Admin ? "\01" : "\00"), _ =>
            _catalog.ExpandFor(RolesOfService(service), ScopeOwner.Service(service.Name)));

    /// <summary>The raw scopes of a role, or null when no such role exists.</summary>
    public IReadOnlyList<string>? ScopesOfRole(string role) =>
        _catalog.TryGet(role, out var definition) ? definition.Scopes ?? [] : null;

    /// <summary>Forgets cached owner scopes (after a change of group membership, say).</summary>
    public void Clear() => _ownerCache.Clear();
}
