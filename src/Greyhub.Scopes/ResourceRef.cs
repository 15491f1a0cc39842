namespace Greyhub.Scopes;

/// <summary>
/// The target of an access check: a user (with their groups), a server (with its user's groups), a group or a
/// service. Group filters (<c>!group=x</c>) match users and servers through <see cref="Groups"/>, so pass the
/// user's group names whenever the held scope may be group-filtered.
/// </summary>
public readonly record struct ResourceRef
{
    private ResourceRef(ScopeFilterKind kind, string name, string serverName, IReadOnlyList<string>? groups, string reader = "")
    {
        Kind = kind;
        Name = name;
        ServerName = serverName;
        Groups = groups ?? [];
        Reader = reader;
    }

    /// <summary>What kind of resource this is.</summary>
    public ScopeFilterKind Kind { get; }

    /// <summary>The user name (for users and servers), group name or service name.</summary>
    public string Name { get; }

    /// <summary>The server name for servers (empty = default server); for datasets, the owner; empty otherwise.</summary>
    public string ServerName { get; }

    /// <summary>The group names of the user (for users and servers), the groups that may read a dataset; empty otherwise.</summary>
    public IReadOnlyList<string> Groups { get; }

    /// <summary>A user.</summary>
    /// <param name="name">The user name.</param>
    /// <param name="groups">The user's group names.</param>
    /// <returns>The reference.</returns>
    public static ResourceRef User(string name, IReadOnlyList<string>? groups = null) =>
        new(ScopeFilterKind.User, name, "", groups);

    /// <summary>A user's server.</summary>
    /// <param name="userName">The owning user.</param>
    /// <param name="serverName">The server name, empty for the default server.</param>
    /// <param name="groups">The owning user's group names.</param>
    /// <returns>The reference.</returns>
    public static ResourceRef Server(string userName, string serverName, IReadOnlyList<string>? groups = null) =>
        new(ScopeFilterKind.Server, userName, serverName ?? "", groups);

    /// <summary>A group.</summary>
    /// <param name="name">The group name.</param>
    /// <returns>The reference.</returns>
    public static ResourceRef Group(string name) => new(ScopeFilterKind.Group, name, "", null);

    /// <summary>A service.</summary>
    /// <param name="name">The service name.</param>
    /// <returns>The reference.</returns>
    public static ResourceRef Service(string name) => new(ScopeFilterKind.Service, name, "", null);

    /// <summary>
    /// A dataset: admitted by <c>!dataset=name</c>, by <c>!user=owner</c>, by <c>!group=g</c> for any group in
    /// <paramref name="readGroups"/> (the groups the dataset is shared with for reading), and by <c>!user=reader</c>
    /// when <paramref name="reader"/> names the user asking who belongs to one of those groups: <c>!user=alice</c>
    /// (what <c>self</c> gives) means "what alice may read herself".
    /// </summary>
    /// <param name="name">The dataset name.</param>
    /// <param name="owner">The owning user's name, or null for a dataset without an owner.</param>
    /// <param name="readGroups">The groups that may read the dataset.</param>
    /// <param name="reader">The asking user, when they belong to a group in <paramref name="readGroups"/>; else null.</param>
    /// <returns>The reference.</returns>
    public static ResourceRef Dataset(string name, string? owner, IReadOnlyList<string>? readGroups, string? reader = null) =>
        new(ScopeFilterKind.Dataset, name, owner ?? "", readGroups, reader ?? "");

    /// <summary>For a dataset, the asking user who belongs to one of its read groups (empty otherwise).</summary>
    public string Reader { get; }

    /// <summary>For a dataset, the owner's name (empty when it has none).</summary>
    public string DatasetOwner => Kind == ScopeFilterKind.Dataset ? ServerName : "";

    /// <summary>The filter value naming this resource: <c>alice</c>, <c>alice/</c>, <c>alice/gpu</c>, <c>students</c>.</summary>
    /// <returns>The value.</returns>
    public override string ToString() => Kind == ScopeFilterKind.Server ? Name + "/" + ServerName : Name;
}
