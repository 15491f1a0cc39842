namespace Greyhub.Scopes.Tests;

public sealed class RoleTests
{
    [Fact]
    public void Default_roles_are_JupyterHub_5s()
    {
        var catalog = RoleCatalog.Create([]);

        Assert.Equal(["admin", "server", "token", "user"], catalog.Roles.Select(r => r.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["self"], DefaultRoles.User.Scopes);
        Assert.Equal(["inherit"], DefaultRoles.Token.Scopes);
        Assert.Equal(["users:activity!user", "access:servers!server"], DefaultRoles.Server.Scopes);
        // JupyterHub's 16, Greyhub's read:audit, admin:datasets and admin:clusters.
        Assert.Equal(19, DefaultRoles.Admin.Scopes!.Count);
        Assert.Contains("read:audit", DefaultRoles.Admin.Scopes);
        Assert.Contains("admin:clusters", DefaultRoles.Admin.Scopes);
        Assert.Contains("admin:services", DefaultRoles.Admin.Scopes);
        Assert.Contains("shares", DefaultRoles.Admin.Scopes);
        Assert.All(DefaultRoles.All.SelectMany(r => r.Scopes!), s => Assert.True(ScopeDefinitions.JupyterHub5.IsKnown(s), s));
    }

    [Fact]
    public void Admin_role_expands_to_every_scope_except_metascopes()
    {
        var scopes = RoleCatalog.Create([]).ExpandFor(["admin"], ScopeOwner.User("root"));

        var expected = ScopeDefinitions.JupyterHub5.All.Select(d => d.Name)
            .Where(n => n is not ("self" or "inherit" or "(no_scope)"))
            .Order(StringComparer.Ordinal);
        Assert.Equal(expected, scopes.Scopes);
        Assert.True(AdminRules.HoldsAdminRole(scopes));
    }

    [Fact]
    public void Default_role_scopes_can_be_redefined_and_description_kept()
    {
        var catalog = RoleCatalog.Create([new RoleDefinition("user") { Scopes = ["self", "read:users:name"] }]);

        Assert.True(catalog.TryGet("user", out var user));
        Assert.Equal(["self", "read:users:name"], user.Scopes);
        Assert.Equal(DefaultRoles.User.Description, user.Description);
    }

    [Fact]
    public void Admin_role_may_be_assigned_but_not_changed()
    {
        var catalog = RoleCatalog.Create([new RoleDefinition("admin") { Users = ["root"] }]);
        Assert.True(catalog.TryGet("admin", out var admin));
        Assert.Equal(DefaultRoles.Admin.Scopes, admin.Scopes);
        Assert.Equal(["root"], admin.Users);

        RoleCatalog.Create([new RoleDefinition("admin") { Scopes = DefaultRoles.Admin.Scopes }]);

        var error = Assert.Throws<ScopeConfigurationException>(() =>
            RoleCatalog.Create([new RoleDefinition("admin") { Scopes = ["read:hub"], Description = "mine" }]));
        Assert.Equal(2, error.Errors.Count);
        Assert.All(error.Errors, e => Assert.Contains("admin role", e, StringComparison.Ordinal));
    }

    [Fact]
    public void Unknown_scope_error_names_role_and_scope()
    {
        var error = Assert.Throws<ScopeConfigurationException>(() =>
            RoleCatalog.Create([new RoleDefinition("teachers") { Scopes = ["read:users", "read:usrs!group=x"] }]));

        Assert.Equal("Scope 'read:usrs!group=x' for role teachers does not exist.", Assert.Single(error.Errors));
        Assert.Contains("read:usrs!group=x", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Custom_scopes_are_usable_in_roles_with_their_catalogue()
    {
        var definitions = ScopeDefinitions.WithCustomScopes([new("custom:lab:read", "Read the lab")]);

        var catalog = RoleCatalog.Create([new RoleDefinition("lab-readers") { Scopes = ["custom:lab:read!group=x"] }], definitions);

        Assert.Equal(["custom:lab:read!group=x"], catalog.ExpandFor(["lab-readers"], ScopeOwner.User("a")).Scopes);
        Assert.Throws<ScopeConfigurationException>(() =>
            RoleCatalog.Create([new RoleDefinition("lab-readers") { Scopes = ["custom:lab:read"] }]));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("a-b.c~d_e9")]
    [InlineData("idle-culler")]
    public void Valid_role_names(string name)
    {
        Assert.Null(RoleCatalog.ValidateName(name));
    }

    [Fact]
    public void Role_name_length_limits()
    {
        Assert.Null(RoleCatalog.ValidateName("a" + new string('b', 254)));
        Assert.NotNull(RoleCatalog.ValidateName("a" + new string('b', 255)));
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("1abc")]
    [InlineData("Abc")]
    [InlineData("abc-")]
    [InlineData("abc.")]
    [InlineData("a b c")]
    [InlineData("abc\n")]
    [InlineData("")]
    [InlineData(null)]
    public void Invalid_role_names(string? name)
    {
        Assert.Contains("3-255 characters", RoleCatalog.ValidateName(name), StringComparison.Ordinal);
    }

    [Fact]
    public void All_role_problems_are_reported_together()
    {
        var error = Assert.Throws<ScopeConfigurationException>(() => RoleCatalog.Create(
        [
            new RoleDefinition("X") { Scopes = ["read:hub"] },
            new RoleDefinition("ok-role") { Scopes = ["nope"] },
            new RoleDefinition("twice") { Scopes = ["read:hub"] },
            new RoleDefinition("twice") { Scopes = ["proxy"] },
        ]));

        Assert.Equal(3, error.Errors.Count);
        Assert.Contains(error.Errors, e => e.StartsWith("Invalid role name 'X'", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e == "Scope 'nope' for role ok-role does not exist.");
        Assert.Contains(error.Errors, e => e == "Role 'twice' is defined more than once.");
    }

    [Fact]
    public void Raw_scopes_of_several_roles_are_merged_and_unknown_roles_rejected()
    {
        var catalog = RoleCatalog.Create([new RoleDefinition("reader") { Scopes = ["read:hub", "self"] }]);

        Assert.Equal(["read:hub", "self"], catalog.RawScopes(["user", "reader"]).Order(StringComparer.Ordinal));
        Assert.Throws<KeyNotFoundException>(() => catalog.RawScopes(["missing"]));
    }

    [Fact]
    public void Default_role_names()
    {
        Assert.True(DefaultRoles.IsDefault("token"));
        Assert.False(DefaultRoles.IsDefault("teachers"));
    }
}
