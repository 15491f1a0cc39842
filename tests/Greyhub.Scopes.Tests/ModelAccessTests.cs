namespace Greyhub.Scopes.Tests;

public sealed class ModelAccessTests
{
    private static readonly ResourceRef Alice = ResourceRef.User("alice");
    private static readonly ResourceRef Bob = ResourceRef.User("bob", ["students"]);

    private static ModelAccess For(string[] scopes, ResourceRef target, string owner = "alice") =>
        ExpandedScopes.Expand(scopes, ScopeOwner.User(owner)).ModelAccessFor(target);

    [Fact]
    public void Name_only()
    {
        Assert.Equal(ModelFields.Name | ModelFields.Admin, For(["read:users:name"], Bob).Fields);
    }

    [Fact]
    public void Groups_only()
    {
        Assert.Equal(ModelFields.Name | ModelFields.Groups, For(["read:users:groups"], Bob).Fields);
    }

    [Fact]
    public void Activity_only()
    {
        Assert.Equal(ModelFields.Name | ModelFields.LastActivity, For(["users:activity"], Bob).Fields);
    }

    [Fact]
    public void Read_servers_gives_names_and_the_servers_key()
    {
        var access = For(["read:servers"], Bob);

        Assert.True(access.Servers);
        Assert.True(access.Admin); // read:servers implies read:users:name
        Assert.False(access.Groups);
        Assert.False(access.Server);
    }

    [Fact]
    public void Self_shows_the_own_model_without_auth_state_and_nothing_of_others()
    {
        var own = For(["self"], Alice);

        Assert.True(own.Has(ModelFields.Name | ModelFields.Admin | ModelFields.Roles | ModelFields.Groups | ModelFields.Server
            | ModelFields.Pending | ModelFields.Created | ModelFields.LastActivity | ModelFields.Servers));
        Assert.False(own.AuthState);
        Assert.False(For(["self"], Bob).Any);
    }

    [Fact]
    public void Admin_sees_auth_state_and_roles()
    {
        var access = For(DefaultRoles.Admin.Scopes!.ToArray(), Bob, "root");

        Assert.True(access.AuthState);
        Assert.True(access.Roles);
        Assert.True(access.Servers);
    }

    [Fact]
    public void Group_filtered_read_applies_through_membership()
    {
        Assert.True(For(["read:users!group=students"], Bob).LastActivity);
        Assert.False(For(["read:users!group=students"], Alice).Any);
    }

    [Fact]
    public void Group_and_service_models()
    {
        Assert.Equal(ModelFields.Name, For(["list:groups"], ResourceRef.Group("x")).Fields);
        Assert.Equal(ModelFields.Name | ModelFields.Members, For(["read:groups"], ResourceRef.Group("x")).Fields);
        Assert.Equal(ModelFields.Name | ModelFields.Roles, For(["read:roles:groups"], ResourceRef.Group("x")).Fields);
        Assert.Equal(ModelFields.Name | ModelFields.Admin, For(["list:services"], ResourceRef.Service("s")).Fields);
        Assert.True(For(["read:services"], ResourceRef.Service("s")).ServiceDetails);
        Assert.False(For(["read:services!service=t"], ResourceRef.Service("s")).Any);
    }

    [Fact]
    public void Servers_have_no_model_access()
    {
        var scopes = ExpandedScopes.Expand(["read:servers"], null);

        Assert.Throws<ArgumentException>(() => scopes.ModelAccessFor(ResourceRef.Server("a", "")));
    }
}
