namespace Greyhub.Scopes;

/// <summary>
/// How one scope is held: not at all, unfiltered, or restricted to sets of users, servers, groups and services
/// (a resource matches when any set admits it). Use it to filter lists in the database: e.g. for
/// <c>list:users</c>, users whose name is in <see cref="Users"/> or who belong to a group in <see cref="Groups"/>.
/// </summary>
public sealed class ScopeFilter
{
    // Plain hash sets: cheap to build (expansion runs per credential) and fast to probe. Never mutated after creation.
    private static readonly HashSet<string> NoNames = new(StringComparer.Ordinal);

    private readonly HashSet<string> _users;
    private readonly HashSet<string> _servers;
    private readonly HashSet<string> _groups;
    private readonly HashSet<string> _services;
    private readonly HashSet<string> _datasets;
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _serverLookup;
    private IReadOnlySet<string>? _usersView;
    private IReadOnlySet<string>? _serversView;
    private IReadOnlySet<string>? _groupsView;
    private IReadOnlySet<string>? _servicesView;
    private IReadOnlySet<string>? _datasetsView;

    private ScopeFilter(bool held, bool unfiltered, HashSet<string> users, HashSet<string> servers, HashSet<string> groups, HashSet<string> services, HashSet<string> datasets)
    {
        IsHeld = held;
        IsUnfiltered = unfiltered;
        _users = users;
        _servers = servers;
        _groups = groups;
        _services = services;
        _datasets = datasets;
        _serverLookup = servers.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The scope is not held at all.</summary>
    public static ScopeFilter NotHeld { get; } = new(false, false, NoNames, NoNames, NoNames, NoNames, NoNames);

    /// <summary>The scope is held for every resource.</summary>
    public static ScopeFilter Unfiltered { get; } = new(true, true, NoNames, NoNames, NoNames, NoNames, NoNames);

    /// <summary>Whether the scope is held at all (with or without filters).</summary>
    public bool IsHeld { get; }

    /// <summary>Whether the scope is held for every resource.</summary>
    public bool IsUnfiltered { get; }

    /// <summary>Users named by <c>!user=</c> filters.</summary>
    public IReadOnlySet<string> Users => _usersView ??= View(_users);

    /// <summary>Servers named by <c>!server=</c> filters, as <c>user/server</c>.</summary>
    public IReadOnlySet<string> Servers => _serversView ??= View(_servers);

    /// <summary>Groups named by <c>!group=</c> filters.</summary>
    public IReadOnlySet<string> Groups => _groupsView ??= View(_groups);

    /// <summary>Services named by <c>!service=</c> filters.</summary>
    public IReadOnlySet<string> Services => _servicesView ??= View(_services);

    /// <summary>Datasets named by <c>!dataset=</c> filters.</summary>
    public IReadOnlySet<string> Datasets => _datasetsView ??= View(_datasets);

    /// <summary>Whether the filter has any <c>!group=</c> part, i.e. whether group membership matters for users and servers.</summary>
    public bool HasGroupFilters => _groups.Count > 0;

    internal static ScopeFilter Create(FilterSets sets) => new(
        true,
        false,
        Freeze(sets.Users),
        Freeze(sets.Servers),
        Freeze(sets.Groups),
        Freeze(sets.Services),
        Freeze(sets.Datasets));

    /// <summary>
    /// Whether the filter admits a resource, as JupyterHub's <c>has_scope</c>/<c>check_scope_filter</c>: users by name or
    /// group; servers by <c>user/server</c>, by their user's name, or by their user's groups; groups and services by name.
    /// </summary>
    /// <param name="target">The resource.</param>
    /// <returns>True when admitted.</returns>
    public bool Matches(in ResourceRef target)
    {
        if (IsUnfiltered)
        {
            return true;
        }

        if (!IsHeld)
        {
            return false;
        }

        return target.Kind switch
        {
            ScopeFilterKind.User => _users.Contains(target.Name) || InAnyGroup(target.Groups),
            ScopeFilterKind.Server => ContainsServer(target.Name, target.ServerName)
                || _users.Contains(target.Name)
                || InAnyGroup(target.Groups),
            ScopeFilterKind.Group => _groups.Contains(target.Name),
            ScopeFilterKind.Service => _services.Contains(target.Name),
            // a dataset by name, by its owner, or by a group that may read it (ResourceRef.Dataset)
            ScopeFilterKind.Dataset => _datasets.Contains(target.Name)
                || (target.ServerName.Length > 0 && _users.Contains(target.ServerName))
                || (target.Reader.Length > 0 && _users.Contains(target.Reader))
                || InAnyGroup(target.Groups),
            _ => false,
        };
    }

    /// <summary>The filters as JupyterHub strings for a base scope (unsorted).</summary>
    /// <param name="baseScope">The scope name.</param>
    /// <returns>The filtered scope strings, or the bare name when unfiltered, or nothing when not held.</returns>
    public IEnumerable<string> ToScopeStrings(string baseScope)
    {
        if (IsUnfiltered)
        {
            yield return baseScope;
            yield break;
        }

        foreach (var (kind, names) in Parts())
        {
            foreach (var name in names)
            {
                yield return $"{baseScope}!{ScopeFilterKinds.Name(kind)}={name}";
            }
        }
    }

    internal IEnumerable<(ScopeFilterKind Kind, IReadOnlySet<string> Names)> Parts()
    {
        if (Users.Count > 0)
        {
            yield return (ScopeFilterKind.User, Users);
        }

        if (Servers.Count > 0)
        {
            yield return (ScopeFilterKind.Server, Servers);
        }

        if (Groups.Count > 0)
        {
            yield return (ScopeFilterKind.Group, Groups);
        }

        if (Services.Count > 0)
        {
            yield return (ScopeFilterKind.Service, Services);
        }

        if (Datasets.Count > 0)
        {
            yield return (ScopeFilterKind.Dataset, Datasets);
        }
    }

    private bool ContainsServer(string userName, string serverName)
    {
        if (_servers.Count == 0)
        {
            return false;
        }

        var length = userName.Length + 1 + serverName.Length;
        if (length > 512)
        {
            return _servers.Contains(userName + "/" + serverName);
        }

        Span<char> buffer = stackalloc char[length];
        userName.AsSpan().CopyTo(buffer);
        buffer[userName.Length] = '/';
        serverName.AsSpan().CopyTo(buffer[(userName.Length + 1)..]);
        return _serverLookup.Contains(buffer);
    }

    private bool InAnyGroup(IReadOnlyList<string> groups)
    {
        if (_groups.Count == 0)
        {
            return false;
        }

        for (var i = 0; i < groups.Count; i++)
        {
            if (_groups.Contains(groups[i]))
            {
                return true;
            }
        }

        return false;
    }

    // Read-only views, so callers cannot cast back to HashSet and change a shared filter.
    private static IReadOnlySet<string> View(HashSet<string> names) =>
        names.Count == 0 ? System.Collections.ObjectModel.ReadOnlySet<string>.Empty : new System.Collections.ObjectModel.ReadOnlySet<string>(names);

    // Takes ownership of the builder's set.
    private static HashSet<string> Freeze(HashSet<string>? names) =>
        names is null || names.Count == 0 ? NoNames
        : ReferenceEquals(names.Comparer, StringComparer.Ordinal) ? names
        : new HashSet<string>(names, StringComparer.Ordinal);
}
