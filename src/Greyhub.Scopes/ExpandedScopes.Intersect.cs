namespace Greyhub.Scopes;

/// <summary>Returns the group names of a user (empty when the user does not exist).</summary>
/// <param name="userName">The user name.</param>
/// <returns>The user's group names.</returns>
public delegate IReadOnlyCollection<string> UserGroupsLookup(string userName);

public sealed partial class ExpandedScopes
{
    /// <summary>
    /// What two expanded sets allow together, as JupyterHub's <c>_intersect_expanded_scopes</c>: an unfiltered scope on
    /// one side yields the other side's filters; two filtered scopes keep the common filter values, plus servers of
    /// users (or of group members) the other side admits, plus users who are members of groups the other side admits.
    /// Used to cut a token's scopes down to its owner's: a token never exceeds its owner.
    /// </summary>
    /// <param name="tokenScopes">One side (typically the token's expanded scopes).</param>
    /// <param name="ownerScopes">The other side (typically the owner's expanded scopes).</param>
    /// <param name="groupsOfUser">
    /// Group membership, needed when one side has <c>!group=</c> and the other <c>!user=</c>/<c>!server=</c>. Without
    /// it such combinations are not resolved, which can only give fewer permissions (JupyterHub without a db).
    /// </param>
    /// <returns>The intersection.</returns>
    public static ExpandedScopes Intersect(ExpandedScopes tokenScopes, ExpandedScopes ownerScopes, UserGroupsLookup? groupsOfUser = null)
    {
        ArgumentNullException.ThrowIfNull(tokenScopes);
        ArgumentNullException.ThrowIfNull(ownerScopes);
        var memberships = groupsOfUser is null ? null : new GroupCache(groupsOfUser);
        var builder = new Builder();
        foreach (var (name, a) in tokenScopes._scopes)
        {
            if (!ownerScopes._scopes.TryGetValue(name, out var b))
            {
                continue;
            }

            if (a.IsUnfiltered)
            {
                builder.Add(name, b);
            }
            else if (b.IsUnfiltered)
            {
                builder.Add(name, a);
            }
            else
            {
                builder.AddSets(name, IntersectFilters(a, b, memberships));
            }
        }

        return builder.Build();
    }

    /// <summary>
    /// The users whose group membership <see cref="Intersect"/> may ask for with these two sets (users and server
    /// owners on one side of a scope whose other side has <c>!group=</c> filters), so an async caller can load them
    /// first and pass a dictionary-backed <see cref="UserGroupsLookup"/>.
    /// </summary>
    /// <param name="tokenScopes">One side.</param>
    /// <param name="ownerScopes">The other side.</param>
    /// <returns>The user names, possibly empty.</returns>
    public static IReadOnlySet<string> GroupLookupsFor(ExpandedScopes tokenScopes, ExpandedScopes ownerScopes)
    {
        ArgumentNullException.ThrowIfNull(tokenScopes);
        ArgumentNullException.ThrowIfNull(ownerScopes);
        var users = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, a) in tokenScopes._scopes)
        {
            if (a.IsUnfiltered || !ownerScopes._scopes.TryGetValue(name, out var b) || b.IsUnfiltered)
            {
                continue;
            }

            foreach (var (x, y) in (ReadOnlySpan<(ScopeFilter, ScopeFilter)>)[(a, b), (b, a)])
            {
                if (y.Groups.Count == 0)
                {
                    continue;
                }

                users.UnionWith(x.Users);
                foreach (var server in x.Servers)
                {
                    var slash = server.IndexOf('/', StringComparison.Ordinal);
                    users.Add(slash < 0 ? server : server[..slash]);
                }
            }
        }

        return users;
    }

    private static FilterSets IntersectFilters(ScopeFilter a, ScopeFilter b, GroupCache? memberships)
    {
        var common = new FilterSets(
            Common(a.Users, b.Users),
            Common(a.Servers, b.Servers),
            Common(a.Groups, b.Groups),
            Common(a.Services, b.Services),
            Common(a.Datasets, b.Datasets));
        var initialServers = new HashSet<string>(common.Servers ?? [], StringComparer.Ordinal);
        var initialUsers = new HashSet<string>(common.Users ?? [], StringComparer.Ordinal);
        var servers = new HashSet<string>(initialServers, StringComparer.Ordinal);
        var users = new HashSet<string>(initialUsers, StringComparer.Ordinal);

        foreach (var (x, y) in (ReadOnlySpan<(ScopeFilter, ScopeFilter)>)[(a, b), (b, a)])
        {
            if (x.Servers.Count > 0 && !x.Servers.SetEquals(y.Servers))
            {
                // a server is admitted by the other side through its user, or through its user's groups
                foreach (var server in x.Servers.Where(s => !servers.Contains(s)).ToList())
                {
                    var slash = server.IndexOf('/', StringComparison.Ordinal);
                    var user = slash < 0 ? server : server[..slash];
                    if (y.Users.Contains(user) || (memberships is not null && memberships.InAny(user, y.Groups)))
                    {
                        servers.Add(server);
                    }
                }
            }

            if (memberships is not null && x.Users.Count > 0 && y.Groups.Count > 0 && !x.Users.SetEquals(y.Users))
            {
                foreach (var user in x.Users.Where(u => !users.Contains(u)).ToList())
                {
                    if (memberships.InAny(user, y.Groups))
                    {
                        users.Add(user);
                    }
                }
            }
        }

        if (servers.Count > 0 && !servers.SetEquals(initialServers))
        {
            common.Servers = servers;
        }

        if (users.Count > 0 && !users.SetEquals(initialUsers))
        {
            common.Users = users;
        }

        return common;
    }

    private static HashSet<string>? Common(IReadOnlySet<string> x, IReadOnlySet<string> y)
    {
        if (x.Count == 0 || y.Count == 0)
        {
            return null;
        }

        var common = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in x)
        {
            if (y.Contains(name))
            {
                common.Add(name);
            }
        }

        return common;
    }

    private sealed class GroupCache(UserGroupsLookup lookup)
    {
        private readonly Dictionary<string, IReadOnlyCollection<string>> _groups = new(StringComparer.Ordinal);

        public bool InAny(string user, IReadOnlySet<string> groups)
        {
            if (groups.Count == 0)
            {
                return false;
            }

            if (!_groups.TryGetValue(user, out var of))
            {
                of = lookup(user);
                _groups[user] = of;
            }

            return of.Any(groups.Contains);
        }
    }
}
