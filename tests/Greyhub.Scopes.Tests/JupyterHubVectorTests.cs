namespace Greyhub.Scopes.Tests;

/// <summary>Input/expected pairs from JupyterHub's own test suite (jupyterhub/tests/test_scopes.py), run through our code.</summary>
public sealed class JupyterHubVectorTests
{
    // test_intersect_expanded_scopes: no group membership available; every case in both directions
    public static TheoryData<string[], string[], string[]> WithoutMembership => new()
    {
        { [], [], [] },
        { [], ["users"], [] },
        { ["users!user=x", "users!group=y"], [], [] },
        { ["users!user=x", "users!user=y", "users!group=y"], ["users!user=x"], ["users!user=x"] },
        { ["users!user=x", "users!group=y"], ["users!user=x", "users!group=y", "users!user=z"], ["users!user=x", "users!group=y"] },
        { ["users!group=y", "users!user=z"], ["users!user=x"], [] },
        { ["users!group=y", "users!user=z"], ["users!server=x/y"], [] },
        { ["users!group=y", "users!user=x"], ["users!server=x/y"], ["users!server=x/y"] },
        { ["read:servers!user=abc"], ["read:servers!server=abc/xyz"], ["read:servers!server=abc/xyz"] },
        { ["read:servers!user=abc"], ["read:servers!server=abcd/xyz"], [] },
    };

    // test_intersect_groups: with group membership; every case in both directions
    public static TheoryData<string[], string[], string[], string> WithMembership => new()
    {
        { ["users!group=gx"], ["users!user=ux"], ["users!user=ux"], "gx:ux" },
        { ["read:users!group=gx"], ["read:users!user=nosuchuser"], [], "" },
        { ["read:users!group=gx"], ["read:users!server=nosuchuser/server"], [], "" },
        { ["read:users!group=gx"], ["read:users!server=ux/server"], ["read:users!server=ux/server"], "gx:ux" },
        { ["read:users!group=gx"], ["read:users!server=ux/server", "read:users!user=uy"], ["read:users!server=ux/server"], "gx:ux gy:uy" },
        { ["read:users!group=gy"], ["read:users!server=ux/server", "read:users!user=uy"], ["read:users!user=uy"], "gx:ux gy:uy" },
    };

    // test_resolve_token_permissions: owner temp_user_1 with these role scopes, token with these scopes
    public static TheoryData<string[], string[], string[]> TokenPermissions => new()
    {
        { ["users:activity"], ["users:activity"], ["read:users:activity", "users:activity"] },
        { ["read:users:activity"], ["read:users:activity!user"], ["read:users:activity!user=temp_user_1"] },
        { ["read:users:activity"], ["read:users:activity!user=otheruser"], ["read:users:activity!user=otheruser"] },
        { ["read:users:activity!user"], ["read:users:activity"], ["read:users:activity!user=temp_user_1"] },
        { ["read:users:activity!user"], ["read:users:activity!user"], ["read:users:activity!user=temp_user_1"] },
        { ["read:users:activity!user"], ["read:users:activity!user=otheruser"], [] },
        { ["users!user=x"], ["read:users:name"], ["read:users:name!user=x"] },
        { ["users!user=x", "users!user=y"], ["read:users:name!user=x"], ["read:users:name!user=x"] },
        { ["users!group=y"], ["users!user=x"], [] },
        { ["servers!user=y"], ["servers!server=x"], [] },
        {
            ["users!group=x", "users!user=y"],
            ["read:users:name!group=x", "read:users!user=y"],
            ["read:users!user=y", "read:users:activity!user=y", "read:users:groups!user=y", "read:users:name!group=x", "read:users:name!user=y"]
        },
        {
            ["users!group=x", "users!user=y"],
            ["read:users:name!group=z", "read:users!user=y"],
            ["read:users!user=y", "read:users:activity!user=y", "read:users:groups!user=y", "read:users:name!user=y"]
        },
    };

    // test_server_state_access: a service's scopes and whether user almond's model has servers (with state), and DELETE
    public static TheoryData<string[], bool, bool, bool> ServerState => new()
    {
        { ["read:servers!user=almond"], true, false, false },
        { ["admin:users", "read:users"], false, false, false },
        { ["read:servers!group=nuts", "servers"], true, false, true },
        { ["admin:server_state", "read:servers"], true, true, false },
        { ["read:servers!server=almond/bianca", "admin:server_state!server=almond/bianca"], true, true, false },
    };

    [Theory]
    [MemberData(nameof(WithoutMembership))]
    public void Intersect_without_membership(string[] left, string[] right, string[] expected)
    {
        var (a, b) = (ExpandedScopes.Parse(left), ExpandedScopes.Parse(right));

        Assert.Equal(expected.Order(StringComparer.Ordinal), ExpandedScopes.Intersect(a, b).Scopes);
        Assert.Equal(expected.Order(StringComparer.Ordinal), ExpandedScopes.Intersect(b, a).Scopes);
    }

    [Theory]
    [MemberData(nameof(WithMembership))]
    public void Intersect_with_membership(string[] left, string[] right, string[] expected, string groups)
    {
        var members = groups.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(g => g.Split(':')).ToList();
        IReadOnlyCollection<string> GroupsOf(string user) => [.. members.Where(m => m[1] == user).Select(m => m[0])];
        var (a, b) = (ExpandedScopes.Parse(left), ExpandedScopes.Parse(right));

        Assert.Equal(expected.Order(StringComparer.Ordinal), ExpandedScopes.Intersect(a, b, GroupsOf).Scopes);
        Assert.Equal(expected.Order(StringComparer.Ordinal), ExpandedScopes.Intersect(b, a, GroupsOf).Scopes);
    }

    [Theory]
    [MemberData(nameof(TokenPermissions))]
    public void Token_permissions(string[] ownerRoleScopes, string[] tokenScopes, string[] expected)
    {
        var owner = ScopeOwner.User("temp_user_1");
        var ownerScopes = ExpandedScopes.Expand(ownerRoleScopes, owner);

        var retained = TokenScopes.Resolve(tokenScopes, owner, ownerScopes, groupsOfUser: _ => []);

        Assert.Equal(expected.Order(StringComparer.Ordinal), retained.Scopes);
    }

    [Theory]
    [MemberData(nameof(ServerState))]
    public void Server_state_access(string[] serviceScopes, bool seesServers, bool seesState, bool canStop)
    {
        var scopes = ExpandedScopes.Expand(serviceScopes, ScopeOwner.Service("svc"));
        var almond = ResourceRef.User("almond", ["nuts"]);
        var bianca = ResourceRef.Server("almond", "bianca", ["nuts"]);

        var servers = scopes.ModelAccessFor(almond).Servers || scopes.CanAccess("read:servers", bianca);
        Assert.Equal(seesServers, servers);
        Assert.Equal(seesState, scopes.CanAccess("admin:server_state", bianca));
        Assert.Equal(canStop, scopes.Check(bianca, "delete:servers") == ScopeDecision.Allowed);
    }

    [Fact]
    public void Self_gives_users_scopes_and_services_none()
    {
        // test_metascope_self_expansion
        Assert.False(ExpandedScopes.Expand(["self"], ScopeOwner.User("u")).IsEmpty);
        Assert.True(ExpandedScopes.Expand(["self"], ScopeOwner.Service("s")).IsEmpty);
        Assert.True(TokenScopes.Resolve(["inherit"], ScopeOwner.Service("s"), ExpandedScopes.Expand(["self"], ScopeOwner.Service("s"))).IsEmpty);
    }

    [Fact]
    public void Stacked_and_cross_vertical_filters()
    {
        // test_stacked_vertical_filter and test_cross_filter
        var stacked = ExpandedScopes.Expand(["read:users:activity", "read:users:groups"], ScopeOwner.User("u"));
        Assert.Equal(ModelFields.Name | ModelFields.LastActivity | ModelFields.Groups, stacked.ModelAccessFor(ResourceRef.User("x")).Fields);

        var cross = ExpandedScopes.Expand(["read:users:activity", "self"], ScopeOwner.User("u"));
        Assert.True(cross.ModelAccessFor(ResourceRef.User("u")).Created);
        Assert.Equal(ModelFields.Name | ModelFields.LastActivity, cross.ModelAccessFor(ResourceRef.User("britta")).Fields);
    }

    [Fact]
    public void Roles_only_user_model()
    {
        // test_roles_access: {'kind', 'name', 'roles', 'admin'}
        var scopes = ExpandedScopes.Expand(["read:roles:users"], ScopeOwner.User("u"));
        Assert.Equal(ModelFields.Name | ModelFields.Roles | ModelFields.Admin, scopes.ModelAccessFor(ResourceRef.User("miranda")).Fields);
    }
}
