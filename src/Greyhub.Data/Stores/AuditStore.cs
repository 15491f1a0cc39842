using System.Runtime.CompilerServices;
using Greyhub.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Greyhub.Data.Stores;

/// <summary>The audit log's rows: appended in batches, listed newest first, pruned by age.</summary>
public sealed class AuditStore(HubDbContext db)
{
    /// <summary>Appends entries in one round trip.</summary>
    public async Task AddAsync(IReadOnlyList<AuditRecord> entries, CancellationToken cancellationToken)
    {
        foreach (var e in entries)
        {
            db.AuditLog.Add(new AuditEntryEntity
            {
                At = e.At,
                Action = e.Action,
                ActorKind = e.ActorKind,
                Actor = e.Actor,
                UserName = e.UserName,
                Target = e.Target,
                Address = e.Address,
                Detail = e.Detail,
            });
        }
        await db.SaveChangesAsync(cancellationToken);
        db.ChangeTracker.Clear();
    }

    /// <summary>One page of entries, newest first, and how many match.</summary>
    public async Task<Page<AuditRecord>> ListAsync(AuditQuery query, int offset, int limit, CancellationToken cancellationToken)
    {
        var matching = Filter(query);
        var total = await matching.CountAsync(cancellationToken);
        var items = await Project(matching.OrderByDescending(e => e.Id).Skip(offset).Take(limit)).ToListAsync(cancellationToken);
        return new Page<AuditRecord>(items, total);
    }

    /// <summary>Every matching entry, oldest first, streamed (for export).</summary>
    public async IAsyncEnumerable<AuditRecord> StreamAsync(AuditQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var entry in Project(Filter(query).OrderBy(e => e.Id)).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            yield return entry;
        }
    }

    /// <summary>Deletes entries older than <paramref name="before"/>; returns how many.</summary>
    public Task<int> PruneAsync(DateTime before, CancellationToken cancellationToken) =>
        db.AuditLog.Where(e => e.At < before).ExecuteDeleteAsync(cancellationToken);

    private IQueryable<AuditEntryEntity> Filter(AuditQuery query)
    {
        var q = db.AuditLog.AsNoTracking();
        if (query.User is { } user)
        {
            q = q.Where(e => e.UserName == user || e.Actor == user);
        }
        if (query.Action is { } action)
        {
            q = action.EndsWith('.') ? q.Where(e => e.Action.StartsWith(action)) : q.Where(e => e.Action == action);
        }
        if (query.Since is { } since)
        {
            q = q.Where(e => e.At >= since);
        }
        return q;
    }

    private static IQueryable<AuditRecord> Project(IQueryable<AuditEntryEntity> q) =>
        q.Select(e => new AuditRecord(e.Id, e.At, e.Action, e.ActorKind, e.Actor, e.UserName, e.Target, e.Address, e.Detail));
}
