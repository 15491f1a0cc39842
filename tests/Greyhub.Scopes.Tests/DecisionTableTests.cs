namespace Greyhub.Scopes.Tests;

/// <summary>
/// The decisions the hub's endpoints need, with the scopes JupyterHub 5 requires for them (apihandlers
/// <c>@needs_scope</c>) and the 403/404 rule.
/// </summary>
public sealed class DecisionTableTests
{
    private const ScopeDecision Ok = ScopeDecision.Allowed;
    private const ScopeDecision Forbidden = ScopeDecision.Forbidden;
    private const ScopeDecision NotFound = ScopeDecision.NotFound;

    // GET /users/{name}
    private static readonly string[] GetUser =
        ["read:users", "read:users:name", "read:servers", "read:users:groups", "read:users:activity", "read:roles:users"];

    private static readonly Dictionary<string, string[]> Membership = new()
    {
        ["sam"] = ["students"],
        ["teacher"] = ["staff"],
        ["alice"] = [],
        ["bob"] = [],
    };

    private static readonly Dictionary<string, (ScopeOwner Owner, string[] Roles)> Principals = new()
    {
        ["admin"] = (ScopeOwner.User("root"), ["self", .. DefaultRoles.Admin.Scopes!]),
        ["alice"] = (ScopeOwner.User("alice"), ["self"]),
        ["teacher"] = (ScopeOwner.User("teacher", ["staff"]),
            ["self", "admin-ui", "list:users!group=students", "admin:users!group=students", "admin:servers!group=students", "access:servers!group=students"]),
        ["culler"] = (ScopeOwner.Service("culler"), ["list:users", "read:users:activity", "read:servers", "delete:servers"]),
        ["grader"] = (ScopeOwner.Service("grader"), ["self", "access:services!service=grader", "read:users!group=students"]),
        ["users-admin"] = (ScopeOwner.User("helper"), ["self", "admin:users"]),
    };

    // principal, token scopes (null = the owner's own credential), required scopes, target, expected
    public static TheoryData<string, string[]?, string[], string?, ScopeDecision> Cases => new()
    {
        // admin
        { "admin", null, GetUser, "user:alice", Ok },
        { "admin", null, ["delete:users"], "user:alice", Ok },
        { "admin", null, ["servers"], "server:alice/", Ok },
        { "admin", null, ["admin:server_state"], "server:alice/gpu", Ok },
        { "admin", null, ["read:hub"], null, Ok },
        { "admin", null, ["shutdown"], null, Ok },
        { "admin", null, ["list:users"], null, Ok },
        { "admin", null, ["read:groups"], "group:students", Ok },
        { "admin", null, ["read:services"], "service:culler", Ok },
        { "admin", null, ["read:metrics"], null, Ok },

        // a user on themselves and on others
        { "alice", null, GetUser, "user:alice", Ok },
        { "alice", null, GetUser, "user:bob", NotFound },
        { "alice", null, ["servers"], "server:alice/", Ok },
        { "alice", null, ["servers"], "server:alice/gpu", Ok },
        { "alice", null, ["servers"], "server:bob/", NotFound },
        { "alice", null, ["delete:servers"], "server:alice/", Ok },
        { "alice", null, ["read:servers"], "server:alice/", Ok },
        { "alice", null, ["users:activity"], "user:alice", Ok },
        { "alice", null, ["tokens"], "user:alice", Ok },
        { "alice", null, ["read:tokens"], "user:bob", NotFound },
        { "alice", null, ["read:users:shares"], "user:alice", Ok },
        { "alice", null, ["list:users"], null, Forbidden },
        { "alice", null, ["delete:users"], "user:alice", Forbidden },
        { "alice", null, ["admin:users"], "user:alice", Forbidden },
        { "alice", null, ["read:hub"], null, Forbidden },
        { "alice", null, ["read:groups"], "group:students", Forbidden },
        { "alice", null, ["admin:server_state"], "server:alice/", Forbidden },

        // narrower tokens
        { "admin", ["read:users:name"], GetUser, "user:bob", Ok },
        { "admin", ["read:users:name"], ["servers"], "server:bob/", Forbidden },
        { "admin", ["read:users:name"], ["list:users"], null, Forbidden },
        { "admin", ["read:users!user=bob"], GetUser, "user:bob", Ok },
        { "admin", ["read:users!user=bob"], GetUser, "user:carol", NotFound },
        { "admin", ["read:users!user=bob"], ["delete:users"], "user:bob", Forbidden },
        { "alice", ["access:servers!server=alice/"], ["access:servers"], "server:alice/", Ok },
        { "alice", ["access:servers!server=alice/"], ["access:servers"], "server:alice/gpu", NotFound },
        { "alice", ["access:servers!server=alice/"], ["servers"], "server:alice/", Forbidden },
        { "alice", ["read:users"], GetUser, "user:bob", NotFound },
        { "alice", ["inherit"], ["servers"], "server:alice/", Ok },

        // group-filtered delegated admin
        { "teacher", null, GetUser, "user:sam", Ok },
        { "teacher", null, GetUser, "user:bob", NotFound },
        { "teacher", null, GetUser, "user:teacher", Ok },
        { "teacher", null, ["delete:users"], "user:sam", Ok },
        { "teacher", null, ["delete:users"], "user:bob", NotFound },
        { "teacher", null, ["servers"], "server:sam/", Ok },
        { "teacher", null, ["admin:server_state"], "server:sam/gpu", Ok },
        { "teacher", null, ["servers"], "server:bob/", NotFound },
        { "teacher", null, ["access:servers"], "server:sam/", Ok },
        { "teacher", null, ["list:users"], null, Ok },
        { "teacher", null, ["admin:users"], null, Ok },
        { "teacher", null, ["admin:groups"], null, Forbidden },
        { "teacher", null, ["tokens"], "user:sam", NotFound }, // self holds tokens!user=teacher
        { "teacher", ["read:users"], GetUser, "user:sam", Ok },
        { "teacher", ["read:users"], ["delete:users"], "user:sam", Forbidden },

        // service roles
        { "culler", null, ["list:users"], null, Ok },
        { "culler", null, GetUser, "user:alice", Ok },
        { "culler", null, ["delete:servers"], "server:alice/", Ok },
        { "culler", null, ["servers"], "server:alice/", Forbidden },
        { "culler", null, ["delete:users"], "user:alice", Forbidden },
        { "grader", null, ["access:services"], "service:grader", Ok },
        { "grader", null, ["access:services"], "service:culler", NotFound },
        { "grader", null, GetUser, "user:sam", Ok },
        { "grader", null, GetUser, "user:alice", NotFound },
        { "grader", null, ["servers"], "server:sam/", Forbidden },

        // admin:users without admin: the scope check passes, AdminRules then stop the escalation
        { "users-admin", null, ["admin:users"], "user:helper", Ok },
        { "users-admin", null, ["admin:servers"], "server:alice/", Forbidden },
        { "users-admin", null, ["tokens"], "user:alice", NotFound },
        { "users-admin", null, ["admin:groups"], "group:students", Forbidden },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decision(string principal, string[]? tokenScopes, string[] required, string? target, ScopeDecision expected)
    {
        var scopes = ScopesOf(principal, tokenScopes);

        Assert.Equal(expected, scopes.Check(Target(target), required));
        // the 403/404 rule: 404 only when some required scope is held with other filters
        if (expected != ScopeDecision.Allowed)
        {
            Assert.Equal(expected == ScopeDecision.NotFound, required.Any(scopes.HasAny));
        }
    }

    [Fact]
    public void User_list_filter_for_a_delegated_admin_is_the_group()
    {
        var filter = ScopesOf("teacher", null).FilterFor("list:users");

        Assert.True(filter.IsHeld);
        Assert.False(filter.IsUnfiltered);
        Assert.Equal(["students"], filter.Groups);
        Assert.Empty(filter.Users); // self does not include list:users
        Assert.Empty(filter.Servers);
    }

    [Fact]
    public void User_list_filter_for_admin_and_culler_is_unfiltered_and_for_alice_not_held()
    {
        Assert.True(ScopesOf("admin", null).FilterFor("list:users").IsUnfiltered);
        Assert.True(ScopesOf("culler", null).FilterFor("list:users").IsUnfiltered);
        Assert.False(ScopesOf("alice", null).FilterFor("list:users").IsHeld);
    }

    internal static ExpandedScopes ScopesOf(string principal, string[]? tokenScopes)
    {
        var (owner, roles) = Principals[principal];
        var ownerScopes = ExpandedScopes.Expand(roles, owner);
        return tokenScopes is null ? ownerScopes : TokenScopes.Resolve(tokenScopes, owner, ownerScopes, groupsOfUser: GroupsOf);
    }

    private static IReadOnlyCollection<string> GroupsOf(string user) => Membership.TryGetValue(user, out var groups) ? groups : [];

    private static ResourceRef? Target(string? target)
    {
        if (target is null)
        {
            return null;
        }

        var (kind, name) = (target[..target.IndexOf(':', StringComparison.Ordinal)], target[(target.IndexOf(':', StringComparison.Ordinal) + 1)..]);
        switch (kind)
        {
            case "user":
                return ResourceRef.User(name, Membership.GetValueOrDefault(name, []));
            case "server":
                var user = name[..name.IndexOf('/', StringComparison.Ordinal)];
                return ResourceRef.Server(user, name[(user.Length + 1)..], Membership.GetValueOrDefault(user, []));
            case "group":
                return ResourceRef.Group(name);
            default:
                return ResourceRef.Service(name);
        }
    }
}
