namespace Greyhub.Scopes.Tests;

public sealed class TokenTests
{
    private static readonly ScopeOwner Alice = ScopeOwner.User("alice");
    private static readonly ExpandedScopes AliceScopes = ExpandedScopes.Expand(["self"], Alice);
    private static readonly ScopeOwner Root = ScopeOwner.User("root");
    private static readonly ExpandedScopes RootScopes = ExpandedScopes.Expand(DefaultRoles.Admin.Scopes!, Root);

    private static IReadOnlyCollection<string> GroupsOf(string user) => user == "sam" ? ["students"] : [];

    [Fact]
    public void Inherit_token_has_exactly_the_owners_scopes()
    {
        Assert.Same(AliceScopes, TokenScopes.Resolve(["inherit"], Alice, AliceScopes));
        Assert.Same(AliceScopes, TokenScopes.Resolve(["inherit", "read:hub"], Alice, AliceScopes));
    }

    [Fact]
    public void Token_scopes_are_cut_to_the_owner_and_include_identify_scopes()
    {
        var scopes = TokenScopes.Resolve(["read:users", "read:hub"], Alice, AliceScopes);

        Assert.Equal(
            ["read:users!user=alice", "read:users:activity!user=alice", "read:users:groups!user=alice", "read:users:name!user=alice"],
            scopes.Scopes);
    }

    [Fact]
    public void Empty_token_can_still_identify_its_owner()
    {
        var scopes = TokenScopes.Resolve([], Alice, AliceScopes);

        Assert.Equal(["read:users:groups!user=alice", "read:users:name!user=alice"], scopes.Scopes);
    }

    [Fact]
    public void Service_identify_scope_is_its_name()
    {
        var culler = ScopeOwner.Service("culler");
        var cullerScopes = ExpandedScopes.Expand(["list:users", "read:services:name!service=culler"], culler);

        Assert.Equal(["read:services:name!service=culler"], TokenScopes.Resolve([], culler, cullerScopes).Scopes);
        Assert.Equal(["read:services:name!service=culler"], TokenScopes.IdentifyScopes(culler).Scopes);
    }

    [Fact]
    public void OAuth_token_for_a_singleuser_server_matches_its_access_scopes()
    {
        // what jupyterhub-singleuser intersects with JUPYTERHUB_OAUTH_ACCESS_SCOPES
        var owner = Alice.ViaServer("alice", "");

        var scopes = TokenScopes.Resolve(["access:servers!server=alice/"], owner, AliceScopes);

        string[] accessScopes = ["access:servers!server=alice/", "access:servers!user=alice"];
        Assert.Equal(["access:servers!server=alice/"], scopes.Scopes.Intersect(accessScopes));
        Assert.Contains("read:users:name!user=alice", scopes.Scopes);
    }

    [Fact]
    public void OAuth_token_gets_access_to_its_issuing_server_if_the_owner_may()
    {
        var viaBob = Root.ViaServer("bob", "gpu");

        var scopes = TokenScopes.Resolve(["read:users:name"], viaBob, RootScopes);

        Assert.Contains("access:servers!server=bob/gpu", scopes.Scopes);
        Assert.DoesNotContain("access:servers!server=bob/gpu", TokenScopes.Resolve(["read:users:name"], Alice.ViaServer("bob", "gpu"), AliceScopes).Scopes);
    }

    [Fact]
    public void OAuth_token_of_a_service_gets_access_to_the_service()
    {
        Assert.Equal(["access:services!service=grader"], TokenScopes.AccessScopes(Alice.ViaService("grader")).Scopes);
        Assert.True(TokenScopes.AccessScopes(Alice).IsEmpty);
    }

    [Fact]
    public void Server_token_of_the_server_role()
    {
        var owner = Alice.ViaServer("alice", "");

        var scopes = TokenScopes.Resolve(DefaultRoles.Server.Scopes!.ToList(), owner, AliceScopes);

        Assert.Equal(
            ["access:servers!server=alice/", "read:users:activity!user=alice", "read:users:groups!user=alice", "read:users:name!user=alice", "users:activity!user=alice"],
            scopes.Scopes);
    }

    [Fact]
    public void Requesting_scopes_the_owner_lacks_lists_the_excess()
    {
        var check = TokenScopes.CheckRequested(["read:users"], Alice, AliceScopes);

        Assert.False(check.IsAllowed);
        Assert.Equal(["read:users", "read:users:activity", "read:users:groups", "read:users:name"], check.Excess);
        Assert.Equal("Not assigning requested scopes read:users,read:users:activity,read:users:groups,read:users:name not held by User alice", check.Message);
    }

    [Theory]
    [InlineData]
    [InlineData("inherit")]
    [InlineData("read:users!user=alice")]
    [InlineData("access:servers!server=alice/gpu")]
    [InlineData("self")]
    [InlineData("tokens!user", "inherit")]
    public void Requesting_held_scopes_is_allowed(params string[] requested)
    {
        var check = TokenScopes.CheckRequested(requested, Alice, AliceScopes);

        Assert.True(check.IsAllowed, check.Message);
        Assert.Empty(check.Excess);
    }

    [Fact]
    public void Requesting_a_group_members_scopes_needs_group_membership()
    {
        var teacher = ScopeOwner.User("teacher");
        var owned = ExpandedScopes.Expand(["self", "read:users!group=students"], teacher);

        Assert.True(TokenScopes.CheckRequested(["read:users!user=sam"], teacher, owned, groupsOfUser: GroupsOf).IsAllowed);
        Assert.False(TokenScopes.CheckRequested(["read:users!user=bob"], teacher, owned, groupsOfUser: GroupsOf).IsAllowed);
        Assert.False(TokenScopes.CheckRequested(["read:users!user=sam"], teacher, owned).IsAllowed);
    }

    [Fact]
    public void Service_message_names_the_service()
    {
        var culler = ScopeOwner.Service("culler");

        var check = TokenScopes.CheckRequested(["admin:users"], culler, ExpandedScopes.Expand(["list:users"], culler));

        Assert.StartsWith("Not assigning requested scopes admin:auth_state,admin:users,", check.Message, StringComparison.Ordinal);
        Assert.EndsWith(" not held by Service culler", check.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_requested_keeps_held_scopes_verbatim()
    {
        var result = TokenScopes.ResolveRequested(["users:activity!user", "access:servers!server=alice/", "inherit"], ["self", "inherit"], Alice);

        Assert.Equal(["access:servers!server=alice/", "inherit", "users:activity!user"], result.Allowed.Order(StringComparer.Ordinal));
        Assert.Empty(result.Disallowed);
    }

    [Fact]
    public void Resolve_requested_keeps_the_held_part_of_a_partly_held_scope()
    {
        var result = TokenScopes.ResolveRequested(["read:users", "read:hub"], ["self"], Alice);

        Assert.Equal(["read:hub", "read:users"], result.Disallowed.Order(StringComparer.Ordinal));
        Assert.Equal(
            ["read:users!user=alice", "read:users:activity!user=alice", "read:users:groups!user=alice", "read:users:name!user=alice"],
            result.Allowed.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Resolve_requested_accepts_a_scope_fully_covered_by_allowed_ones()
    {
        // read:users:name!user=alice is implied by read:users!user=alice, which is held verbatim
        var result = TokenScopes.ResolveRequested(["read:users!user=alice", "read:users:name!user=alice"], ["read:users!user=alice"], Alice);

        Assert.Equal(["read:users!user=alice", "read:users:name!user=alice"], result.Allowed.Order(StringComparer.Ordinal));
        Assert.Empty(result.Disallowed);
    }

    [Fact]
    public void Server_token_gets_the_server_role_with_the_server_made_concrete()
    {
        var roles = RoleCatalog.Create([]);

        var result = TokenScopes.ResolveServerTokenScopes(null, "alice", "", ["self"], Alice, roles);

        Assert.Equal(["access:servers!server=alice/", "users:activity!user"], result.Allowed.Order(StringComparer.Ordinal));
        Assert.Empty(result.Disallowed);
        Assert.Equal(
            ["access:servers!server=alice/", "read:users:activity!user=alice", "read:users:groups!user=alice", "read:users:name!user=alice", "users:activity!user=alice"],
            TokenScopes.Resolve(result.Allowed, Alice, AliceScopes).Scopes);
    }

    [Fact]
    public void Server_token_scopes_beyond_the_user_are_cut_and_activity_is_added()
    {
        var roles = RoleCatalog.Create([]);

        var result = TokenScopes.ResolveServerTokenScopes(
            ["shares!server", "servers!server", "users:activity!server"], "alice", "gpu", ["self"], Alice, roles);

        Assert.Equal(["shares!server=alice/gpu"], result.Disallowed);
        Assert.Contains("servers!server=alice/gpu", result.Allowed);
        Assert.Contains("users:activity!server=alice/gpu", result.Allowed);
        Assert.Contains("users:activity!user", result.Allowed);
        Assert.Contains("access:servers!server=alice/gpu", result.Allowed);
        Assert.DoesNotContain("groups:shares!server=alice/gpu", result.Allowed);
    }

    [Fact]
    public void Server_token_of_an_admin_gets_everything_requested()
    {
        var roles = RoleCatalog.Create([]);

        var result = TokenScopes.ResolveServerTokenScopes(["shares!server", "inherit"], "root", "", ["self", .. DefaultRoles.Admin.Scopes!], Root, roles);

        Assert.Equal(["inherit", "shares!server=root/"], result.Allowed.Order(StringComparer.Ordinal));
        Assert.Empty(result.Disallowed);
    }
}
