using Greyhub.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Greyhub.Data.Stores;

/// <summary>Services added at run time: their definitions, stored as the hub's JSON.</summary>
public sealed class ServiceStore(HubDbContext db)
{
    /// <summary>Every stored service, by name.</summary>
    public async Task<IReadOnlyList<ServiceRecord>> ListAsync(CancellationToken cancellationToken) =>
        await db.Services.AsNoTracking().OrderBy(s => s.Name)
            .Select(s => new ServiceRecord(s.Name, s.Spec, s.Created))
            .ToListAsync(cancellationToken);

    /// <summary>Stores a new service.</summary>
    /// <exception cref="ConflictException">A service of that name is stored already.</exception>
    public async Task AddAsync(string name, string spec, DateTime created, CancellationToken cancellationToken)
    {
        db.Services.Add(new ServiceEntity { Name = name, Spec = spec, Created = created });
        await db.SaveOrConflictAsync(cancellationToken);
        db.ChangeTracker.Clear();
    }

    /// <summary>Removes a stored service; false when there was none.</summary>
    public async Task<bool> RemoveAsync(string name, CancellationToken cancellationToken) =>
        await db.Services.Where(s => s.Name == name).ExecuteDeleteAsync(cancellationToken) > 0;
}
