namespace Greyhub.Scopes.Tests;

public sealed class ScopeFilterTests
{
    private static readonly ExpandedScopes Scopes = ExpandedScopes.Parse(
        ["list:users!user=ann", "list:users!group=students", "servers!server=bob/gpu", "read:hub", "access:services!service=grader"]);

    [Fact]
    public void Not_held_and_unfiltered()
    {
        Assert.False(Scopes.FilterFor("proxy").IsHeld);
        Assert.Same(ScopeFilter.NotHeld, Scopes.FilterFor("proxy"));
        Assert.Same(ScopeFilter.Unfiltered, Scopes.FilterFor("read:hub"));
        Assert.False(ScopeFilter.NotHeld.Matches(ResourceRef.User("x")));
        Assert.True(ScopeFilter.Unfiltered.Matches(ResourceRef.Group("x")));
    }

    [Fact]
    public void List_filter_gives_the_sets_for_a_database_query()
    {
        var filter = Scopes.FilterFor("list:users");

        Assert.Equal(["ann"], filter.Users);
        Assert.Equal(["students"], filter.Groups);
        Assert.Empty(filter.Servers);
        Assert.True(filter.HasGroupFilters);
        Assert.True(filter.Matches(ResourceRef.User("ann")));
        Assert.True(filter.Matches(ResourceRef.User("sam", ["students"])));
        Assert.False(filter.Matches(ResourceRef.User("bob", ["staff"])));
    }

    [Fact]
    public void Server_filter_matches_exactly_that_server()
    {
        var filter = Scopes.FilterFor("servers");

        Assert.True(filter.Matches(ResourceRef.Server("bob", "gpu")));
        Assert.False(filter.Matches(ResourceRef.Server("bob", "")));
        Assert.False(filter.Matches(ResourceRef.Server("bob", "gpu2")));
        Assert.False(filter.Matches(ResourceRef.User("bob")));
    }

    [Fact]
    public void Long_server_names_still_match()
    {
        var name = new string('s', 1000);
        var filter = ExpandedScopes.Parse([$"servers!server=bob/{name}"]).FilterFor("servers");

        Assert.True(filter.Matches(ResourceRef.Server("bob", name)));
        Assert.False(filter.Matches(ResourceRef.Server("bob", name + "x")));
    }

    [Fact]
    public void Services_and_groups_match_by_name_only()
    {
        Assert.True(Scopes.CanAccess("access:services", ResourceRef.Service("grader")));
        Assert.False(Scopes.CanAccess("access:services", ResourceRef.Service("culler")));
        // as in has_scope: a group target is matched against !group= filters by name, whatever the scope
        Assert.True(Scopes.CanAccess("list:users", ResourceRef.Group("students")));
        Assert.False(Scopes.CanAccess("list:users", ResourceRef.Group("staff")));
        Assert.False(Scopes.CanAccess("list:users", ResourceRef.Service("ann")));
    }

    [Fact]
    public void Filter_sets_are_read_only()
    {
        var filter = Scopes.FilterFor("list:users");

        Assert.IsNotType<HashSet<string>>(filter.Users);
        Assert.IsNotType<HashSet<string>>(filter.Groups);
        Assert.IsNotType<HashSet<string>>(ScopeFilter.NotHeld.Users);
    }

    [Fact]
    public void Scope_strings_of_a_filter()
    {
        Assert.Equal(["list:users!user=ann", "list:users!group=students"], Scopes.FilterFor("list:users").ToScopeStrings("list:users"));
        Assert.Equal(["read:hub"], Scopes.FilterFor("read:hub").ToScopeStrings("read:hub"));
        Assert.Empty(ScopeFilter.NotHeld.ToScopeStrings("x"));
    }

    [Fact]
    public void Contains_is_exact_string_membership()
    {
        Assert.True(Scopes.Contains("servers!server=bob/gpu"));
        Assert.False(Scopes.Contains("servers"));
        Assert.Equal(5, Scopes.Count);
    }

    [Fact]
    public void Bang_without_filter_is_unfiltered_as_in_JupyterHub()
    {
        Assert.Equal(["read:hub"], ExpandedScopes.Expand(["read:hub!"], null).Scopes);
    }
}
