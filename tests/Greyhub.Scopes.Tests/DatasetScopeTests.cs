namespace Greyhub.Scopes.Tests;

/// <summary>Greyhub's dataset scopes: <c>!dataset=</c>, a dataset admitted by its owner and by the groups that may read it.</summary>
public sealed class DatasetScopeTests
{
    private static readonly ResourceRef Ocean = ResourceRef.Dataset("ocean", "ann", ["climate"]);

    [Fact]
    public void Dataset_filter_admits_the_named_dataset_only()
    {
        var scopes = ExpandedScopes.Expand(["read:datasets!dataset=ocean"], null);
        Assert.Equal(["read:datasets!dataset=ocean"], scopes.Scopes);
        Assert.True(scopes.CanAccess("read:datasets", Ocean));
        Assert.False(scopes.CanAccess("read:datasets", ResourceRef.Dataset("air", "ann", ["climate"])));
    }

    [Fact]
    public void User_and_group_filters_admit_owned_and_shared_datasets()
    {
        var scopes = ExpandedScopes.Parse(["read:datasets!user=ann", "read:datasets!group=staff"]);
        Assert.True(scopes.CanAccess("read:datasets", Ocean));
        Assert.True(scopes.CanAccess("read:datasets", ResourceRef.Dataset("air", "bob", ["staff", "x"])));
        Assert.False(scopes.CanAccess("read:datasets", ResourceRef.Dataset("air", "bob", ["climate"])));
        Assert.False(scopes.CanAccess("read:datasets", ResourceRef.Dataset("air", null, [])));
    }

    [Fact]
    public void Self_reads_own_datasets_and_as_the_reader_those_shared_with_the_users_groups()
    {
        var alice = ExpandedScopes.Expand(["self"], ScopeOwner.User("alice", ["climate"]));
        Assert.Contains("read:datasets!user=alice", alice.Scopes);
        Assert.DoesNotContain(alice.Scopes, s => s.StartsWith("admin:datasets", StringComparison.Ordinal));
        Assert.True(alice.CanAccess("read:datasets", ResourceRef.Dataset("ocean", "ann", ["climate"], reader: "alice")));
        Assert.False(alice.CanAccess("read:datasets", ResourceRef.Dataset("ocean", "ann", ["climate"], reader: "zed")));
        Assert.False(alice.CanAccess("read:datasets", Ocean));   // not asked as a member of climate
        Assert.True(alice.CanAccess("read:datasets", ResourceRef.Dataset("mine", "alice", [])));
        Assert.False(alice.CanAccess("read:datasets", ResourceRef.Dataset("theirs", "bob", ["staff"])));
        // Self does not depend on groups, so the expansion cache may ignore them.
        Assert.Equal(alice.Scopes, ExpandedScopes.Expand(["self"], ScopeOwner.User("alice", ["other"])).Scopes);
    }

    [Fact]
    public void Admin_role_holds_admin_datasets_which_implies_read()
    {
        var admin = ExpandedScopes.Expand(DefaultRoles.Admin.Scopes!, ScopeOwner.User("root"));
        Assert.True(admin.FilterFor("admin:datasets").IsUnfiltered);
        Assert.True(admin.FilterFor("read:datasets").IsUnfiltered);
    }

    [Fact]
    public void A_token_limited_to_one_dataset_keeps_it_when_the_owner_reads_everything()
    {
        var owner = ExpandedScopes.Parse(["read:datasets"]);
        var token = ExpandedScopes.Parse(["read:datasets!dataset=ocean"]);
        var both = ExpandedScopes.Intersect(token, owner);
        Assert.Equal(["read:datasets!dataset=ocean"], both.Scopes);
    }

    [Fact]
    public void Unknown_filter_kinds_are_still_refused()
    {
        Assert.Throws<FormatException>(() => ExpandedScopes.Expand(["read:datasets!table=x"], null));
    }

    [Fact]
    public void Write_implies_read_admin_implies_write_and_self_writes_what_the_user_owns_or_is_a_writer_of()
    {
        var writer = ExpandedScopes.Expand(["write:datasets!group=staff"], null);
        Assert.Equal(["read:datasets!group=staff", "write:datasets!group=staff"], writer.Scopes);
        var admin = ExpandedScopes.Expand(["admin:datasets"], null);
        Assert.Contains("write:datasets", admin.Scopes);
        Assert.Contains("read:datasets", admin.Scopes);

        var alice = ExpandedScopes.Expand(["self"], ScopeOwner.User("alice", ["staff"]));
        Assert.Contains("write:datasets!user=alice", alice.Scopes);
        // The target names the write groups, and alice as the writer when she is in one of them.
        Assert.True(alice.CanAccess("write:datasets", ResourceRef.Dataset("ocean", "ann", ["staff"], reader: "alice")));
        Assert.True(alice.CanAccess("write:datasets", ResourceRef.Dataset("mine", "alice", [])));
        Assert.False(alice.CanAccess("write:datasets", ResourceRef.Dataset("ocean", "ann", ["staff"])));
    }
}
