namespace Greyhub.Scopes.Tests;

public sealed class ExpansionTests
{
    private static readonly ScopeOwner Alice = ScopeOwner.User("alice", ["students"]);

    [Fact]
    public void Self_for_a_user_is_the_14_self_scopes_read_and_write_datasets_and_the_two_clusters_scopes_filtered_to_the_user()
    {
        var expanded = ExpandedScopes.Expand(["self"], Alice);

        string[] expected =
        [
            "access:servers!user=alice", "clusters!user=alice", "delete:servers!user=alice", "read:clusters!user=alice", "read:datasets!user=alice",
            "read:servers!user=alice", "read:shares!user=alice", "read:tokens!user=alice", "read:users!user=alice", "read:users:activity!user=alice",
            "read:users:groups!user=alice",
            "read:users:name!user=alice", "read:users:shares!user=alice", "servers!user=alice", "tokens!user=alice",
            "users:activity!user=alice", "users:shares!user=alice", "write:datasets!user=alice",
        ];
        Assert.Equal(expected, expanded.Scopes);
    }

    [Fact]
    public void Self_for_a_service_is_nothing()
    {
        Assert.True(ExpandedScopes.Expand(["self"], ScopeOwner.Service("culler")).IsEmpty);
    }

    [Fact]
    public void Self_without_owner_is_nothing()
    {
        Assert.True(ExpandedScopes.Expand(["self"], null).IsEmpty);
    }

    [Fact]
    public void Filter_applies_to_every_subscope()
    {
        var expanded = ExpandedScopes.Expand(["users!group=students"], null);

        Assert.Equal(
            [
                "list:users!group=students", "read:users!group=students", "read:users:activity!group=students",
                "read:users:groups!group=students", "read:users:name!group=students", "users!group=students",
                "users:activity!group=students",
            ],
            expanded.Scopes);
    }

    [Fact]
    public void Server_filter_does_not_pass_to_read_users_subscopes()
    {
        var expanded = ExpandedScopes.Expand(["admin:servers!server=alice/gpu"], Alice);

        Assert.Equal(
            ["admin:server_state!server=alice/gpu", "admin:servers!server=alice/gpu", "delete:servers!server=alice/gpu", "read:servers!server=alice/gpu", "servers!server=alice/gpu"],
            expanded.Scopes);
        Assert.False(expanded.HasAny("read:users:name"));
    }

    [Fact]
    public void Self_referencing_user_filter_becomes_the_owner()
    {
        var expanded = ExpandedScopes.Expand(["users:activity!user"], Alice);

        Assert.Equal(["read:users:activity!user=alice", "users:activity!user=alice"], expanded.Scopes);
    }

    [Fact]
    public void Self_referencing_user_filter_vanishes_for_a_service()
    {
        Assert.True(ExpandedScopes.Expand(["users:activity!user"], ScopeOwner.Service("culler")).IsEmpty);
    }

    [Fact]
    public void Self_referencing_server_filter_becomes_the_oauth_server()
    {
        var owner = Alice.ViaServer("alice", "");

        var expanded = ExpandedScopes.Expand(["access:servers!server", "users:activity!user"], owner);

        Assert.Equal(["access:servers!server=alice/", "read:users:activity!user=alice", "users:activity!user=alice"], expanded.Scopes);
    }

    [Fact]
    public void Self_referencing_server_filter_vanishes_without_an_oauth_client()
    {
        Assert.True(ExpandedScopes.Expand(["access:servers!server"], Alice).IsEmpty);
    }

    [Fact]
    public void Self_referencing_service_filter_becomes_the_owning_service_or_the_issuing_one()
    {
        Assert.Equal(["access:services!service=culler"], ExpandedScopes.Expand(["access:services!service"], ScopeOwner.Service("culler")).Scopes);
        Assert.Equal(["access:services!service=grader"], ExpandedScopes.Expand(["access:services!service"], Alice.ViaService("grader")).Scopes);
        Assert.Equal(["access:services!service=grader"], ExpandedScopes.Expand(["access:services!service"], ScopeOwner.Service("culler").ViaService("grader")).Scopes);
        Assert.True(ExpandedScopes.Expand(["access:services!service"], Alice).IsEmpty);
    }

    [Fact]
    public void Unfiltered_scope_absorbs_filtered_forms()
    {
        var expanded = ExpandedScopes.Expand(["read:users!user=bob", "read:users", "self"], Alice);

        Assert.True(expanded.HasUnfiltered("read:users"));
        Assert.DoesNotContain("read:users!user=alice", expanded.Scopes);
        Assert.DoesNotContain("read:users!user=bob", expanded.Scopes);
        Assert.Contains("servers!user=alice", expanded.Scopes);
    }

    [Fact]
    public void Inherit_is_replaced_by_the_owners_scopes_when_given()
    {
        var ownerScopes = ExpandedScopes.Expand(["self", "read:hub"], Alice);

        var expanded = ExpandedScopes.Expand(["inherit"], Alice, inherit: ownerScopes);

        Assert.Equal(ownerScopes, expanded);
    }

    [Fact]
    public void Inherit_stays_literal_without_owner_scopes()
    {
        Assert.Equal(["inherit"], ExpandedScopes.Expand(["inherit"], Alice).Scopes);
    }

    [Fact]
    public void Scope_strings_are_sorted_ordinally_like_python()
    {
        var expanded = ExpandedScopes.Expand(["read:hub", "access:servers!user=alice", "access:servers!server=alice/"], Alice);

        Assert.Equal(["access:servers!server=alice/", "access:servers!user=alice", "read:hub"], expanded.Scopes);
    }

    [Fact]
    public void Parse_rejects_unexpanded_and_empty_filters()
    {
        Assert.Throws<FormatException>(() => ExpandedScopes.Parse(["read:users!user"]));
        Assert.Throws<FormatException>(() => ExpandedScopes.Parse(["read:users!user="]));
        Assert.Throws<FormatException>(() => ExpandedScopes.Parse(["read:users!team=x"]));
    }

    [Fact]
    public void Parse_round_trips_the_string_form()
    {
        string[] scopes = ["access:servers!server=alice/", "access:servers!user=alice", "read:users!group=x", "read:users!user=bob"];

        var parsed = ExpandedScopes.Parse(scopes);

        Assert.Equal(scopes, parsed.Scopes);
        Assert.Equal(parsed, ExpandedScopes.Parse(scopes.Reverse()));
        Assert.Equal(parsed.GetHashCode(), ExpandedScopes.Parse(scopes.Reverse()).GetHashCode());
    }

    [Fact]
    public void Union_reduces()
    {
        var a = ExpandedScopes.Parse(["read:users!user=alice"]);
        var b = ExpandedScopes.Parse(["read:users"]);

        Assert.Equal(["read:users"], a.Union(b).Scopes);
    }
}
