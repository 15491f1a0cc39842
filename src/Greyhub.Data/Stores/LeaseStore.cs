using Greyhub.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Greyhub.Data.Stores;

/// <summary>
/// Housekeeping leases. Taking or renewing one is a single conditional write (held by the caller, or expired), so of two
/// hubs racing for it exactly one wins, on SQLite and on PostgreSQL alike; no session lock outlives its connection.
/// </summary>
public sealed class LeaseStore(HubDbContext db)
{
    /// <summary>
    /// Takes or renews lease <paramref name="name"/> for <paramref name="holder"/> until <paramref name="expiresAt"/>;
    /// true when the caller holds it afterwards, false when another holder's lease has not expired at <paramref name="now"/>.
    /// </summary>
    public async Task<bool> TryAcquireAsync(string name, string holder, DateTime now, DateTime expiresAt, CancellationToken cancellationToken)
    {
        var taken = await db.HousekeepingLeases.Where(l => l.Name == name && (l.Holder == holder || l.ExpiresAt <= now))
            .ExecuteUpdateAsync(l => l.SetProperty(x => x.Holder, holder).SetProperty(x => x.ExpiresAt, expiresAt), cancellationToken);
        if (taken == 1)
        {
            return true;
        }
        if (await db.HousekeepingLeases.AnyAsync(l => l.Name == name, cancellationToken))
        {
            return false;
        }
        // The very first hub: whoever inserts the row first holds the lease; the other's insert conflicts.
        db.HousekeepingLeases.Add(new HousekeepingLeaseEntity { Name = name, Holder = holder, ExpiresAt = expiresAt });
        try
        {
            await db.SaveOrConflictAsync(cancellationToken);
            return true;
        }
        catch (ConflictException)
        {
            return false;
        }
        finally
        {
            db.ChangeTracker.Clear();
        }
    }

    /// <summary>Gives lease <paramref name="name"/> up if <paramref name="holder"/> holds it, so another hub may take it at once.</summary>
    public Task ReleaseAsync(string name, string holder, CancellationToken cancellationToken) =>
        db.HousekeepingLeases.Where(l => l.Name == name && l.Holder == holder).ExecuteDeleteAsync(cancellationToken);
}
