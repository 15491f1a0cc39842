using Greyhub.Data;
using Greyhub.Data.Stores;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Servers;
using Greyhub.Scopes;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Sharing;

/// <summary>A shared server as the sharing rules know it: its owner and its row.</summary>
internal sealed record ServerRef(UserRecord Owner, string Name, int Id);

/// <summary>
/// Sharing's rules (JupyterHub 5): who may grant which scopes on which server to whom, and what revoking takes away. A
/// share adds its scopes to the user's (or the group's members') permissions, so access reaches the server through the
/// proxy and the server's OAuth like any other; revoking also revokes the OAuth tokens the server's client issued to
/// them, so the server's next check of such a token fails. A revoke answers only once the servers' cached answers from
/// before it have aged out (<see cref="ServersOptions.HubAuthCacheMaxAge"/>), so the revoked user's next request after it
/// is refused.
/// </summary>
internal sealed class ShareService(ShareStore shares, UserStore users, GroupStore groups, TokenStore tokens, HubRoles roles, HubState state,
    IOptions<HubOptions> options, TimeProvider time)
{
    // A hub answer computed before the revoke may reach the server's cache a moment after it.
    private static readonly TimeSpan InFlight = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// The server <paramref name="owner"/>/<paramref name="server"/>; 404 when the user or a named server does not exist.
    /// A default server never started has no row: <paramref name="write"/> makes it (to share it), otherwise its id is
    /// -1, which no share names.
    /// </summary>
    public async Task<ServerRef> ServerAsync(string owner, string server, bool write, CancellationToken ct)
    {
        var user = await users.FindAsync(owner, ct);
        var id = user is null ? null : await shares.ServerIdAsync(user.Id, server, write, ct);
        if (user is not null && id is null && server.Length == 0)
        {
            id = -1;
        }
        return user is not null && id is { } serverId ? new ServerRef(user, server, serverId) : throw HubException.NotFound($"No such server: {owner}/{server}");
    }

    /// <summary>The id of the owner <paramref name="name"/>; 404 when there is no such user.</summary>
    public async Task<int> OwnerIdAsync(string name, CancellationToken ct) =>
        (await users.FindAsync(name, ct))?.Id ?? throw HubException.NotFound($"No such user: {name}");

    /// <summary>
    /// Grants a share (JupyterHub's <c>POST /shares/{owner}/{server}</c>): the caller must hold every scope granted and
    /// be able to read the name of the user or group shared with.
    /// </summary>
    public async Task<ShareRecord> GrantAsync(RequestIdentity caller, string owner, string server, ShareRequest request, CancellationToken ct)
    {
        var scopes = request.ScopesFor(owner, server);
        var target = await ServerAsync(owner, server, write: true, ct);
        var callerOwner = caller.IsUser ? ScopeOwner.User(caller.Name, caller.Groups) : ScopeOwner.Service(caller.Name);
        foreach (var scope in scopes)
        {
            if (!TokenScopes.CheckRequested([scope], callerOwner, caller.Scopes, roles.Definitions).IsAllowed)
            {
                throw HubException.Forbidden($"Do not have permission to grant share with scope {scope}");
            }
        }
        ShareTarget with;
        if (request.User is { } userName)
        {
            var sharee = await users.FindAsync(userName, ct);
            if (!caller.Scopes.CanAccess("read:users:name", ResourceRef.User(userName, sharee?.Groups ?? [])))
            {
                throw HubException.Forbidden("Need scope 'read:users:name' to share with users by name");
            }
            with = new ShareTarget(sharee?.Id ?? throw HubException.Invalid($"No such user: {userName}"), null);
        }
        else
        {
            var groupName = request.Group!;
            if (!caller.Scopes.CanAccess("read:groups:name", ResourceRef.Group(groupName)))
            {
                throw HubException.Forbidden("Need scope 'read:groups:name' to share with groups by name");
            }
            var group = await groups.FindAsync(groupName, ct) ?? throw HubException.Invalid($"No such group: {groupName}");
            with = new ShareTarget(null, group.Id);
        }
        var share = await shares.GrantAsync(target.Id, target.Owner.Id, with, scopes, time.GetUtcNow().UtcDateTime, ct);
        state.Changed();
        return share;
    }

    /// <summary>
    /// Revokes scopes of a share, all when none are named (JupyterHub's <c>PATCH /shares/{owner}/{server}</c>); null when
    /// the share is gone (or there was none, or no such user or group: the same as revoking nothing).
    /// </summary>
    public async Task<ShareRecord?> RevokeAsync(string owner, string server, ShareRequest request, CancellationToken ct)
    {
        var target = await ServerAsync(owner, server, write: false, ct);
        ShareTarget? with = request.User is { } userName
            ? (await users.FindAsync(userName, ct)) is { } sharee ? new ShareTarget(sharee.Id, null) : null
            : (await groups.FindAsync(request.Group!, ct)) is { } group ? new ShareTarget(null, group.Id) : null;
        if (with is not { } found)
        {
            return null;
        }
        IReadOnlyList<string>? scopes = request.Scopes is { Count: > 0 } ? request.ScopesFor(owner, server) : null;
        var left = await shares.RevokeAsync(target.Id, found, scopes, ct);
        await EndAccessAsync(target, found, ct);
        await OutlastServerCachesAsync(ct);
        return left;
    }

    /// <summary>Revokes every share of a server (JupyterHub's <c>DELETE /shares/{owner}/{server}</c>).</summary>
    public async Task RevokeAllAsync(string owner, string server, CancellationToken ct)
    {
        var target = await ServerAsync(owner, server, write: false, ct);
        var page = await shares.ListAsync(new ShareQuery { ServerId = target.Id, Limit = int.MaxValue }, ct);
        await shares.DeleteForServerAsync(target.Id, ct);
        foreach (var share in page.Items)
        {
            await EndAccessAsync(target, await TargetOfAsync(share, ct), ct);
        }
        state.Changed();
        if (page.Items.Count > 0)
        {
            await OutlastServerCachesAsync(ct);
        }
    }

    /// <summary>The share of a server granted to a user or group (the <c>/users|groups/{name}/shared/{owner}/{server}</c> endpoints).</summary>
    public async Task<ShareRecord> FindAsync(ShareTarget with, string owner, string server, string notFound, CancellationToken ct)
    {
        var user = await users.FindAsync(owner, ct);
        var id = user is null ? null : await shares.ServerIdAsync(user.Id, server, createDefault: false, ct);
        return id is { } serverId && await shares.FindAsync(serverId, with, ct) is { } share ? share : throw HubException.NotFound(notFound);
    }

    /// <summary>Leaves a share (a user or group revoking what it was granted).</summary>
    public async Task LeaveAsync(ShareTarget with, string owner, string server, string notFound, CancellationToken ct)
    {
        var share = await FindAsync(with, owner, server, notFound, ct);
        var target = await ServerAsync(share.Server.Owner, share.Server.Name, write: false, ct);
        await shares.RevokeAsync(target.Id, with, null, ct);
        await EndAccessAsync(target, with, ct);
        await OutlastServerCachesAsync(ct);
    }

    /// <summary>A page of shares.</summary>
    public Task<Page<ShareRecord>> ListAsync(ShareQuery query, CancellationToken ct) => shares.ListAsync(query, ct);

    /// <summary>Who a user is for sharing: their id and their groups' ids; 404 when there is no such user.</summary>
    public async Task<ShareQuery> SharedWithUserAsync(string name, CancellationToken ct)
    {
        var user = await users.FindAsync(name, ct) ?? throw HubException.NotFound($"No such user: {name}");
        var groupIds = new List<int>();
        foreach (var group in user.Groups)
        {
            if (await groups.FindAsync(group, ct) is { } found)
            {
                groupIds.Add(found.Id);
            }
        }
        return new ShareQuery { UserId = user.Id, GroupIds = groupIds };
    }

    /// <summary>A user as a share target; 404 when there is none.</summary>
    public async Task<ShareTarget> UserTargetAsync(string name, string notFound, CancellationToken ct) =>
        new((await users.FindAsync(name, ct))?.Id ?? throw HubException.NotFound(notFound), null);

    /// <summary>A group as a share target; 404 when there is none.</summary>
    public async Task<ShareTarget> GroupTargetAsync(string name, string notFound, CancellationToken ct) =>
        new(null, (await groups.FindAsync(name, ct))?.Id ?? throw HubException.NotFound(notFound));

    private async Task<ShareTarget> TargetOfAsync(ShareRecord share, CancellationToken ct) =>
        share.UserName is { } user
            ? new ShareTarget((await users.FindAsync(user, ct))?.Id, null)
            : new ShareTarget(null, (await groups.FindAsync(share.GroupName!, ct))?.Id);

    /// <summary>The permissions changed: cached identities go, and the server's OAuth tokens of those who lost the share too.</summary>
    private async Task EndAccessAsync(ServerRef server, ShareTarget with, CancellationToken ct)
    {
        await tokens.DeleteClientTokensAsync(new ServerKey(server.Owner.Name, server.Name).ClientId, with, server.Owner.Id, ct);
        state.Changed();
    }

    /// <summary>
    /// Waits until every single-user server's cached answer from before the revoke has expired: the server keeps the
    /// hub's answer for a token for HubAuth's <c>cache_max_age</c> and nothing outside it can clear that cache.
    /// </summary>
    private Task OutlastServerCachesAsync(CancellationToken ct) => options.Value.Servers.HubAuthCacheMaxAge is { Ticks: > 0 } age
        ? Task.Delay(age + InFlight, time, ct)
        : Task.CompletedTask;
}
