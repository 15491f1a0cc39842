using Greyhub.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Greyhub.Data.Stores;

/// <summary>A user's stored authentication state: the encrypted bytes and the provider that wrote them.</summary>
public sealed record StoredAuthState(string? Provider, byte[] Encrypted, DateTime Updated);

/// <summary>Users' encrypted authentication state (one row per user); the service above it encrypts and decrypts.</summary>
public sealed class AuthStateStore(HubDbContext db)
{
    /// <summary>The stored state of a user, or null when there is none.</summary>
    public async Task<StoredAuthState?> FindAsync(int userId, CancellationToken cancellationToken) =>
        await db.AuthStates.AsNoTracking().Where(a => a.UserId == userId)
            .Select(a => new StoredAuthState(a.Provider, a.Encrypted, a.Updated))
            .FirstOrDefaultAsync(cancellationToken);

    /// <summary>
    /// Writes (or with <paramref name="encrypted"/> null, removes) a user's state in one transaction. A null
    /// <paramref name="provider"/> keeps the provider already recorded.
    /// </summary>
    public async Task SaveAsync(int userId, string? provider, byte[]? encrypted, DateTime now, CancellationToken cancellationToken)
    {
        var row = await db.AuthStates.FirstOrDefaultAsync(a => a.UserId == userId, cancellationToken);
        if (encrypted is null)
        {
            if (row is not null)
            {
                db.AuthStates.Remove(row);
            }
        }
        else if (row is null)
        {
            db.AuthStates.Add(new AuthStateEntity { UserId = userId, Provider = provider, Encrypted = encrypted, Updated = now });
        }
        else
        {
            row.Encrypted = encrypted;
            row.Provider = provider ?? row.Provider;
            row.Updated = now;
        }
        await db.SaveChangesAsync(cancellationToken);
        db.ChangeTracker.Clear();
    }
}
