using Greyhub.Data;
using Greyhub.Data.Stores;
using Greyhub.Hub.Auth;

namespace Greyhub.Hub.Groups;

/// <summary>Group rules above the store.</summary>
internal sealed class GroupService(GroupStore groups, HubState state, HubRoles roles)
{
    public Task<GroupRecord?> FindAsync(string name, CancellationToken cancellationToken) => groups.FindAsync(name, cancellationToken);

    public Task<Page<GroupRecord>> ListAsync(int offset, int limit, IReadOnlyCollection<string>? only, CancellationToken cancellationToken) =>
        groups.ListAsync(offset, limit, only, cancellationToken);

    /// <summary>Creates groups with members in one transaction (409 if any exists).</summary>
    public async Task<IReadOnlyList<GroupRecord>> CreateAsync(IReadOnlyList<string> names, IReadOnlyList<string> users, CancellationToken cancellationToken)
    {
        if (names.Count == 0)
        {
            throw HubException.Invalid("Must specify at least one group to create");
        }
        var invalid = names.Where(n => !Names.IsValid(n)).ToList();
        if (invalid.Count > 0)
        {
            throw HubException.Invalid($"Invalid group names: {string.Join(", ", invalid)}");
        }
        var existing = await groups.ExistingAsync(names, cancellationToken);
        if (existing.Count > 0)
        {
            throw HubException.Conflict($"Group {existing[0]} already exists");
        }
        try
        {
            await groups.CreateAsync(names.Distinct(StringComparer.Ordinal).ToList(), Members(users), cancellationToken);
        }
        catch (NotFoundException ex)
        {
            throw HubException.Invalid(ex.Message);
        }
        Changed();
        var created = new List<GroupRecord>();
        foreach (var name in names.Distinct(StringComparer.Ordinal))
        {
            created.Add((await groups.FindAsync(name, cancellationToken))!);
        }
        return created;
    }

    public async Task DeleteAsync(string name, CancellationToken cancellationToken)
    {
        await groups.DeleteAsync(name, cancellationToken);
        Changed();
    }

    public async Task<GroupRecord> ChangeMembersAsync(string name, IReadOnlyList<string> users, bool add, CancellationToken cancellationToken)
    {
        try
        {
            await groups.ChangeMembersAsync(name, Members(users), add, cancellationToken);
        }
        catch (NotFoundException ex) when (ex.Message.StartsWith("No such user", StringComparison.Ordinal))
        {
            throw HubException.Invalid(ex.Message);
        }
        Changed();
        return (await groups.FindAsync(name, cancellationToken))!;
    }

    public async Task<GroupRecord> SetPropertiesAsync(string name, string json, CancellationToken cancellationToken)
    {
        await groups.SetPropertiesAsync(name, json, cancellationToken);
        Changed();
        return (await groups.FindAsync(name, cancellationToken))!;
    }

    /// <summary>
    /// Makes <paramref name="user"/> a member of exactly <paramref name="wanted"/>, creating missing groups (an
    /// authenticator or provider that manages groups: JupyterHub's <c>manage_groups</c>).
    /// </summary>
    public async Task SetMembershipAsync(string user, IReadOnlySet<string> wanted, IReadOnlyList<string> current, CancellationToken cancellationToken)
    {
        foreach (var group in current.Where(g => !wanted.Contains(g)))
        {
            await ChangeMembersAsync(group, [user], add: false, cancellationToken);
        }
        foreach (var group in wanted.Where(g => !current.Contains(g, StringComparer.Ordinal)))
        {
            if (await FindAsync(group, cancellationToken) is null)
            {
                await CreateAsync([group], [user], cancellationToken);
            }
            else
            {
                await ChangeMembersAsync(group, [user], add: true, cancellationToken);
            }
        }
    }

    /// <summary>User names as stored: JupyterHub normalizes the names given for group members.</summary>
    private static List<string> Members(IReadOnlyList<string> users) =>
        users.Select(Names.NormalizeUser).Distinct(StringComparer.Ordinal).ToList();

    private void Changed()
    {
        state.Changed();
        roles.Clear();
    }
}
