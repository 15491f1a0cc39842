namespace Greyhub.Scopes.Tests;

public sealed class IntersectionTests
{
    private static readonly Dictionary<string, string[]> Groups = new()
    {
        ["sam"] = ["students"],
        ["bob"] = ["staff"],
        ["ann"] = ["students", "staff"],
    };

    private static IReadOnlyCollection<string> GroupsOf(string user) => Groups.TryGetValue(user, out var groups) ? groups : [];

    private static ExpandedScopes P(params string[] scopes) => ExpandedScopes.Parse(scopes);

    [Fact]
    public void Filtered_owner_scope_cuts_an_unfiltered_token_scope_to_the_filter()
    {
        var owner = ExpandedScopes.Expand(["read:users!group=x"], null);
        var token = ExpandedScopes.Expand(["read:users"], null);

        var result = ExpandedScopes.Intersect(token, owner, GroupsOf);

        Assert.Equal(
            ["read:users!group=x", "read:users:activity!group=x", "read:users:groups!group=x", "read:users:name!group=x"],
            result.Scopes);
    }

    [Fact]
    public void Unfiltered_on_both_sides_stays_unfiltered_and_one_sided_scopes_are_dropped()
    {
        var result = ExpandedScopes.Intersect(P("read:hub", "proxy"), P("read:hub", "shutdown"));

        Assert.Equal(["read:hub"], result.Scopes);
    }

    [Fact]
    public void Common_filter_values_are_kept()
    {
        var result = ExpandedScopes.Intersect(P("read:users!group=x", "read:users!group=y"), P("read:users!group=y", "read:users!user=z"));

        Assert.Equal(["read:users!group=y"], result.Scopes);
    }

    [Fact]
    public void Different_users_give_nothing()
    {
        Assert.True(ExpandedScopes.Intersect(P("read:users!user=alice"), P("read:users!user=bob")).IsEmpty);
    }

    [Fact]
    public void A_user_in_the_other_sides_group_is_kept_both_ways()
    {
        var token = P("read:users!user=sam", "read:users!user=bob");
        var owner = P("read:users!group=students");

        Assert.Equal(["read:users!user=sam"], ExpandedScopes.Intersect(token, owner, GroupsOf).Scopes);
        Assert.Equal(["read:users!user=sam"], ExpandedScopes.Intersect(owner, token, GroupsOf).Scopes);
    }

    [Fact]
    public void Without_group_membership_user_and_group_filters_do_not_meet()
    {
        // JupyterHub without a db: fewer permissions, never more
        Assert.True(ExpandedScopes.Intersect(P("users!user=sam"), P("users!group=students")).IsEmpty);
    }

    [Fact]
    public void A_server_of_a_user_the_other_side_admits_is_kept()
    {
        var token = P("access:servers!server=alice/", "access:servers!server=bob/gpu");
        var owner = P("access:servers!user=alice");

        Assert.Equal(["access:servers!server=alice/"], ExpandedScopes.Intersect(token, owner).Scopes);
        Assert.Equal(["access:servers!server=alice/"], ExpandedScopes.Intersect(owner, token).Scopes);
    }

    [Fact]
    public void A_server_of_a_group_member_is_kept_with_group_membership()
    {
        var token = P("access:servers!server=sam/", "access:servers!server=bob/");
        var owner = P("access:servers!group=students");

        Assert.Equal(["access:servers!server=sam/"], ExpandedScopes.Intersect(token, owner, GroupsOf).Scopes);
        Assert.True(ExpandedScopes.Intersect(token, owner).IsEmpty);
    }

    [Fact]
    public void Group_lookups_are_made_once_per_user()
    {
        var calls = new List<string>();
        IReadOnlyCollection<string> Counting(string user)
        {
            calls.Add(user);
            return GroupsOf(user);
        }

        ExpandedScopes.Intersect(
            P("read:users!user=sam", "access:servers!server=sam/", "access:servers!server=sam/gpu"),
            P("read:users!group=students", "access:servers!group=students"),
            Counting);

        Assert.Equal(["sam"], calls);
    }

    [Fact]
    public void Unrelated_filter_kinds_give_nothing()
    {
        Assert.True(ExpandedScopes.Intersect(P("access:services!service=a"), P("access:services!group=x"), GroupsOf).IsEmpty);
    }

    [Fact]
    public void Intersection_is_symmetric_on_a_mixed_example()
    {
        var a = P("read:users!group=students", "read:users!user=bob", "servers!server=ann/", "read:hub", "tokens!user=sam");
        var b = P("read:users!user=sam", "read:users!user=ann", "servers!group=staff", "read:hub!user=x", "tokens");

        var ab = ExpandedScopes.Intersect(a, b, GroupsOf);
        var ba = ExpandedScopes.Intersect(b, a, GroupsOf);

        Assert.Equal(ab, ba);
        Assert.Equal(
            ["read:hub!user=x", "read:users!user=ann", "read:users!user=sam", "servers!server=ann/", "tokens!user=sam"],
            ab.Scopes);
    }

    [Fact]
    public void Token_never_exceeds_owner()
    {
        var owner = ExpandedScopes.Expand(["self", "read:users!group=students"], ScopeOwner.User("teacher"));
        var token = ExpandedScopes.Expand(["admin:users", "admin:servers", "read:hub"], ScopeOwner.User("teacher"));

        var result = ExpandedScopes.Intersect(token, owner, GroupsOf);

        // every allowed scope string is allowed by the owner for every resource it names
        foreach (var scope in result.Scopes)
        {
            var single = ExpandedScopes.Parse([scope]);
            Assert.Equal(single, ExpandedScopes.Intersect(single, owner, GroupsOf));
        }

        Assert.False(result.HasAny("read:hub"));
        Assert.False(result.HasAny("admin:auth_state"));
        Assert.True(result.CanAccess("read:users", ResourceRef.User("sam", ["students"])));
        Assert.False(result.CanAccess("read:users", ResourceRef.User("bob", ["staff"])));
    }
}
