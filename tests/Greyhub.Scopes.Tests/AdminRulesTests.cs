namespace Greyhub.Scopes.Tests;

/// <summary>CVE-2024-41942 and GHSA-69wv-m5fw-2fhp.</summary>
public sealed class AdminRulesTests
{
    private static readonly ExpandedScopes Admin = ExpandedScopes.Expand(DefaultRoles.Admin.Scopes!, ScopeOwner.User("root"));
    private static readonly ExpandedScopes UsersAdmin = ExpandedScopes.Expand(["self", "admin:users"], ScopeOwner.User("helper"));
    private static readonly ExpandedScopes GroupAdmin = ExpandedScopes.Expand(["self", "admin:users!group=students", "admin:groups!group=students"], ScopeOwner.User("teacher"));

    [Fact]
    public void Holder_of_admin_users_cannot_make_itself_admin()
    {
        // the scope check passes: admin:users on itself
        Assert.Equal(ScopeDecision.Allowed, UsersAdmin.Check(ResourceRef.User("helper"), "admin:users"));

        var decision = AdminRules.CheckModifyUser(requesterIsAdmin: false, targetIsAdmin: false, requestedAdmin: true);

        Assert.False(decision.IsAllowed);
        Assert.Equal(403, decision.StatusCode);
        Assert.Equal("Only admins can grant admin permissions", decision.Message);
    }

    [Fact]
    public void Holder_of_admin_users_cannot_touch_admins()
    {
        var decision = AdminRules.CheckModifyUser(false, targetIsAdmin: true, requestedAdmin: null);

        Assert.Equal("Only admins can modify other admins", decision.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(null)]
    public void Holder_of_admin_users_may_change_non_admin_fields_of_non_admins(bool? requestedAdmin)
    {
        Assert.True(AdminRules.CheckModifyUser(false, false, requestedAdmin).IsAllowed);
    }

    [Fact]
    public void Admin_may_grant_and_revoke_admin()
    {
        Assert.True(AdminRules.CheckModifyUser(true, true, false).IsAllowed);
        Assert.True(AdminRules.CheckModifyUser(true, false, true).IsAllowed);
        Assert.True(AdminRules.CheckCreateUsers(Admin, true, makeAdmin: true).IsAllowed);
        Assert.True(AdminRules.CheckGrantAdminRole(true).IsAllowed);
    }

    [Fact]
    public void Holder_of_admin_users_may_create_users_but_not_admins()
    {
        Assert.True(AdminRules.CheckCreateUsers(UsersAdmin, false, makeAdmin: false).IsAllowed);
        Assert.Equal("Only admins can grant admin permissions", AdminRules.CheckCreateUsers(UsersAdmin, false, makeAdmin: true).Message);
        Assert.False(AdminRules.CheckGrantAdminRole(false).IsAllowed);
    }

    [Fact]
    public void Filtered_admin_users_cannot_create_users()
    {
        var decision = AdminRules.CheckCreateUsers(GroupAdmin, false, makeAdmin: false);

        Assert.Equal(403, decision.StatusCode);
        Assert.Equal("Action is not authorized with current scopes; requires any of [admin:users]", decision.Message);
        // but it still manages existing members of its group
        Assert.Equal(ScopeDecision.Allowed, GroupAdmin.Check(ResourceRef.User("sam", ["students"]), "admin:users"));
    }

    [Fact]
    public void Filtered_admin_groups_cannot_create_groups()
    {
        Assert.False(AdminRules.CheckCreateGroups(GroupAdmin).IsAllowed);
        Assert.True(AdminRules.CheckCreateGroups(Admin).IsAllowed);
        Assert.Equal(ScopeDecision.Allowed, GroupAdmin.Check(ResourceRef.Group("students"), "groups"));
        Assert.Equal(ScopeDecision.NotFound, GroupAdmin.Check(ResourceRef.Group("staff"), "groups"));
    }

    [Fact]
    public void Holding_the_admin_role_needs_every_admin_scope_unfiltered()
    {
        Assert.True(AdminRules.HoldsAdminRole(Admin));
        Assert.False(AdminRules.HoldsAdminRole(UsersAdmin));
        var filteredAdmin = ExpandedScopes.Expand(DefaultRoles.Admin.Scopes!.Select(s => s + "!group=x"), null);
        Assert.False(AdminRules.HoldsAdminRole(filteredAdmin));
    }
}
