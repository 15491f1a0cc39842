using Greyhub.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Greyhub.Data.Stores;

/// <summary>Server queries and writes. Every phase change is one conditional write, so two hubs or two requests never both win.</summary>
public sealed class ServerStore(HubDbContext db)
{
    /// <summary>Counts servers in a phase.</summary>
    public Task<int> CountAsync(string phase, CancellationToken cancellationToken) =>
        db.Servers.CountAsync(s => s.Phase == phase, cancellationToken);

    /// <summary>
    /// Counts servers that are not stopped (pending, waiting in line, running or stopping), of everyone or of the members
    /// of <paramref name="group"/>: what JupyterHub's <c>active_server_limit</c> counts.
    /// </summary>
    public Task<int> CountActiveAsync(string? group, CancellationToken cancellationToken) =>
        group is null
            ? db.Servers.CountAsync(s => s.Phase != ServerPhases.Stopped, cancellationToken)
            : db.Servers.CountAsync(s => s.Phase != ServerPhases.Stopped && s.User!.Groups.Any(g => g.Name == group), cancellationToken);

    /// <summary>Names of a user's servers (to validate activity reports).</summary>
    public async Task<IReadOnlyList<string>> NamesAsync(int userId, CancellationToken cancellationToken) =>
        await db.Servers.AsNoTracking().Where(s => s.UserId == userId).Select(s => s.Name).ToListAsync(cancellationToken);

    /// <summary>One server of a user, or null.</summary>
    public async Task<ServerRecord?> FindAsync(int userId, string name, CancellationToken cancellationToken) =>
        await db.Servers.AsNoTracking().Where(s => s.UserId == userId && s.Name == name)
            .Select(s => new ServerRecord(s.Id, s.Name, s.Phase, s.Url, s.Started, s.LastActivity, s.UserOptions, s.State, s.StopReason))
            .FirstOrDefaultAsync(cancellationToken);

    /// <summary>A server by id, or null.</summary>
    public async Task<ServerRecord?> FindByIdAsync(int serverId, CancellationToken cancellationToken) =>
        await db.Servers.AsNoTracking().Where(s => s.Id == serverId)
            .Select(s => new ServerRecord(s.Id, s.Name, s.Phase, s.Url, s.Started, s.LastActivity, s.UserOptions, s.State, s.StopReason))
            .FirstOrDefaultAsync(cancellationToken);

    /// <summary>How many named servers a user has.</summary>
    public Task<int> CountNamedAsync(int userId, CancellationToken cancellationToken) =>
        db.Servers.CountAsync(s => s.UserId == userId && s.Name != "", cancellationToken);

    /// <summary>
    /// Marks a stopped (or new) server pending with its options; false when it is not stopped. This write comes
    /// before any action, so a hub killed right after it knows a start was under way. The state a stopped server kept
    /// stays, for the start to read.
    /// </summary>
    public async Task<bool> TryMarkPendingAsync(int userId, string name, string userOptions, DateTime now, CancellationToken cancellationToken)
    {
        if (!await db.Servers.AnyAsync(s => s.UserId == userId && s.Name == name, cancellationToken))
        {
            db.Servers.Add(new ServerEntity { UserId = userId, Name = name });
            try
            {
                await db.SaveOrConflictAsync(cancellationToken);
            }
            catch (ConflictException)
            {
                // A concurrent start (another request, another hub on the same PostgreSQL) added the row first: the
                // conditional write below decides which of the two starts it.
            }
            db.ChangeTracker.Clear();
        }
        var changed = await db.Servers.Where(s => s.UserId == userId && s.Name == name && s.Phase == ServerPhases.Stopped)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.Phase, ServerPhases.Pending)
                .SetProperty(x => x.UserOptions, userOptions)
                .SetProperty(x => x.Started, now)
                .SetProperty(x => x.LastActivity, now)
                .SetProperty(x => x.Url, (string?)null)
                .SetProperty(x => x.StopReason, (string?)null), cancellationToken);
        return changed == 1;
    }

    /// <summary>Stores the hub's state of a server (token, spawner state) while it starts or runs.</summary>
    public Task SaveStateAsync(int serverId, string state, CancellationToken cancellationToken) =>
        db.Servers.Where(s => s.Id == serverId).ExecuteUpdateAsync(s => s.SetProperty(x => x.State, state), cancellationToken);

    /// <summary>Moves a server from one phase to another; false when it was not in <paramref name="from"/>.</summary>
    public async Task<bool> TransitionAsync(int serverId, string from, string to, string? url, CancellationToken cancellationToken) =>
        await db.Servers.Where(s => s.Id == serverId && s.Phase == from)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.Phase, to).SetProperty(x => x.Url, url), cancellationToken) == 1;

    /// <summary>
    /// Marks a server stopped and forgets its state, whatever its phase; <paramref name="reason"/> says why when its
    /// owner did not ask for it (null otherwise).
    /// </summary>
    public Task MarkStoppedAsync(int serverId, string? reason, CancellationToken cancellationToken) =>
        MarkStoppedAsync(serverId, reason, "{}", cancellationToken);

    /// <summary>
    /// Marks a server stopped, whatever its phase, keeping <paramref name="keptState"/> as its state (what the next
    /// start is given back, as JupyterHub keeps a stopped spawner's state), or its state as it is when null.
    /// </summary>
    public Task MarkStoppedAsync(int serverId, string? reason, string? keptState, CancellationToken cancellationToken) =>
        db.Servers.Where(s => s.Id == serverId).ExecuteUpdateAsync(s => s.SetProperty(x => x.Phase, ServerPhases.Stopped)
            .SetProperty(x => x.Url, (string?)null).SetProperty(x => x.State, x => keptState ?? x.State).SetProperty(x => x.StopReason, reason), cancellationToken);

    /// <summary>
    /// Marks many servers stopped at once (the dead ones a restarted hub finds), as <see cref="MarkStoppedAsync(int, string?, string?, CancellationToken)"/>
    /// does one: one update per distinct reason and kept state, all in one transaction, so a thousand servers cost one
    /// commit rather than a thousand.
    /// </summary>
    public async Task MarkStoppedManyAsync(IReadOnlyList<(int ServerId, string? Reason, string? KeptState)> servers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(servers);
        if (servers.Count == 0)
        {
            return;
        }
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        foreach (var group in servers.GroupBy(s => (s.Reason, s.KeptState)))
        {
            var (reason, keptState) = group.Key;
            var ids = group.Select(s => s.ServerId).ToList();
            await db.Servers.Where(s => ids.Contains(s.Id)).ExecuteUpdateAsync(s => s.SetProperty(x => x.Phase, ServerPhases.Stopped)
                .SetProperty(x => x.Url, (string?)null).SetProperty(x => x.State, x => keptState ?? x.State).SetProperty(x => x.StopReason, reason), cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Deletes a stopped server row (a removed named server).</summary>
    public Task DeleteAsync(int serverId, CancellationToken cancellationToken) =>
        db.Servers.Where(s => s.Id == serverId && s.Phase == ServerPhases.Stopped).ExecuteDeleteAsync(cancellationToken);

    /// <summary>Every server that is not stopped, with its owner: what a starting hub re-attaches (never all users).</summary>
    public async Task<IReadOnlyList<ActiveServer>> ListActiveAsync(CancellationToken cancellationToken) =>
        await db.Servers.AsNoTracking().Where(s => s.Phase == ServerPhases.Running || s.Phase == ServerPhases.Pending || s.Phase == ServerPhases.Stopping)
            .Select(s => new ActiveServer(s.Id, s.UserId, s.User!.Name, s.Name, s.Phase, s.Url, s.State, s.Started, s.UserOptions))
            .ToListAsync(cancellationToken);

    /// <summary>
    /// Every running server with its times and its owner's (admin flag, groups, created, last activity), in one query:
    /// what the idle culler weighs. Its cost follows the running servers, never the number of users.
    /// </summary>
    public async Task<IReadOnlyList<RunningServer>> ListRunningWithOwnersAsync(CancellationToken cancellationToken) =>
        await db.Servers.AsNoTracking().Where(s => s.Phase == ServerPhases.Running)
            .Select(s => new RunningServer(s.Id, s.Name, s.Started, s.LastActivity,
                new ServerOwner(s.UserId, s.User!.Name, s.User.Admin, s.User.Created, s.User.LastActivity, s.User.Groups.Select(g => g.Name).ToList())))
            .ToListAsync(cancellationToken);

    /// <summary>Moves last activity of servers forward (never back), and their owners'.</summary>
    public async Task RecordActivityAsync(IReadOnlyCollection<(int ServerId, DateTime At)> activity, CancellationToken cancellationToken)
    {
        foreach (var (serverId, at) in activity)
        {
            await db.Servers.Where(s => s.Id == serverId && (s.LastActivity == null || s.LastActivity < at))
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.LastActivity, at), cancellationToken);
            await db.Users.Where(u => u.Servers.Any(s => s.Id == serverId) && (u.LastActivity == null || u.LastActivity < at))
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.LastActivity, at), cancellationToken);
        }
    }
}

/// <summary>A server that is pending, running or stopping, with its owner's name, when its start was asked for and its options.</summary>
public sealed record ActiveServer(int Id, int UserId, string UserName, string Name, string Phase, string? Url, string State, DateTime? Started = null, string UserOptions = "{}");

/// <summary>A running server as the idle culler sees it: when it started, when it was last active, and its owner.</summary>
public sealed record RunningServer(int Id, string Name, DateTime? Started, DateTime? LastActivity, ServerOwner Owner);

/// <summary>The owner of a running server: admin flag, groups, when created and last active.</summary>
public sealed record ServerOwner(int Id, string Name, bool Admin, DateTime Created, DateTime? LastActivity, IReadOnlyList<string> Groups);
