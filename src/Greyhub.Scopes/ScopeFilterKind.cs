namespace Greyhub.Scopes;

/// <summary>The kind of a horizontal filter (<c>!kind=value</c>) and of the resource it is checked against.</summary>
public enum ScopeFilterKind
{
    /// <summary><c>!user=name</c>: a user, and everything that belongs to them.</summary>
    User,

    /// <summary><c>!server=user/name</c>: one server (<c>user/</c> is the default server).</summary>
    Server,

    /// <summary><c>!group=name</c>: a group, and its members when users or servers are checked.</summary>
    Group,

    /// <summary><c>!service=name</c>: a service.</summary>
    Service,

    /// <summary><c>!dataset=name</c>: a dataset (Greyhub's own; datasets are also admitted by their owner's
    /// <c>!user=</c> and by <c>!group=</c> naming a group that may read them).</summary>
    Dataset,
}

internal static class ScopeFilterKinds
{
    public static ScopeFilterKind? Parse(ReadOnlySpan<char> kind) => kind switch
    {
        "user" => ScopeFilterKind.User,
        "server" => ScopeFilterKind.Server,
        "group" => ScopeFilterKind.Group,
        "service" => ScopeFilterKind.Service,
        "dataset" => ScopeFilterKind.Dataset,
        _ => null,
    };

    public static string Name(ScopeFilterKind kind) => kind switch
    {
        ScopeFilterKind.User => "user",
        ScopeFilterKind.Server => "server",
        ScopeFilterKind.Group => "group",
        ScopeFilterKind.Service => "service",
        ScopeFilterKind.Dataset => "dataset",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
