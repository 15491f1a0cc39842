using System.Text.Json;
using Greyhub.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Greyhub.Data.Stores;

/// <summary>Which shares a list returns: of an owner, of one server, granted to a user (and their groups), or to a group.</summary>
public sealed record ShareQuery
{
    /// <summary>Shares of this owner's servers.</summary>
    public int? OwnerId { get; init; }

    /// <summary>Shares of this server.</summary>
    public int? ServerId { get; init; }

    /// <summary>Shares granted to this user (with <see cref="GroupIds"/>: or to these groups).</summary>
    public int? UserId { get; init; }

    /// <summary>Shares granted to these groups.</summary>
    public IReadOnlyCollection<int>? GroupIds { get; init; }

    /// <summary>Rows to skip.</summary>
    public int Offset { get; init; }

    /// <summary>Rows to return at most.</summary>
    public int Limit { get; init; } = 50;
}

/// <summary>Shares and share codes (JupyterHub 5's sharing). Codes arrive hashed; scopes are stored as JSON lists.</summary>
public sealed class ShareStore(HubDbContext db)
{
    /// <summary>
    /// The id of a user's server, or null. With <paramref name="createDefault"/> the default server gets its (stopped) row
    /// when it has none yet: it exists for every user, started or not.
    /// </summary>
    public async Task<int?> ServerIdAsync(int ownerId, string serverName, bool createDefault, CancellationToken cancellationToken)
    {
        var id = await ServerIdOrNullAsync(ownerId, serverName, cancellationToken);
        if (id is not null || serverName.Length > 0 || !createDefault)
        {
            return id;
        }
        db.Servers.Add(new ServerEntity { UserId = ownerId, Name = "" });
        try
        {
            await db.SaveOrConflictAsync(cancellationToken);
        }
        catch (ConflictException)
        {
            // Added meanwhile (a start): that row is the one.
        }
        db.ChangeTracker.Clear();
        return await ServerIdOrNullAsync(ownerId, serverName, cancellationToken);
    }

    /// <summary>Grants <paramref name="scopes"/> on a server: a new share, or more scopes for an existing one.</summary>
    public async Task<ShareRecord> GrantAsync(int serverId, int ownerId, ShareTarget target, IReadOnlyList<string> scopes, DateTime now,
        CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var row = await Matching(serverId, target).FirstOrDefaultAsync(cancellationToken);
            if (row is null)
            {
                row = new ShareEntity { ServerId = serverId, OwnerId = ownerId, UserId = target.UserId, GroupId = target.GroupId, Created = now };
                db.Shares.Add(row);
            }
            row.Scopes = Write([.. Read(row.Scopes).Union(scopes, StringComparer.Ordinal).Order(StringComparer.Ordinal)]);
            try
            {
                await db.SaveOrConflictAsync(cancellationToken);
            }
            catch (ConflictException) when (attempt == 0)
            {
                // The same share granted at the same moment by another request: add to that one.
                continue;
            }
            db.ChangeTracker.Clear();
            return (await FindByIdAsync(row.Id, cancellationToken))!;
        }
    }

    /// <summary>
    /// Takes <paramref name="scopes"/> (all when null or empty) from a share; the share goes when none remain. Returns
    /// the share as left, or null when it is gone or there was none.
    /// </summary>
    public async Task<ShareRecord?> RevokeAsync(int serverId, ShareTarget target, IReadOnlyList<string>? scopes, CancellationToken cancellationToken)
    {
        var row = await Matching(serverId, target).FirstOrDefaultAsync(cancellationToken);
        if (row is null)
        {
            return null;
        }
        var left = scopes is { Count: > 0 } ? Read(row.Scopes).Except(scopes, StringComparer.Ordinal).ToList() : [];
        if (left.Count == 0)
        {
            db.Shares.Remove(row);
        }
        else
        {
            row.Scopes = Write(left);
        }
        await db.SaveChangesAsync(cancellationToken);
        db.ChangeTracker.Clear();
        return left.Count == 0 ? null : await FindByIdAsync(row.Id, cancellationToken);
    }

    /// <summary>Deletes every share of a server; returns how many.</summary>
    public Task<int> DeleteForServerAsync(int serverId, CancellationToken cancellationToken) =>
        db.Shares.Where(s => s.ServerId == serverId).ExecuteDeleteAsync(cancellationToken);

    /// <summary>The share of a server granted to <paramref name="target"/>, or null.</summary>
    public async Task<ShareRecord?> FindAsync(int serverId, ShareTarget target, CancellationToken cancellationToken) =>
        await Rows(Matching(serverId, target)).FirstOrDefaultAsync(cancellationToken) is { } row ? row.ToRecord() : null;

    /// <summary>A page of shares, oldest first.</summary>
    public async Task<Page<ShareRecord>> ListAsync(ShareQuery query, CancellationToken cancellationToken)
    {
        var shares = db.Shares.AsNoTracking();
        if (query.OwnerId is { } owner)
        {
            shares = shares.Where(s => s.OwnerId == owner);
        }
        if (query.ServerId is { } server)
        {
            shares = shares.Where(s => s.ServerId == server);
        }
        var groups = query.GroupIds ?? [];
        if (query.UserId is { } user)
        {
            shares = shares.Where(s => s.UserId == user || (s.GroupId != null && groups.Contains(s.GroupId.Value)));
        }
        else if (query.GroupIds is not null)
        {
            shares = shares.Where(s => s.GroupId != null && groups.Contains(s.GroupId.Value));
        }
        var total = await shares.CountAsync(cancellationToken);
        var rows = await Rows(shares.OrderBy(s => s.Id).Skip(query.Offset).Take(query.Limit)).ToListAsync(cancellationToken);
        return new Page<ShareRecord>([.. rows.Select(r => r.ToRecord())], total);
    }

    /// <summary>The raw scopes of every share granted to a user or to one of their groups (what sharing adds to their permissions).</summary>
    public async Task<IReadOnlyList<string>> ScopesForAsync(int userId, IReadOnlyCollection<string> groups, CancellationToken cancellationToken)
    {
        var lists = await db.Shares.AsNoTracking()
            .Where(s => s.UserId == userId || (s.GroupId != null && db.Groups.Any(g => g.Id == s.GroupId && groups.Contains(g.Name))))
            .Select(s => s.Scopes).ToListAsync(cancellationToken);
        return [.. lists.SelectMany(Read).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>Stores a new share code; returns its id.</summary>
    public async Task<ShareCodeRecord> CreateCodeAsync(int serverId, int ownerId, string codeHash, IReadOnlyList<string> scopes, DateTime now, DateTime expiresAt,
        CancellationToken cancellationToken)
    {
        var row = new ShareCodeEntity { ServerId = serverId, OwnerId = ownerId, CodeHash = codeHash, Scopes = Write(scopes), Created = now, ExpiresAt = expiresAt };
        db.ShareCodes.Add(row);
        await db.SaveOrConflictAsync(cancellationToken);
        db.ChangeTracker.Clear();
        return (await CodeRows(db.ShareCodes.Where(c => c.Id == row.Id)).FirstAsync(cancellationToken)).ToRecord();
    }

    /// <summary>A page of the codes of an owner or of one server that have not expired, oldest first.</summary>
    public async Task<Page<ShareCodeRecord>> ListCodesAsync(int? ownerId, int? serverId, DateTime now, int offset, int limit, CancellationToken cancellationToken)
    {
        var codes = db.ShareCodes.AsNoTracking().Where(c => c.ExpiresAt > now);
        if (ownerId is { } owner)
        {
            codes = codes.Where(c => c.OwnerId == owner);
        }
        if (serverId is { } server)
        {
            codes = codes.Where(c => c.ServerId == server);
        }
        var total = await codes.CountAsync(cancellationToken);
        var rows = await CodeRows(codes.OrderBy(c => c.Id).Skip(offset).Take(limit)).ToListAsync(cancellationToken);
        return new Page<ShareCodeRecord>([.. rows.Select(r => r.ToRecord())], total);
    }

    /// <summary>Deletes one code of a server (by hash or by id), or all its codes when both are null; returns how many.</summary>
    public Task<int> DeleteCodesAsync(int serverId, string? codeHash, int? id, CancellationToken cancellationToken)
    {
        var codes = db.ShareCodes.Where(c => c.ServerId == serverId);
        if (codeHash is not null)
        {
            codes = codes.Where(c => c.CodeHash == codeHash);
        }
        if (id is { } codeId)
        {
            codes = codes.Where(c => c.Id == codeId);
        }
        return codes.ExecuteDeleteAsync(cancellationToken);
    }

    /// <summary>The code with this hash, expired or not, or null.</summary>
    public async Task<ShareCodeRecord?> FindCodeAsync(string codeHash, CancellationToken cancellationToken) =>
        await CodeRows(db.ShareCodes.Where(c => c.CodeHash == codeHash)).FirstOrDefaultAsync(cancellationToken) is { } row ? row.ToRecord() : null;

    /// <summary>
    /// Exchanges a code for a share to <paramref name="userId"/> (granted or widened) and counts the exchange, in one
    /// transaction; null when there is no such code or it has expired (an expired code is deleted).
    /// </summary>
    public async Task<ShareRecord?> ExchangeCodeAsync(string codeHash, int userId, DateTime now, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var code = await db.ShareCodes.AsNoTracking().FirstOrDefaultAsync(c => c.CodeHash == codeHash, cancellationToken);
        if (code is null)
        {
            return null;
        }
        if (code.ExpiresAt <= now)
        {
            await db.ShareCodes.Where(c => c.Id == code.Id).ExecuteDeleteAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return null;
        }
        var share = await GrantAsync(code.ServerId, code.OwnerId, new ShareTarget(userId, null), Read(code.Scopes), now, cancellationToken);
        await db.ShareCodes.Where(c => c.Id == code.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.ExchangeCount, c => c.ExchangeCount + 1).SetProperty(c => c.LastExchangedAt, now), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return share;
    }

    /// <summary>Deletes expired codes; returns how many.</summary>
    public Task<int> PurgeExpiredCodesAsync(DateTime now, CancellationToken cancellationToken) =>
        db.ShareCodes.Where(c => c.ExpiresAt <= now).ExecuteDeleteAsync(cancellationToken);

    private async Task<int?> ServerIdOrNullAsync(int ownerId, string serverName, CancellationToken cancellationToken) =>
        await db.Servers.AsNoTracking().Where(s => s.UserId == ownerId && s.Name == serverName).Select(s => (int?)s.Id).FirstOrDefaultAsync(cancellationToken);

    private IQueryable<ShareEntity> Matching(int serverId, ShareTarget target) =>
        target.UserId is { } user
            ? db.Shares.Where(s => s.ServerId == serverId && s.UserId == user)
            : db.Shares.Where(s => s.ServerId == serverId && s.GroupId == target.GroupId);

    private async Task<ShareRecord?> FindByIdAsync(int id, CancellationToken cancellationToken) =>
        await Rows(db.Shares.Where(s => s.Id == id)).FirstOrDefaultAsync(cancellationToken) is { } row ? row.ToRecord() : null;

    private IQueryable<ShareRow> Rows(IQueryable<ShareEntity> shares) =>
        from s in shares.AsNoTracking()
        join server in db.Servers on s.ServerId equals server.Id
        join owner in db.Users on s.OwnerId equals owner.Id
        select new ShareRow(s.Id, owner.Name, server.Name, server.Phase,
            db.Users.Where(u => u.Id == s.UserId).Select(u => u.Name).FirstOrDefault(),
            db.Groups.Where(g => g.Id == s.GroupId).Select(g => g.Name).FirstOrDefault(),
            s.Scopes, s.Created);

    private IQueryable<CodeRow> CodeRows(IQueryable<ShareCodeEntity> codes) =>
        from c in codes.AsNoTracking()
        join server in db.Servers on c.ServerId equals server.Id
        join owner in db.Users on c.OwnerId equals owner.Id
        select new CodeRow(c.Id, owner.Name, server.Name, server.Phase, c.Scopes, c.Created, c.ExpiresAt, c.ExchangeCount, c.LastExchangedAt);

    private static IReadOnlyList<string> Read(string json) => JsonSerializer.Deserialize(json, DataJson.Default.IReadOnlyListString) ?? [];

    private static string Write(IReadOnlyList<string> scopes) => JsonSerializer.Serialize(scopes, DataJson.Default.IReadOnlyListString);

    private sealed record ShareRow(int Id, string Owner, string Server, string Phase, string? User, string? Group, string Scopes, DateTime Created)
    {
        public ShareRecord ToRecord() => new(Id, new SharedServer(Owner, Server, Phase == ServerPhases.Running), User, Group, Read(Scopes), Created);
    }

    private sealed record CodeRow(int Id, string Owner, string Server, string Phase, string Scopes, DateTime Created, DateTime ExpiresAt, int ExchangeCount,
        DateTime? LastExchangedAt)
    {
        public ShareCodeRecord ToRecord() => new(Id, new SharedServer(Owner, Server, Phase == ServerPhases.Running), Read(Scopes), Created, ExpiresAt, ExchangeCount,
            LastExchangedAt);
    }
}
