using Greyhub.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Greyhub.Data.Stores;

/// <summary>Group queries and writes. Every write is one transaction.</summary>
public sealed class GroupStore(HubDbContext db)
{
    /// <summary>Finds a group by name.</summary>
    public Task<GroupRecord?> FindAsync(string name, CancellationToken cancellationToken) =>
        db.Groups.AsNoTracking().Where(g => g.Name == name)
            .Select(g => new GroupRecord(g.Id, g.Name, g.Properties, g.Users.OrderBy(u => u.Name).Select(u => u.Name).ToList()))
            .FirstOrDefaultAsync(cancellationToken);

    /// <summary>Lists groups, optionally only those named.</summary>
    public async Task<Page<GroupRecord>> ListAsync(int offset, int limit, IReadOnlyCollection<string>? only, CancellationToken cancellationToken)
    {
        var groups = db.Groups.AsNoTracking();
        if (only is not null)
        {
            groups = groups.Where(g => only.Contains(g.Name));
        }
        var total = await groups.CountAsync(cancellationToken);
        var items = await groups.OrderBy(g => g.Id).Skip(offset).Take(limit)
            .Select(g => new GroupRecord(g.Id, g.Name, g.Properties, g.Users.OrderBy(u => u.Name).Select(u => u.Name).ToList()))
            .AsSplitQuery()
            .ToListAsync(cancellationToken);
        return new Page<GroupRecord>(items, total);
    }

    /// <summary>Returns the names among <paramref name="names"/> that already exist.</summary>
    public async Task<IReadOnlyList<string>> ExistingAsync(IReadOnlyCollection<string> names, CancellationToken cancellationToken) =>
        await db.Groups.AsNoTracking().Where(g => names.Contains(g.Name)).Select(g => g.Name).ToListAsync(cancellationToken);

    /// <summary>Creates groups with members in one transaction; every user must exist.</summary>
    public async Task CreateAsync(IReadOnlyCollection<string> names, IReadOnlyCollection<string> users, CancellationToken cancellationToken)
    {
        var members = await LoadUsersAsync(users, cancellationToken);
        foreach (var name in names)
        {
            db.Groups.Add(new GroupEntity { Name = name, Users = [.. members] });
        }
        await SaveAsync(cancellationToken);
    }

    /// <summary>Deletes a group; false if absent.</summary>
    public async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken)
    {
        var group = await db.Groups.FirstOrDefaultAsync(g => g.Name == name, cancellationToken);
        if (group is null)
        {
            return false;
        }
        db.Groups.Remove(group);
        await SaveAsync(cancellationToken);
        return true;
    }

    /// <summary>Adds or removes members in one transaction; every user must exist.</summary>
    public async Task ChangeMembersAsync(string name, IReadOnlyCollection<string> users, bool add, CancellationToken cancellationToken)
    {
        var group = await db.Groups.Include(g => g.Users).FirstOrDefaultAsync(g => g.Name == name, cancellationToken)
            ?? throw new NotFoundException($"No such group: {name}");
        var members = await LoadUsersAsync(users, cancellationToken);
        foreach (var user in members)
        {
            if (add && !group.Users.Contains(user))
            {
                group.Users.Add(user);
            }
            else if (!add)
            {
                group.Users.Remove(user);
            }
        }
        await SaveAsync(cancellationToken);
    }

    /// <summary>Replaces a group's properties (a JSON object).</summary>
    public async Task SetPropertiesAsync(string name, string propertiesJson, CancellationToken cancellationToken)
    {
        var updated = await db.Groups.Where(g => g.Name == name)
            .ExecuteUpdateAsync(s => s.SetProperty(g => g.Properties, propertiesJson), cancellationToken);
        if (updated == 0)
        {
            throw new NotFoundException($"No such group: {name}");
        }
    }

    /// <summary>Members of each of <paramref name="groups"/>.</summary>
    public async Task<IReadOnlyList<string>> MembersOfAsync(IReadOnlyCollection<string> groups, CancellationToken cancellationToken) =>
        await db.Groups.AsNoTracking().Where(g => groups.Contains(g.Name)).SelectMany(g => g.Users.Select(u => u.Name)).Distinct().OrderBy(n => n).ToListAsync(cancellationToken);

    private async Task<List<UserEntity>> LoadUsersAsync(IReadOnlyCollection<string> users, CancellationToken cancellationToken)
    {
        if (users.Count == 0)
        {
            return [];
        }
        var found = await db.Users.Where(u => users.Contains(u.Name)).ToListAsync(cancellationToken);
        var missing = users.Except(found.Select(u => u.Name), StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            throw new NotFoundException($"No such user(s): {string.Join(", ", missing)}");
        }
        return found;
    }

    private Task SaveAsync(CancellationToken cancellationToken) => db.SaveOrConflictAsync(cancellationToken);
}
