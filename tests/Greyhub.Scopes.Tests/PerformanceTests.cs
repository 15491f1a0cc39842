namespace Greyhub.Scopes.Tests;

public sealed class PerformanceTests
{
    [Fact]
    public void Checks_do_not_allocate()
    {
        var scopes = ExpandedScopes.Expand(["self", "admin:servers!group=students", "read:users!server=x/y", "access:servers!server=bob/gpu"], ScopeOwner.User("alice"));
        string[] groups = ["students"];
        var server = ResourceRef.Server("bob", "gpu", groups);
        var user = ResourceRef.User("sam", groups);
        var other = ResourceRef.Server("carol", "", []);
        Warm();

        var before = GC.GetAllocatedBytesForCurrentThread();
        var allowed = 0;
        for (var i = 0; i < 1000; i++)
        {
            allowed += scopes.CanAccess("access:servers", server) ? 1 : 0;
            allowed += scopes.CanAccess("servers", user) ? 1 : 0;
            allowed += scopes.Check(other, "servers", "read:servers") == ScopeDecision.NotFound ? 1 : 0;
            allowed += scopes.ModelAccessFor(user).Servers ? 1 : 0;
            allowed += scopes.HasAny("read:users") ? 1 : 0;
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(5000, allowed);

        void Warm()
        {
            scopes.CanAccess("access:servers", server);
            scopes.Check(other, "servers", "read:servers");
            scopes.ModelAccessFor(user);
        }
    }
}
