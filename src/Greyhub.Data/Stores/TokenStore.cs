using System.Text.Json;
using Greyhub.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Greyhub.Data.Stores;

/// <summary>Token queries and writes. Lookup is by keyed hash only; secrets never reach the database.</summary>
public sealed class TokenStore(HubDbContext db)
{
    private static readonly Func<HubDbContext, string, Task<TokenRow?>> ByHash =
        EF.CompileAsyncQuery((HubDbContext c, string hash) => c.ApiTokens.AsNoTracking()
            .Where(t => t.Hash == hash)
            .Select(t => new TokenRow(t.Id, t.UserId, t.User != null ? t.User.Name : null, t.ServiceName, t.Scopes, t.Note, t.SessionId, t.ClientId, t.Created, t.ExpiresAt, t.LastActivity))
            .FirstOrDefault());

    /// <summary>Finds a token by the keyed hash of its secret (expired ones included: the caller decides).</summary>
    public async Task<TokenRecord?> FindByHashAsync(string hash, CancellationToken cancellationToken) =>
        (await ByHash(db, hash))?.ToRecord();

    /// <summary>Stores a new token and returns its id.</summary>
    public async Task<int> CreateAsync(string hash, string prefix, int? userId, string? serviceName, IReadOnlyList<string> scopes,
        string? note, string? sessionId, string clientId, DateTime created, DateTime? expiresAt, CancellationToken cancellationToken)
    {
        var entity = new ApiTokenEntity
        {
            Hash = hash,
            Prefix = prefix,
            UserId = userId,
            ServiceName = serviceName,
            Scopes = JsonSerializer.Serialize(scopes, DataJson.Default.IReadOnlyListString),
            Note = note,
            SessionId = sessionId,
            ClientId = clientId,
            Created = created,
            ExpiresAt = expiresAt,
        };
        db.ApiTokens.Add(entity);
        await db.SaveChangesAsync(cancellationToken);
        return entity.Id;
    }

    /// <summary>Lists a user's tokens that have not expired.</summary>
    public async Task<IReadOnlyList<TokenRecord>> ListForUserAsync(int userId, DateTime now, CancellationToken cancellationToken)
    {
        var rows = await db.ApiTokens.AsNoTracking().Where(t => t.UserId == userId && (t.ExpiresAt == null || t.ExpiresAt > now))
            .OrderBy(t => t.Id)
            .Select(t => new TokenRow(t.Id, t.UserId, t.User != null ? t.User.Name : null, t.ServiceName, t.Scopes, t.Note, t.SessionId, t.ClientId, t.Created, t.ExpiresAt, t.LastActivity))
            .ToListAsync(cancellationToken);
        return [.. rows.Select(r => r.ToRecord())];
    }

    /// <summary>Finds one of a user's tokens by id.</summary>
    public async Task<TokenRecord?> FindForUserAsync(int userId, int tokenId, DateTime now, CancellationToken cancellationToken) =>
        (await db.ApiTokens.AsNoTracking().Where(t => t.UserId == userId && t.Id == tokenId && (t.ExpiresAt == null || t.ExpiresAt > now))
            .Select(t => new TokenRow(t.Id, t.UserId, t.User != null ? t.User.Name : null, t.ServiceName, t.Scopes, t.Note, t.SessionId, t.ClientId, t.Created, t.ExpiresAt, t.LastActivity))
            .FirstOrDefaultAsync(cancellationToken))?.ToRecord();

    /// <summary>Deletes a token by id; returns its hash (for cache eviction) or null if absent.</summary>
    public async Task<string?> DeleteAsync(int tokenId, CancellationToken cancellationToken)
    {
        var hash = await db.ApiTokens.Where(t => t.Id == tokenId).Select(t => t.Hash).FirstOrDefaultAsync(cancellationToken);
        if (hash is not null)
        {
            await db.ApiTokens.Where(t => t.Id == tokenId).ExecuteDeleteAsync(cancellationToken);
        }
        return hash;
    }

    /// <summary>Deletes every token of a login session (logout); returns the hashes removed.</summary>
    public async Task<IReadOnlyList<string>> DeleteForSessionAsync(string sessionId, CancellationToken cancellationToken)
    {
        var hashes = await db.ApiTokens.Where(t => t.SessionId == sessionId && t.ClientId != "jupyterhub").Select(t => t.Hash).ToListAsync(cancellationToken);
        await db.ApiTokens.Where(t => t.SessionId == sessionId && t.ClientId != "jupyterhub").ExecuteDeleteAsync(cancellationToken);
        return hashes;
    }

    /// <summary>Records use of a token and activity of its owner (callers throttle this to a coarse resolution).</summary>
    public async Task TouchAsync(int tokenId, DateTime at, CancellationToken cancellationToken)
    {
        await db.ApiTokens.Where(t => t.Id == tokenId).ExecuteUpdateAsync(s => s.SetProperty(t => t.LastActivity, at), cancellationToken);
        var userId = await db.ApiTokens.Where(t => t.Id == tokenId).Select(t => t.UserId).FirstOrDefaultAsync(cancellationToken);
        if (userId is { } id)
        {
            await db.Users.Where(u => u.Id == id && (u.LastActivity == null || u.LastActivity < at))
                .ExecuteUpdateAsync(s => s.SetProperty(u => u.LastActivity, at), cancellationToken);
        }
    }

    /// <summary>
    /// Deletes the tokens an OAuth client issued to a user, or to the members of a group, except to
    /// <paramref name="exceptUserId"/> (a server's owner when a share of their server is revoked); returns their hashes.
    /// </summary>
    public async Task<IReadOnlyList<string>> DeleteClientTokensAsync(string clientId, ShareTarget target, int exceptUserId, CancellationToken cancellationToken)
    {
        var tokens = db.ApiTokens.Where(t => t.ClientId == clientId && t.UserId != null && t.UserId != exceptUserId
            && (t.UserId == target.UserId || db.Users.Any(u => u.Id == t.UserId && u.Groups.Any(g => g.Id == target.GroupId))));
        var hashes = await tokens.Select(t => t.Hash).ToListAsync(cancellationToken);
        await tokens.ExecuteDeleteAsync(cancellationToken);
        return hashes;
    }

    /// <summary>Deletes expired tokens; returns how many.</summary>
    public Task<int> PurgeExpiredAsync(DateTime now, CancellationToken cancellationToken) =>
        db.ApiTokens.Where(t => t.ExpiresAt != null && t.ExpiresAt <= now).ExecuteDeleteAsync(cancellationToken);

    /// <summary>
    /// Makes <paramref name="hash"/> the one token of a service (none when null): the others are deleted, and their hashes
    /// returned; a new row carries <paramref name="note"/>.
    /// </summary>
    public async Task<IReadOnlyList<string>> ReplaceServiceTokenAsync(string serviceName, string? hash, string prefix, string note, DateTime now,
        CancellationToken cancellationToken)
    {
        var stale = await db.ApiTokens.Where(t => t.ServiceName == serviceName && t.Hash != hash).Select(t => t.Hash).ToListAsync(cancellationToken);
        await db.ApiTokens.Where(t => t.ServiceName == serviceName && t.Hash != hash).ExecuteDeleteAsync(cancellationToken);
        // A configured token carries its service's full permissions (JupyterHub's default token scope, "inherit");
        // rows written with no scopes by earlier versions are corrected here.
        var inherit = JsonSerializer.Serialize<IReadOnlyList<string>>(["inherit"], DataJson.Default.IReadOnlyListString);
        if (hash is not null && !await db.ApiTokens.AnyAsync(t => t.Hash == hash, cancellationToken))
        {
            await CreateAsync(hash, prefix, null, serviceName, ["inherit"], note, null, "jupyterhub", now, null, cancellationToken);
        }
        else if (hash is not null)
        {
            await db.ApiTokens.Where(t => t.Hash == hash && t.ServiceName == serviceName && t.Scopes != inherit)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.Scopes, inherit), cancellationToken);
        }
        return stale;
    }

    private sealed record TokenRow(int Id, int? UserId, string? UserName, string? ServiceName, string Scopes, string? Note,
        string? SessionId, string ClientId, DateTime Created, DateTime? ExpiresAt, DateTime? LastActivity)
    {
        public TokenRecord ToRecord() => new(Id, UserId, UserName, ServiceName,
            JsonSerializer.Deserialize(Scopes, DataJson.Default.IReadOnlyListString) ?? [], Note, SessionId, ClientId, Created, ExpiresAt, LastActivity);
    }
}
