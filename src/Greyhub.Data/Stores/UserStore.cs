using Greyhub.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Greyhub.Data.Stores;

/// <summary>User queries and writes. Every write is one transaction: all or nothing.</summary>
public sealed class UserStore(HubDbContext db)
{
    private static readonly Func<HubDbContext, string, Task<UserRecord?>> ByName =
        EF.CompileAsyncQuery((HubDbContext c, string name) => c.Users.AsNoTracking()
            .Where(u => u.Name == name)
            .Select(u => new UserRecord(u.Id, u.Name, u.Admin, u.Created, u.LastActivity,
                u.Groups.OrderBy(g => g.Name).Select(g => g.Name).ToList(),
                u.Servers.OrderBy(s => s.Name).Select(s => new ServerRecord(s.Id, s.Name, s.Phase, s.Url, s.Started, s.LastActivity, s.UserOptions, s.State, s.StopReason)).ToList()))
            .FirstOrDefault());

    /// <summary>Finds a user by name.</summary>
    public Task<UserRecord?> FindAsync(string name, CancellationToken cancellationToken) => ByName(db, name);

    /// <summary>Finds a user's password hash.</summary>
    public Task<string?> GetPasswordHashAsync(string name, CancellationToken cancellationToken) =>
        db.Users.AsNoTracking().Where(u => u.Name == name).Select(u => u.PasswordHash).FirstOrDefaultAsync(cancellationToken);

    private static readonly Func<HubDbContext, CancellationToken, Task<int>> CountAll =
        EF.CompileAsyncQuery((HubDbContext c, CancellationToken ct) => c.Users.Count());

    /// <summary>Lists users by <paramref name="query"/>.</summary>
    /// <remarks>
    /// The default listing (all users by id) is one statement (<see cref="UserPageQuery"/>). A filtered or sorted one
    /// is three flat queries over the same page on one connection: its users, then the group names and the servers
    /// of the users on it (the page as a subquery, no id list to expand into parameters). No split query and no
    /// collection projection: EF Core's async split query builds delegates on every execution. The total is counted
    /// only when <see cref="UserQuery.CountTotal"/> asks for it.
    /// </remarks>
    public async Task<Page<UserRecord>> ListAsync(UserQuery query, CancellationToken cancellationToken)
    {
        var isDefault = query.OnlyUsers is null && query.OnlyGroups is null && query.State is null && query.NameFilter is null && query is { Sort: "id", Descending: false };
        // The default listing builds no LINQ: building (and funcletizing) a form it never executes costs as much as a small query.
        IQueryable<UserEntity>? users = null, page = null;
        if (!isDefault)
        {
            (users, page) = Filtered(query);
        }
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            var total = !query.CountTotal ? -1 : users is null ? await CountAll(db, cancellationToken) : await users.CountAsync(cancellationToken);
            if (page is null)
            {
                return new Page<UserRecord>(await UserPageQuery.ReadAsync(db, query.Offset, query.Limit, textTimestamps: db.IsSqlite, cancellationToken), total);
            }
            var rows = new List<UserRow>(Math.Min(query.Limit, 1000));
            var index = new Dictionary<int, int>(rows.Capacity);
            await foreach (var row in page.Select(u => new UserRow(u.Id, u.Name, u.Admin, u.Created, u.LastActivity)).AsAsyncEnumerable()
                .WithCancellation(cancellationToken))
            {
                index[row.Id] = rows.Count;
                rows.Add(row);
            }
            if (rows.Count == 0)
            {
                return new Page<UserRecord>([], total);
            }
            var groupsOf = new List<string>?[rows.Count];
            var memberships = page.SelectMany(u => u.Groups, (u, g) => new { UserId = u.Id, g.Name }).OrderBy(m => m.Name).Select(m => new Membership(m.UserId, m.Name)).AsAsyncEnumerable();
            await foreach (var m in memberships.WithCancellation(cancellationToken))
            {
                // A row written between the queries may shift the page: only users on it get their groups.
                if (index.TryGetValue(m.UserId, out var i))
                {
                    (groupsOf[i] ??= []).Add(m.Name);
                }
            }
            var serversOf = new List<ServerRecord>?[rows.Count];
            var servers = page.SelectMany(u => u.Servers).OrderBy(s => s.Name)
                .Select(s => new ServerRow(s.UserId, new ServerRecord(s.Id, s.Name, s.Phase, s.Url, s.Started, s.LastActivity, s.UserOptions, s.State, s.StopReason)))
                .AsAsyncEnumerable();
            await foreach (var s in servers.WithCancellation(cancellationToken))
            {
                if (index.TryGetValue(s.UserId, out var i))
                {
                    (serversOf[i] ??= []).Add(s.Server);
                }
            }
            var items = new UserRecord[rows.Count];
            for (var i = 0; i < rows.Count; i++)
            {
                var r = rows[i];
                items[i] = new UserRecord(r.Id, r.Name, r.Admin, r.Created, r.LastActivity,
                    (IReadOnlyList<string>?)groupsOf[i] ?? [], (IReadOnlyList<ServerRecord>?)serversOf[i] ?? []);
            }
            return new Page<UserRecord>(items, total);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private (IQueryable<UserEntity> Users, IQueryable<UserEntity> Page) Filtered(UserQuery query)
    {
        var users = db.Users.AsNoTracking();
        if (query.OnlyUsers is not null || query.OnlyGroups is not null)
        {
            var names = query.OnlyUsers ?? [];
            var groups = query.OnlyGroups ?? [];
            users = users.Where(u => names.Contains(u.Name) || u.Groups.Any(g => groups.Contains(g.Name)));
        }
        if (query.NameFilter is { Length: > 0 } part)
        {
            if (part.Any(char.IsControl))
            {
                // No user name holds a control character (the hub refuses them; PostgreSQL's text cannot even hold a
                // NUL, and refuses the query): such a search matches nobody.
                users = users.Where(u => false);
            }
            // JupyterHub's ilike '%part%', the text taken literally: a '%' or '_' typed in the search is a character.
            // No B-tree index serves a substring; each query scans the names' index (benchmarks/hub/README.md).
            else if (db.IsSqlite)
            {
                // SQLite's LIKE ignores ASCII case by itself: 2.5x less CPU than lower() + instr() (6 ms at 50,000 users).
                var pattern = "%" + part.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal)
                    .Replace("_", @"\_", StringComparison.Ordinal) + "%";
                users = users.Where(u => EF.Functions.Like(u.Name, pattern, @"\"));
            }
            else
            {
                var lowered = part.ToLowerInvariant();
#pragma warning disable CA1862 // lower(name) in SQL (strpos on PostgreSQL): EF Core has no translation for a StringComparison overload
                users = users.Where(u => u.Name.ToLower().Contains(lowered));
#pragma warning restore CA1862
            }
        }
        users = query.State switch
        {
            "active" => users.Where(u => u.Servers.Any(s => s.Phase != ServerPhases.Stopped)),
            "ready" => users.Where(u => u.Servers.Any(s => s.Phase == ServerPhases.Running)),
            "inactive" => users.Where(u => !u.Servers.Any(s => s.Phase != ServerPhases.Stopped)),
            _ => users,
        };
        var sorted = (query.Sort, query.Descending, db.IsSqlite) switch
        {
            ("name", false, _) => users.OrderBy(u => u.Name),
            ("name", true, _) => users.OrderByDescending(u => u.Name),
            // Never-active users first (last when descending) on every provider. SQLite sorts NULL lowest already, so
            // the plain order walks the LastActivity index (with the id, its rowid, as tie-break); the explicit NULL
            // term made it sort all rows: 25 ms of CPU per query at 50,000 users instead of 0.1 ms. PostgreSQL sorts
            // NULL highest and needs the term.
            ("last_activity", false, true) => users.OrderBy(u => u.LastActivity).ThenBy(u => u.Id),
            ("last_activity", true, true) => users.OrderByDescending(u => u.LastActivity).ThenByDescending(u => u.Id),
            ("last_activity", false, false) => users.OrderBy(u => u.LastActivity != null).ThenBy(u => u.LastActivity).ThenBy(u => u.Id),
            ("last_activity", true, false) => users.OrderByDescending(u => u.LastActivity != null).ThenByDescending(u => u.LastActivity).ThenByDescending(u => u.Id),
            (_, true, _) => users.OrderByDescending(u => u.Id),
            _ => users.OrderBy(u => u.Id),
        };
        return (users, sorted.Skip(query.Offset).Take(query.Limit));
    }

    private sealed record UserRow(int Id, string Name, bool Admin, DateTime Created, DateTime? LastActivity);

    private sealed record Membership(int UserId, string Name);

    private sealed record ServerRow(int UserId, ServerRecord Server);

    /// <summary>Whether any user exists (cheaper than counting them).</summary>
    public Task<bool> AnyAsync(CancellationToken cancellationToken) => db.Users.AnyAsync(cancellationToken);

    /// <summary>Counts all users.</summary>
    public Task<int> CountAsync(CancellationToken cancellationToken) => db.Users.CountAsync(cancellationToken);

    /// <summary>Counts users active since <paramref name="since"/>.</summary>
    public Task<int> CountActiveSinceAsync(DateTime since, CancellationToken cancellationToken) =>
        db.Users.CountAsync(u => u.LastActivity >= since, cancellationToken);

    /// <summary>Returns the names among <paramref name="names"/> that already exist.</summary>
    public async Task<IReadOnlyList<string>> ExistingAsync(IReadOnlyCollection<string> names, CancellationToken cancellationToken) =>
        await db.Users.AsNoTracking().Where(u => names.Contains(u.Name)).Select(u => u.Name).ToListAsync(cancellationToken);

    /// <summary>Creates users in one transaction; throws <see cref="ConflictException"/> if any exists.</summary>
    public async Task CreateAsync(IReadOnlyCollection<string> names, bool admin, DateTime now, CancellationToken cancellationToken)
    {
        foreach (var name in names)
        {
            db.Users.Add(new UserEntity { Name = name, Admin = admin, Created = now });
        }
        await SaveAsync(cancellationToken);
    }

    /// <summary>Creates a user if missing; returns true if it was created.</summary>
    public async Task<bool> EnsureAsync(string name, bool? admin, DateTime now, CancellationToken cancellationToken)
    {
        var user = await db.Users.FirstOrDefaultAsync(u => u.Name == name, cancellationToken);
        var created = user is null;
        user ??= db.Users.Add(new UserEntity { Name = name, Created = now }).Entity;
        if (admin is { } a)
        {
            user.Admin = a;
        }
        await SaveAsync(cancellationToken);
        return created;
    }

    /// <summary>Renames a user and/or sets the admin flag.</summary>
    public async Task UpdateAsync(string name, string? newName, bool? admin, CancellationToken cancellationToken)
    {
        var user = await db.Users.FirstOrDefaultAsync(u => u.Name == name, cancellationToken)
            ?? throw new NotFoundException($"No such user: {name}");
        if (newName is not null && newName != name)
        {
            if (await db.Users.AnyAsync(u => u.Name == newName, cancellationToken))
            {
                throw new ConflictException($"User {newName} already exists, username must be unique");
            }
            user.Name = newName;
        }
        if (admin is { } a)
        {
            user.Admin = a;
        }
        await SaveAsync(cancellationToken);
    }

    /// <summary>Sets a user's password hash.</summary>
    public async Task SetPasswordHashAsync(string name, string hash, CancellationToken cancellationToken)
    {
        var updated = await db.Users.Where(u => u.Name == name).ExecuteUpdateAsync(s => s.SetProperty(u => u.PasswordHash, hash), cancellationToken);
        if (updated == 0)
        {
            throw new NotFoundException($"No such user: {name}");
        }
    }

    /// <summary>Deletes a user with their tokens, servers and memberships; false if absent.</summary>
    public async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken)
    {
        var user = await db.Users.FirstOrDefaultAsync(u => u.Name == name, cancellationToken);
        if (user is null)
        {
            return false;
        }
        db.Users.Remove(user);
        await SaveAsync(cancellationToken);
        return true;
    }

    /// <summary>Moves last activity of a user and some of their servers forward (never back).</summary>
    public async Task RecordActivityAsync(int userId, DateTime? userActivity, IReadOnlyDictionary<string, DateTime> servers, CancellationToken cancellationToken)
    {
        if (userActivity is { } ua)
        {
            await db.Users.Where(u => u.Id == userId && (u.LastActivity == null || u.LastActivity < ua))
                .ExecuteUpdateAsync(s => s.SetProperty(u => u.LastActivity, ua), cancellationToken);
        }
        foreach (var (serverName, at) in servers)
        {
            await db.Servers.Where(s => s.UserId == userId && s.Name == serverName && (s.LastActivity == null || s.LastActivity < at))
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.LastActivity, at), cancellationToken);
        }
    }

    /// <summary>Maps each given user to their group names (for <c>!group=</c> scope filters).</summary>
    public async Task<IReadOnlyList<string>> GroupsOfAsync(string userName, CancellationToken cancellationToken) =>
        await db.Users.AsNoTracking().Where(u => u.Name == userName).SelectMany(u => u.Groups.Select(g => g.Name)).OrderBy(n => n).ToListAsync(cancellationToken);

    private Task SaveAsync(CancellationToken cancellationToken) => db.SaveOrConflictAsync(cancellationToken);
}
