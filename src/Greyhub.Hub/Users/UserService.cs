using Greyhub.Data;
using Greyhub.Data.Stores;
using Greyhub.Hub.Auth;
using Greyhub.Scopes;

namespace Greyhub.Hub.Users;

/// <summary>User rules above the store: names, the admin flag, consistency of caches.</summary>
internal sealed class UserService(UserStore users, HubState state, TimeProvider time)
{
    public Task<UserRecord?> FindAsync(string name, CancellationToken cancellationToken) => users.FindAsync(name, cancellationToken);

    /// <summary>Whether any user exists (the login page explains how to create the first one).</summary>
    public Task<bool> AnyAsync(CancellationToken cancellationToken) => users.AnyAsync(cancellationToken);

    public Task<Page<UserRecord>> ListAsync(UserQuery query, CancellationToken cancellationToken) => users.ListAsync(query, cancellationToken);

    /// <summary>
    /// The users <c>list:users</c> lets <paramref name="scopes"/> list, as a query (only these users and members of these
    /// groups; neither when unfiltered); null when the scope is not held or carries a filter that does not apply to
    /// user lists: as JupyterHub, a <c>!server</c> or <c>!service</c> filter must not widen to whole users.
    /// </summary>
    public static UserQuery? ListableBy(ExpandedScopes scopes)
    {
        var filter = scopes.FilterFor("list:users");
        if (filter.IsUnfiltered)
        {
            return new UserQuery();
        }
        if (!filter.IsHeld || filter.Servers.Count > 0 || filter.Services.Count > 0)
        {
            return null;
        }
        return new UserQuery { OnlyUsers = filter.Users.ToList(), OnlyGroups = filter.Groups.ToList() };
    }

    /// <summary>Creates users; existing ones are skipped; 409 when all exist (JupyterHub's <c>POST /users</c>).</summary>
    public async Task<IReadOnlyList<UserRecord>> CreateManyAsync(IReadOnlyList<string> requested, bool admin, RequestIdentity caller, CancellationToken cancellationToken)
    {
        // GHSA-69wv-m5fw-2fhp and CVE-2024-41942: unfiltered admin:users to create, an admin to create admins.
        Enforce(AdminRules.CheckCreateUsers(caller.Scopes, caller.Admin, admin));
        var names = requested.Select(Names.NormalizeUser).Distinct(StringComparer.Ordinal).ToList();
        var invalid = names.Where(n => !Names.IsValid(n)).ToList();
        if (invalid.Count > 0)
        {
            throw HubException.Invalid($"Invalid usernames: {string.Join(", ", invalid)}");
        }
        if (names.Count == 0)
        {
            throw HubException.Invalid("Must specify at least one user to create");
        }
        var existing = await users.ExistingAsync(names, cancellationToken);
        var toCreate = names.Except(existing, StringComparer.Ordinal).ToList();
        if (toCreate.Count == 0)
        {
            throw HubException.Conflict($"All {names.Count} users already exist");
        }
        await users.CreateAsync(toCreate, admin, time.GetUtcNow().UtcDateTime, cancellationToken);
        state.Changed();
        var created = new List<UserRecord>();
        foreach (var name in toCreate)
        {
            created.Add((await users.FindAsync(name, cancellationToken))!);
        }
        return created;
    }

    /// <summary>Creates one user (<c>POST /users/{name}</c>); 409 when it exists.</summary>
    public async Task<UserRecord> CreateAsync(string name, bool admin, RequestIdentity caller, CancellationToken cancellationToken)
    {
        Enforce(AdminRules.CheckCreateUsers(caller.Scopes, caller.Admin, admin));
        if (!Names.IsValid(name) || Names.NormalizeUser(name) != name)
        {
            throw HubException.Invalid($"Invalid username: {name}");
        }
        if ((await users.ExistingAsync([name], cancellationToken)).Count > 0)
        {
            throw HubException.Conflict($"User {name} already exists");
        }
        await users.CreateAsync([name], admin, time.GetUtcNow().UtcDateTime, cancellationToken);
        state.Changed();
        return (await users.FindAsync(name, cancellationToken))!;
    }

    /// <summary>Renames and/or sets admin (<c>PATCH /users/{name}</c>).</summary>
    public async Task<UserRecord> UpdateAsync(UserRecord user, string? newName, bool? admin, RequestIdentity caller, CancellationToken cancellationToken)
    {
        // CVE-2024-41942: admin:users alone must not reach admin, neither by the flag nor by editing an admin.
        Enforce(AdminRules.CheckModifyUser(caller.Admin, user.Admin, admin));
        if (newName is not null)
        {
            newName = Names.NormalizeUser(newName);
            if (!Names.IsValid(newName))
            {
                throw HubException.Invalid($"Invalid username: {newName}");
            }
            if (newName != user.Name && (await users.ExistingAsync([newName], cancellationToken)).Count > 0)
            {
                throw HubException.Invalid($"User {newName} already exists, username must be unique");
            }
        }
        await users.UpdateAsync(user.Name, newName, admin, cancellationToken);
        state.Changed();
        return (await users.FindAsync(newName ?? user.Name, cancellationToken))!;
    }

    /// <summary>Deletes a user (<c>DELETE /users/{name}</c>).</summary>
    public async Task DeleteAsync(UserRecord user, RequestIdentity caller, CancellationToken cancellationToken)
    {
        CheckDeletable(user, caller);
        if (user.Servers.Any(s => s.Phase is not Data.Entities.ServerPhases.Stopped))
        {
            throw HubException.Invalid($"User {user.Name} has a server running or pending; stop it first");
        }
        await DeleteStoppedAsync(user, cancellationToken);
    }

    /// <summary>Deletes a user whose servers are all stopped (the API's delete once checked, the idle culler's).</summary>
    public async Task DeleteStoppedAsync(UserRecord user, CancellationToken cancellationToken)
    {
        await users.DeleteAsync(user.Name, cancellationToken);
        state.Changed();
    }

    /// <summary>Refuses a delete the caller may not make (checked before the user's servers are stopped).</summary>
    public static void CheckDeletable(UserRecord user, RequestIdentity caller)
    {
        if (caller.IsUser && caller.Name == user.Name)
        {
            throw HubException.Invalid("Cannot delete yourself!");
        }
        // Stricter than JupyterHub 5.4, which guards only PATCH and POST: deleting an admin is modifying one.
        Enforce(AdminRules.CheckModifyUser(caller.Admin, user.Admin, requestedAdmin: null));
    }

    /// <summary>Records activity reported for a user and their servers.</summary>
    public Task RecordActivityAsync(int userId, DateTime? last, IReadOnlyDictionary<string, DateTime> servers, CancellationToken cancellationToken) =>
        users.RecordActivityAsync(userId, last, servers, cancellationToken);

    private static void Enforce(AdminDecision decision)
    {
        if (!decision.IsAllowed)
        {
            // The rules speak HTTP (they mirror JupyterHub's answers); the service speaks kinds.
            throw new HubException(decision.StatusCode == 404 ? HubErrorKind.NotFound : HubErrorKind.Forbidden, decision.Message!);
        }
    }
}
