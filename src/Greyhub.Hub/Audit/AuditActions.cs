namespace Greyhub.Hub.Audit;

/// <summary>
/// The actions the audit log records. Names are stable (operators filter on them); a prefix ending with a dot
/// (<c>server.</c>) selects a family.
/// </summary>
internal static class AuditActions
{
    public const string LoginSuccess = "login.success";
    public const string LoginFailure = "login.failure";
    public const string Logout = "logout";
    public const string TokenCreate = "token.create";
    public const string TokenRevoke = "token.revoke";
    public const string UserCreate = "user.create";
    public const string UserDelete = "user.delete";
    public const string UserRename = "user.rename";
    public const string UserAdmin = "user.admin";
    public const string GroupCreate = "group.create";
    public const string GroupDelete = "group.delete";
    public const string GroupMembersAdd = "group.members.add";
    public const string GroupMembersRemove = "group.members.remove";
    public const string GroupProperties = "group.properties";
    public const string ShareGrant = "share.grant";
    public const string ShareRevoke = "share.revoke";
    public const string ServerStart = "server.start";
    public const string ServerStop = "server.stop";
    public const string ProxyUpdate = "proxy.update";
    public const string HubShutdown = "hub.shutdown";
}
