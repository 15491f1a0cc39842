using Greyhub.Abstractions.Authentication;
using Greyhub.Data;
using Greyhub.Data.Stores;
using Greyhub.Hub.Servers;
using Greyhub.Hub.Users;

namespace Greyhub.Hub.Login;

/// <summary>
/// The authenticator's <c>pre_spawn_start</c>: before each server start it is told the user (with the decrypted
/// <c>auth_state</c>) and may add environment variables. An authenticator that cannot answer fails the start, as an
/// exception in JupyterHub's <c>pre_spawn_start</c> does.
/// </summary>
internal sealed class AuthenticatorStartHook(IPasswordAuthenticator authenticator, UserStore users, AuthStates authStates, UserAuthRefresh refresh) : IServerStartHook
{
    /// <summary>JupyterHub's <c>refresh_pre_spawn</c>: a refresh whatever its age, and an expired sign-in refuses the start.</summary>
    public async Task BeforeStartAsync(UserRecord user, CancellationToken cancellationToken)
    {
        if (UserAuthRefresh.BeforeSpawn(authenticator) && !await refresh.RefreshAsync(user.Name, cancellationToken))
        {
            throw HubException.Forbidden($"The sign-in of {user.Name} has expired: sign in again, then start the server.");
        }
    }

    public async Task<IReadOnlyDictionary<string, string>> EnvironmentAsync(int userId, ServerKey server, CancellationToken cancellationToken)
    {
        // The built-in authenticator has no hook: no database read on its starts.
        if (authenticator is BuiltInAuthenticator || await users.FindAsync(server.User, cancellationToken) is not { } user)
        {
            return AuthenticatedUser.NoEnvironment;
        }
        var authState = (await authStates.GetAsync(userId, cancellationToken))?.State;
        return await authenticator.PreSpawnStartAsync(new AuthenticatedUser(user.Name, user.Admin, user.Groups, authState), server.Server, cancellationToken);
    }
}
