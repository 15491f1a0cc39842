using Microsoft.EntityFrameworkCore;

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
        catch (DbUpdateException ex)
        {
            db.ChangeTracker.Clear();
            throw new ConflictException("The change conflicts with existing data: " + (ex.InnerException?.Message ?? ex.Message));
        }
    }
}
