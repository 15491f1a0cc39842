using Microsoft.EntityFrameworkCore;

namespace Greyhub.Data.Stores;

/// <summary>Server queries and writes.</summary>
public sealed class ServerStore(HubDbContext db)
{
    /// <summary>Counts servers in a phase.</summary>
    public Task<int> CountAsync(string phase, CancellationToken cancellationToken) =>
        db.Servers.CountAsync(s => s.Phase == phase, cancellationToken);

    /// <summary>Names of a user's servers (to validate activity reports).</summary>
    public async Task<IReadOnlyList<string>> NamesAsync(int userId, CancellationToken cancellationToken) =>
        await db.Servers.AsNoTracking().Where(s => s.UserId == userId).Select(s => s.Name).ToListAsync(cancellationToken);
}
