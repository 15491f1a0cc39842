namespace Greyhub.Scopes.Tests;

public sealed class HelperTests
{
    [Fact]
    public void Cache_returns_the_same_expansion_for_the_same_scopes_and_owner()
    {
        var cache = new ExpansionCache(ScopeDefinitions.JupyterHub5);

        var first = cache.Expand(["self", "read:hub"], ScopeOwner.User("alice", ["a"]));
        var again = cache.Expand(["read:hub", "self", "self"], ScopeOwner.User("alice", ["b"]));
        var other = cache.Expand(["self", "read:hub"], ScopeOwner.User("bob"));
        var viaServer = cache.Expand(["self", "read:hub"], ScopeOwner.User("alice").ViaServer("alice", ""));

        Assert.Same(first, again);
        Assert.NotEqual(first, other);
        Assert.NotSame(first, viaServer);
        Assert.Equal(3, cache.Count);
        Assert.Equal(ExpandedScopes.Expand(["self", "read:hub"], ScopeOwner.User("alice")), first);
    }

    [Fact]
    public void Cache_starts_afresh_when_full()
    {
        var cache = new ExpansionCache(ScopeDefinitions.JupyterHub5, capacity: 2);

        cache.Expand(["self"], ScopeOwner.User("a"));
        cache.Expand(["self"], ScopeOwner.User("b"));
        cache.Expand(["self"], ScopeOwner.User("c"));

        Assert.Equal(1, cache.Count);
        cache.Clear();
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void Group_lookups_needed_are_the_users_and_server_owners_facing_group_filters()
    {
        var token = ExpandedScopes.Parse(["read:users!user=sam", "access:servers!server=ann/gpu", "tokens!user=zed", "proxy!user=x"]);
        var owner = ExpandedScopes.Parse(["read:users!group=students", "access:servers!group=staff", "tokens!user=zed", "proxy"]);

        Assert.Equal(["ann", "sam"], ExpandedScopes.GroupLookupsFor(token, owner).Order(StringComparer.Ordinal));
        Assert.Empty(ExpandedScopes.GroupLookupsFor(owner, ExpandedScopes.Parse(["proxy!user=x"])));
    }

    [Fact]
    public void Owner_groups_are_used_when_no_lookup_is_given()
    {
        var alice = ScopeOwner.User("alice", ["students"]);
        var owned = ExpandedScopes.Expand(["servers!group=students"], alice);

        Assert.True(TokenScopes.CheckRequested(["servers!user=alice"], alice, owned).IsAllowed);
        Assert.Contains("servers!user=alice", TokenScopes.Resolve(["servers!user=alice"], alice, owned).Scopes);
        Assert.False(TokenScopes.CheckRequested(["servers!user=sam"], alice, owned).IsAllowed);
    }

    [Fact]
    public void Describe_expanded_scopes_for_the_consent_page()
    {
        var scopes = ExpandedScopes.Parse(["read:users!user=alice", "read:users!group=x", "access:servers!server=a/", "access:servers!server=b/", "read:hub"]);

        var lines = ScopeDescriptions.Describe(scopes, "alice");

        Assert.Equal(["access:servers", "read:hub", "read:users"], lines.Select(l => l.Scope));
        Assert.Equal("servers: a/, b/", lines[0].Filter);
        Assert.Equal("", lines[1].Filter);
        Assert.Equal("only you; or group: x", lines[2].Filter);
        Assert.All(lines, l => Assert.False(string.IsNullOrEmpty(l.Description)));
        Assert.Equal("user: alice; or group: x", ScopeDescriptions.Describe(scopes, "bob")[2].Filter);
    }

    [Fact]
    public void Describe_raw_scopes()
    {
        var lines = ScopeDescriptions.DescribeRaw(["read:users!user", "read:users!user=alice", "access:servers!group=x", "servers!server=b/", "read:hub"], "alice");

        Assert.Equal(["only you", "only you", "users in group x", "server b/", ""], lines.Select(l => l.Filter));
        Assert.Equal("user bob", ScopeDescriptions.DescribeRaw(["read:users!user=bob"], "alice")[0].Filter);
    }
}
