using Greyhub.Data;
using Greyhub.Data.Stores;
using Greyhub.Hub.Auth;
using Greyhub.Scopes;

namespace Greyhub.Hub.Sharing;

/// <summary>A share code just made: its record and the code, which is never available again.</summary>
internal sealed record IssuedShareCode(ShareCodeRecord Record, string Code);

/// <summary>
/// Share codes (JupyterHub 5's invitations): random codes stored only as keyed hashes, each granting its scopes on one
/// server to whoever exchanges it before it expires. Exchanging is the accept page's step; it lives here so the page
/// only has to call it.
/// </summary>
internal sealed class ShareCodes(ShareStore shares, ShareService rules, TokenHasher hasher, HubRoles roles, HubState state, TimeProvider time)
{
    /// <summary>Makes a code (JupyterHub's <c>POST /share-codes/{owner}/{server}</c>): the caller must hold every scope it grants.</summary>
    public async Task<IssuedShareCode> CreateAsync(RequestIdentity caller, string owner, string server, ShareRequest request, CancellationToken ct)
    {
        var scopes = request.ScopesFor(owner, server);
        var callerOwner = caller.IsUser ? ScopeOwner.User(caller.Name, caller.Groups) : ScopeOwner.Service(caller.Name);
        foreach (var scope in scopes)
        {
            if (!TokenScopes.CheckRequested([scope], callerOwner, caller.Scopes, roles.Definitions).IsAllowed)
            {
                throw HubException.Forbidden($"Do not have permission to grant share with scope {scope}");
            }
        }
        var target = await rules.ServerAsync(owner, server, write: true, ct);
        var code = TokenHasher.NewToken() + TokenHasher.NewToken();
        var now = time.GetUtcNow().UtcDateTime;
        var record = await shares.CreateCodeAsync(target.Id, target.Owner.Id, hasher.Hash(code), scopes, now, now + request.ExpiresIn, ct);
        return new IssuedShareCode(record, code);
    }

    /// <summary>The codes of an owner, or of one server, that have not expired.</summary>
    public Task<Page<ShareCodeRecord>> ListAsync(int? ownerId, int? serverId, int offset, int limit, CancellationToken ct) =>
        shares.ListCodesAsync(ownerId, serverId, time.GetUtcNow().UtcDateTime, offset, limit, ct);

    /// <summary>
    /// Revokes one code of a server, by the code or by its id (<c>sc_N</c>), or all its codes (JupyterHub's
    /// <c>DELETE /share-codes/{owner}/{server}</c>); 404 when a named one is not there.
    /// </summary>
    public async Task RevokeAsync(string owner, string server, string? code, string? id, CancellationToken ct)
    {
        var target = await rules.ServerAsync(owner, server, write: false, ct);
        if (code is { Length: > 0 })
        {
            if (await shares.DeleteCodesAsync(target.Id, hasher.Hash(code), null, ct) == 0)
            {
                throw HubException.NotFound("No matching code found");
            }
            return;
        }
        if (id is { Length: > 0 })
        {
            if (!id.StartsWith("sc_", StringComparison.Ordinal) || !int.TryParse(id.AsSpan(3), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var codeId)
                || await shares.DeleteCodesAsync(target.Id, null, codeId, ct) == 0)
            {
                throw HubException.NotFound($"No code found matching id={id}");
            }
            return;
        }
        await shares.DeleteCodesAsync(target.Id, null, null, ct);
    }

    /// <summary>
    /// The code as the accept page shows it before it is exchanged (who shares which server, with what); null when there
    /// is no such code. An expired one is returned too, so the page can say it expired rather than that it never was.
    /// </summary>
    public async Task<ShareCodeRecord?> FindAsync(string code, CancellationToken ct) =>
        code.Length == 0 ? null : await shares.FindCodeAsync(hasher.Hash(code), ct);

    /// <summary>Whether <paramref name="code"/> has expired by now.</summary>
    public bool HasExpired(ShareCodeRecord code) => code.ExpiresAt <= time.GetUtcNow().UtcDateTime;

    /// <summary>
    /// Exchanges a code for a share to <paramref name="user"/> (what accepting an invitation does); null when the code
    /// is unknown or expired.
    /// </summary>
    public async Task<ShareRecord?> ExchangeAsync(string code, RequestIdentity user, CancellationToken ct)
    {
        if (user.UserId is not { } userId || code.Length == 0)
        {
            return null;
        }
        var share = await shares.ExchangeCodeAsync(hasher.Hash(code), userId, time.GetUtcNow().UtcDateTime, ct);
        if (share is not null)
        {
            state.Changed();
        }
        return share;
    }
}
