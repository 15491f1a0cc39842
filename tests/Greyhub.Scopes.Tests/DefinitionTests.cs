namespace Greyhub.Scopes.Tests;

public sealed class DefinitionTests
{
    [Theory]
    [InlineData("read:users")]
    [InlineData("read:users!user=alice")]
    [InlineData("read:users!group=students")]
    [InlineData("access:servers!server=alice/")]
    [InlineData("access:servers!server=alice/gpu")]
    [InlineData("access:services!service=grader")]
    [InlineData("users:activity!user")]
    [InlineData("access:servers!server")]
    [InlineData("access:services!service")]
    [InlineData("self")]
    [InlineData("inherit")]
    [InlineData("(no_scope)")]
    public void Known_scopes(string scope)
    {
        Assert.True(ScopeDefinitions.JupyterHub5.IsKnown(scope));
    }

    [Theory]
    [InlineData("read:user")]
    [InlineData("all")]
    [InlineData("read:users!team=x")]
    [InlineData("read:users!group")]
    [InlineData("read:users!user=")]
    [InlineData("access:servers!server=alice")]
    [InlineData("access:servers!server=/gpu")]
    [InlineData("custom:lab:read")]
    [InlineData("start:servers")]
    public void Unknown_scopes(string scope)
    {
        Assert.False(ScopeDefinitions.JupyterHub5.IsKnown(scope));
    }

    [Fact]
    public void Validation_message_names_the_scope_and_who_it_is_for()
    {
        var message = ScopeDefinitions.JupyterHub5.Validate("read:usrs", "role teachers");

        Assert.Equal("Scope 'read:usrs' for role teachers does not exist.", message);
    }

    [Fact]
    public void Validation_explains_the_draft_all_scope()
    {
        Assert.Contains("'inherit'", ScopeDefinitions.JupyterHub5.Validate("all"), StringComparison.Ordinal);
    }

    [Fact]
    public void Validation_explains_server_filter_shape()
    {
        Assert.Contains("user/server", ScopeDefinitions.JupyterHub5.Validate("servers!server=alice"), StringComparison.Ordinal);
    }

    [Fact]
    public void Custom_scopes_are_added_with_their_subscopes()
    {
        var definitions = ScopeDefinitions.WithCustomScopes(
        [
            new("custom:lab:read", "Read the lab", ["custom:lab:read:files"]),
            new("custom:lab:read:files", "Read lab files"),
        ]);

        // JupyterHub's 47, Greyhub's read:audit, three dataset scopes and three clusters scopes, the two custom ones.
        Assert.Equal(56, definitions.All.Count);
        Assert.True(definitions.IsKnown("custom:lab:read!user=alice"));
        var expanded = ExpandedScopes.Expand(["custom:lab:read!group=x"], null, definitions);
        Assert.Equal(["custom:lab:read!group=x", "custom:lab:read:files!group=x"], expanded.Scopes);
        Assert.False(ScopeDefinitions.JupyterHub5.IsKnown("custom:lab:read"));
    }

    [Fact]
    public void No_custom_scopes_gives_the_builtin_catalogue()
    {
        Assert.Same(ScopeDefinitions.JupyterHub5, ScopeDefinitions.WithCustomScopes([]));
    }

    [Theory]
    [InlineData("lab:read", "must start with 'custom:'")]
    [InlineData("custom:Lab", "must start with 'custom:'")]
    [InlineData("custom:lab-", "must start with 'custom:'")]
    [InlineData("custom:lab:", "must start with 'custom:'")]
    [InlineData("custom:-lab", "must start with 'custom:'")]
    [InlineData("custom:a", "must start with 'custom:'")]
    [InlineData("custom:x1", "must start with 'custom:'")]
    [InlineData("custom:lab read", "must start with 'custom:'")]
    [InlineData("read:users", "Cannot redefine built-in scope")]
    public void Invalid_custom_scope_names_are_rejected(string name, string expected)
    {
        var error = Assert.Throws<ScopeConfigurationException>(() => ScopeDefinitions.WithCustomScopes([new(name, "description")]));

        Assert.Contains(expected, Assert.Single(error.Errors), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("custom:lab:*")]
    [InlineData("custom:a_b")]
    [InlineData("custom:x1y")]
    [InlineData("custom:jupyter_server:read:contents")]
    public void Valid_custom_scope_names_are_accepted(string name)
    {
        Assert.True(ScopeDefinitions.WithCustomScopes([new(name, "description")]).IsKnown(name));
    }

    [Fact]
    public void All_custom_scope_problems_are_reported_together()
    {
        var error = Assert.Throws<ScopeConfigurationException>(() => ScopeDefinitions.WithCustomScopes(
        [
            new("custom:a:b", ""),
            new("custom:c:d", "has subscopes", ["read:users", "custom:missing"]),
            new("custom:c:d", "twice"),
        ]));

        Assert.Equal(4, error.Errors.Count);
        Assert.Contains(error.Errors, e => e.Contains("custom:a:b' has no description", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.Contains("non-custom subscope 'read:users'", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.Contains("'custom:missing' of custom scope 'custom:c:d' is not defined", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.Contains("defined twice", StringComparison.Ordinal));
    }

    [Fact]
    public void Cyclic_custom_subscopes_do_not_loop()
    {
        var definitions = ScopeDefinitions.WithCustomScopes(
        [
            new("custom:a:x", "a", ["custom:b:x"]),
            new("custom:b:x", "b", ["custom:a:x"]),
        ]);

        Assert.Equal(["custom:a:x", "custom:b:x"], ExpandedScopes.Expand(["custom:a:x"], null, definitions).Scopes);
    }
}
