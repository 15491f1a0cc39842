using System.Text.Json;
using Greyhub.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Greyhub.Data.Stores;

/// <summary>Registered datasets (<c>datasets</c>): EF Core queries only; the rules live in the data-access brick.</summary>
public sealed class DatasetStore(HubDbContext db)
{
    /// <summary>Every dataset, by name.</summary>
    public async Task<IReadOnlyList<DatasetRecord>> ListAsync(CancellationToken cancellationToken)
    {
        var rows = await db.Datasets.AsNoTracking().OrderBy(d => d.Name).ToListAsync(cancellationToken);
        return [.. rows.Select(ToRecord)];
    }

    /// <summary>One dataset, or null.</summary>
    public async Task<DatasetRecord?> FindAsync(string name, CancellationToken cancellationToken)
    {
        var row = await db.Datasets.AsNoTracking().FirstOrDefaultAsync(d => d.Name == name, cancellationToken);
        return row is null ? null : ToRecord(row);
    }

    /// <summary>Stores a new dataset.</summary>
    /// <exception cref="ConflictException">A dataset of that name exists already.</exception>
    public async Task AddAsync(DatasetRecord dataset, CancellationToken cancellationToken)
    {
        var row = new DatasetEntity { Name = dataset.Name, Location = dataset.Location, Format = dataset.Format };
        Copy(dataset, row);
        row.Created = dataset.Created;
        db.Datasets.Add(row);
        await db.SaveOrConflictAsync(cancellationToken);
        db.ChangeTracker.Clear();
    }

    /// <summary>Replaces a dataset's fields (not its name or creation time); false when there is none.</summary>
    public async Task<bool> UpdateAsync(DatasetRecord dataset, CancellationToken cancellationToken)
    {
        var row = await db.Datasets.FirstOrDefaultAsync(d => d.Name == dataset.Name, cancellationToken);
        if (row is null)
        {
            return false;
        }
        Copy(dataset, row);
        await db.SaveOrConflictAsync(cancellationToken);
        db.ChangeTracker.Clear();
        return true;
    }

    /// <summary>Removes a dataset (never its bytes); false when there was none.</summary>
    public async Task<bool> RemoveAsync(string name, CancellationToken cancellationToken) =>
        await db.Datasets.Where(d => d.Name == name).ExecuteDeleteAsync(cancellationToken) > 0;

    private static void Copy(DatasetRecord from, DatasetEntity to)
    {
        to.Title = from.Title;
        to.Description = from.Description;
        to.Owner = from.Owner;
        to.ReadGroups = JsonSerializer.Serialize(from.ReadGroups, DataJson.Default.IReadOnlyListString);
        to.WriteGroups = JsonSerializer.Serialize(from.WriteGroups, DataJson.Default.IReadOnlyListString);
        to.Location = from.Location;
        to.Format = from.Format;
        to.Modified = from.Modified;
    }

    private static DatasetRecord ToRecord(DatasetEntity d) => new(
        d.Name,
        d.Title,
        d.Description,
        d.Owner,
        Groups(d.ReadGroups),
        Groups(d.WriteGroups),
        d.Location,
        d.Format,
        d.Created,
        d.Modified);

    private static IReadOnlyList<string> Groups(string json) =>
        JsonSerializer.Deserialize(json, DataJson.Default.IReadOnlyListString) ?? [];
}
