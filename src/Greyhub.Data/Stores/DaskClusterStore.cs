using Greyhub.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Greyhub.Data.Stores;

/// <summary>Dask clusters: EF Core queries only; the clusters brick holds the rules.</summary>
public sealed class DaskClusterStore(HubDbContext db)
{
    /// <summary>Adds a new cluster.</summary>
    public async Task AddAsync(DaskClusterEntity cluster, CancellationToken cancellationToken)
    {
        db.DaskClusters.Add(cluster);
        await db.SaveChangesAsync(cancellationToken);
        db.Entry(cluster).State = EntityState.Detached;
    }

    /// <summary>One cluster by name, or null.</summary>
    public Task<DaskClusterEntity?> FindAsync(string name, CancellationToken cancellationToken) =>
        db.DaskClusters.AsNoTracking().FirstOrDefaultAsync(c => c.Name == name, cancellationToken);

    /// <summary>The clusters of <paramref name="userName"/> (every user's when null) whose status is one of <paramref name="statuses"/> (any when null), oldest first.</summary>
    public async Task<List<DaskClusterEntity>> ListAsync(string? userName, IReadOnlyCollection<int>? statuses, CancellationToken cancellationToken)
    {
        var query = db.DaskClusters.AsNoTracking();
        if (userName is not null)
        {
            query = query.Where(c => c.UserName == userName);
        }
        if (statuses is not null)
        {
            query = query.Where(c => statuses.Contains(c.Status));
        }
        var list = await query.ToListAsync(cancellationToken);
        return [.. list.OrderBy(c => c.CreatedAt)];
    }

    /// <summary>Writes a cluster's status, state, reason and stop time.</summary>
    public Task<int> UpdateAsync(DaskClusterEntity cluster, CancellationToken cancellationToken) =>
        db.DaskClusters.Where(c => c.Name == cluster.Name).ExecuteUpdateAsync(c => c
            .SetProperty(x => x.Status, cluster.Status)
            .SetProperty(x => x.State, cluster.State)
            .SetProperty(x => x.Reason, cluster.Reason)
            .SetProperty(x => x.StoppedAt, cluster.StoppedAt), cancellationToken);

    /// <summary>Deletes finished clusters that stopped before <paramref name="before"/>.</summary>
    public Task<int> PurgeAsync(DateTime before, CancellationToken cancellationToken) =>
        db.DaskClusters.Where(c => c.StoppedAt != null && c.StoppedAt < before).ExecuteDeleteAsync(cancellationToken);
}
