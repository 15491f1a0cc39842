using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace Greyhub.Data;

/// <summary>One rule for every store: a write that breaks a uniqueness or reference rule is a <see cref="ConflictException"/>, and nothing of it stays tracked.</summary>
internal static class SaveChanges
{
    public static async Task SaveOrConflictAsync(this HubDbContext db, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.InnerException is DbException inner && db.GetService<HubDatabase>().Provider.IsConstraintViolation(inner))
        {
            db.ChangeTracker.Clear();
            throw new ConflictException("The change conflicts with existing data: " + inner.Message);
        }
        catch (DbUpdateException)
        {
            // Anything else (a lost connection, a deadlock victim) is no conflict of the caller's making.
            db.ChangeTracker.Clear();
            throw;
        }
    }
}
