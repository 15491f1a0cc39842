using Greyhub.Abstractions.Authentication;
using Greyhub.Data.Stores;
using Greyhub.Hub.Servers;
using Greyhub.Hub.Users;
using Microsoft.Extensions.DependencyInjection;

namespace Greyhub.Hub.Login;

/// <summary>
/// The authenticator's <c>post_spawn_stop</c>: once a server has stopped, it is told the user (with the decrypted
/// <c>auth_state</c>) and the server's name, as JupyterHub's <c>User.stop</c> does. Its failure is the stopper's to log.
/// </summary>
internal sealed class AuthenticatorStopHook(IServiceScopeFactory scopes) : IServerStopHook
{
    public async Task AfterStopAsync(string userName, string serverName, CancellationToken cancellationToken)
    {
        // The stopper is a singleton; the authenticator and the stores live per request.
        await using var scope = scopes.CreateAsyncScope();
        var authenticator = scope.ServiceProvider.GetRequiredService<IPasswordAuthenticator>();
        // The built-in authenticator has no hook: no database read on its stops.
        if (authenticator is BuiltInAuthenticator
            || await scope.ServiceProvider.GetRequiredService<UserStore>().FindAsync(userName, cancellationToken) is not { } user)
        {
            return;
        }
        var authState = (await scope.ServiceProvider.GetRequiredService<AuthStates>().GetAsync(user.Id, cancellationToken))?.State;
        await authenticator.PostSpawnStopAsync(new AuthenticatedUser(user.Name, user.Admin, user.Groups, authState), serverName, cancellationToken);
    }
}
