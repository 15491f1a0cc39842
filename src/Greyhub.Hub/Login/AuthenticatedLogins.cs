using Greyhub.Abstractions.Authentication;
using Greyhub.Data.Stores;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Groups;
using Greyhub.Hub.Users;

namespace Greyhub.Hub.Login;

/// <summary>
/// What the hub does with an authenticator's answer once the user may log in (JupyterHub's <c>auth_to_user</c>): the
/// user exists, its admin flag is the authenticator's (a configured admin stays one), its groups are the
/// authenticator's when it manages them, and its <c>auth_state</c> is stored encrypted.
/// </summary>
internal sealed class AuthenticatedLogins(UserStore users, GroupService groups, AuthStates authStates, AccessPolicy policy, HubState state, TimeProvider time)
{
    public async Task ApplyAsync(AuthenticatedUser authenticated, string authenticator, CancellationToken cancellationToken)
    {
        var name = authenticated.Name;
        var admin = policy.IsConfiguredAdmin(name) ? true : authenticated.Admin;
        var created = await users.EnsureAsync(name, admin, time.GetUtcNow().UtcDateTime, cancellationToken);
        if (created || admin is not null)
        {
            state.Changed();
        }
        if (authenticated.Groups is { } wanted)
        {
            var valid = wanted.Where(Names.IsValid).ToHashSet(StringComparer.Ordinal);
            await groups.SetMembershipAsync(name, valid, await users.GroupsOfAsync(name, cancellationToken), cancellationToken);
        }
        if (authenticated.AuthState is { } authState && await users.FindAsync(name, cancellationToken) is { } user)
        {
            await authStates.SetAsync(user.Id, authenticator, authState, cancellationToken);
        }
    }
}
