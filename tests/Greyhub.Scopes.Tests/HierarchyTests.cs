namespace Greyhub.Scopes.Tests;

/// <summary>The 47 scopes of JupyterHub 5.4 and what each one implies, written out from jupyterhub/scopes.py.</summary>
public sealed class HierarchyTests
{
    // scope → the full set it expands to (itself included), transcribed from JupyterHub 5.4 scope_definitions.
    public static readonly IReadOnlyDictionary<string, string[]> Expected = new Dictionary<string, string[]>
    {
        ["(no_scope)"] = ["(no_scope)"],
        ["self"] = ["self"],
        ["inherit"] = ["inherit"],
        ["admin-ui"] = ["admin-ui"],
        ["admin:users"] = ["admin:auth_state", "admin:users", "delete:users", "list:users", "read:roles:users", "read:users", "read:users:activity", "read:users:groups", "read:users:name", "users", "users:activity"],
        ["admin:auth_state"] = ["admin:auth_state"],
        ["users"] = ["list:users", "read:users", "read:users:activity", "read:users:groups", "read:users:name", "users", "users:activity"],
        ["delete:users"] = ["delete:users"],
        ["list:users"] = ["list:users", "read:users:name"],
        ["read:users"] = ["read:users", "read:users:activity", "read:users:groups", "read:users:name"],
        ["read:users:name"] = ["read:users:name"],
        ["read:users:groups"] = ["read:users:groups"],
        ["read:users:activity"] = ["read:users:activity"],
        ["read:roles"] = ["read:roles", "read:roles:groups", "read:roles:services", "read:roles:users"],
        ["read:roles:users"] = ["read:roles:users"],
        ["read:roles:services"] = ["read:roles:services"],
        ["read:roles:groups"] = ["read:roles:groups"],
        ["users:activity"] = ["read:users:activity", "users:activity"],
        ["admin:servers"] = ["admin:server_state", "admin:servers", "delete:servers", "read:servers", "read:users:name", "servers"],
        ["admin:server_state"] = ["admin:server_state"],
        ["servers"] = ["delete:servers", "read:servers", "read:users:name", "servers"],
        ["read:servers"] = ["read:servers", "read:users:name"],
        ["delete:servers"] = ["delete:servers"],
        ["tokens"] = ["read:tokens", "tokens"],
        ["read:tokens"] = ["read:tokens"],
        ["admin:groups"] = ["admin:groups", "delete:groups", "groups", "list:groups", "read:groups", "read:groups:name", "read:roles:groups"],
        ["groups"] = ["groups", "list:groups", "read:groups", "read:groups:name"],
        ["list:groups"] = ["list:groups", "read:groups:name"],
        ["read:groups"] = ["read:groups", "read:groups:name"],
        ["read:groups:name"] = ["read:groups:name"],
        ["delete:groups"] = ["delete:groups"],
        ["admin:services"] = ["admin:services", "list:services", "read:roles:services", "read:services", "read:services:name"],
        ["list:services"] = ["list:services", "read:services:name"],
        ["read:services"] = ["read:services", "read:services:name"],
        ["read:services:name"] = ["read:services:name"],
        ["read:hub"] = ["read:hub"],
        ["access:servers"] = ["access:servers"],
        ["access:services"] = ["access:services"],
        ["users:shares"] = ["read:users:shares", "users:shares"],
        ["read:users:shares"] = ["read:users:shares"],
        ["groups:shares"] = ["groups:shares", "read:groups:shares"],
        ["read:groups:shares"] = ["read:groups:shares"],
        ["read:shares"] = ["read:shares"],
        ["shares"] = ["access:servers", "groups:shares", "read:groups:shares", "read:shares", "read:users:shares", "shares", "users:shares"],
        ["proxy"] = ["proxy"],
        ["shutdown"] = ["shutdown"],
        ["read:metrics"] = ["read:metrics"],
        // Greyhub's own, beyond JupyterHub's: implies nothing, implied by nothing.
        ["read:audit"] = ["read:audit"],
        // Greyhub's datasets.
        ["admin:datasets"] = ["admin:datasets", "read:datasets", "write:datasets"],
        ["write:datasets"] = ["read:datasets", "write:datasets"],
        ["read:datasets"] = ["read:datasets"],
        // Greyhub's Dask clusters: admin:clusters > clusters > read:clusters.
        ["admin:clusters"] = ["admin:clusters", "clusters", "read:clusters"],
        ["clusters"] = ["clusters", "read:clusters"],
        ["read:clusters"] = ["read:clusters"],
    };

    public static TheoryData<string> AllScopes => new(Expected.Keys);

    [Fact]
    public void There_are_exactly_the_47_JupyterHub_5_4_scopes_read_audit_and_the_dataset_and_clusters_scopes()
    {
        var names = ScopeDefinitions.JupyterHub5.All.Select(d => d.Name).Order(StringComparer.Ordinal);
        Assert.Equal(Expected.Keys.Order(StringComparer.Ordinal), names);
        Assert.Equal(54, ScopeDefinitions.JupyterHub5.All.Count);
    }

    [Theory]
    [MemberData(nameof(AllScopes))]
    public void Closure_is_exactly_JupyterHubs(string scope)
    {
        Assert.Equal(Expected[scope].Order(StringComparer.Ordinal), ScopeDefinitions.JupyterHub5.Closure(scope).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(AllScopes))]
    public void Expanding_an_unfiltered_scope_gives_exactly_its_closure(string scope)
    {
        var expanded = ExpandedScopes.Expand([scope], ScopeOwner.Service("svc"));
        // self resolves to nothing for a service; every other scope to its closure
        var expected = scope == "self" ? [] : Expected[scope];
        Assert.Equal(expected.Order(StringComparer.Ordinal), expanded.Scopes);
    }

    [Theory]
    [MemberData(nameof(AllScopes))]
    public void Scopes_implying_a_scope_are_exactly_its_ancestors(string scope)
    {
        // the other direction: holding X grants 'scope' exactly when 'scope' is in X's expected closure
        var expectedParents = Expected.Where(e => e.Value.Contains(scope)).Select(e => e.Key).Order(StringComparer.Ordinal);
        var actualParents = ScopeDefinitions.JupyterHub5.All
            .Where(d => d.Name != "self" && ExpandedScopes.Expand([d.Name], null).HasUnfiltered(scope))
            .Select(d => d.Name)
            .Order(StringComparer.Ordinal);
        Assert.Equal(expectedParents.Where(p => p != "self"), actualParents);
    }

    [Theory]
    [MemberData(nameof(AllScopes))]
    public void Every_scope_has_a_description_and_known_subscopes(string scope)
    {
        Assert.True(ScopeDefinitions.JupyterHub5.TryGet(scope, out var definition));
        Assert.False(string.IsNullOrWhiteSpace(definition.Description));
        Assert.All(definition.Subscopes, s => Assert.True(ScopeDefinitions.JupyterHub5.TryGet(s, out _)));
    }

    [Theory]
    [InlineData("read:users:name", "read:users", "read:servers", "list:users")]
    [InlineData("read:users:activity", "read:users", "users:activity")]
    [InlineData("read:roles:users", "admin:users", "read:roles")]
    [InlineData("read:roles:groups", "admin:groups", "read:roles")]
    [InlineData("access:servers", "shares")]
    public void Documented_exceptions_hold(string scope, params string[] parents)
    {
        foreach (var parent in parents)
        {
            Assert.Contains(scope, ScopeDefinitions.JupyterHub5.Closure(parent));
        }
    }

    [Fact]
    public void Admin_users_does_not_imply_servers_or_tokens()
    {
        var closure = ScopeDefinitions.JupyterHub5.Closure("admin:users");
        Assert.DoesNotContain("servers", closure);
        Assert.DoesNotContain("tokens", closure);
        Assert.DoesNotContain("admin:servers", closure);
    }

    [Fact]
    public void Unknown_scope_cannot_be_expanded()
    {
        var error = Assert.Throws<UnknownScopeException>(() => ExpandedScopes.Expand(["read:nothing"], null));
        Assert.Equal("read:nothing", error.Scope);
    }
}
