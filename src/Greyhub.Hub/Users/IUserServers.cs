using Greyhub.Data;

namespace Greyhub.Hub.Users;

/// <summary>
/// What deleting a user needs from servers, defined here so Users does not depend on Servers (which depends on Users);
/// Servers implements it.
/// </summary>
internal interface IUserServers
{
    /// <summary>Stops every server of <paramref name="user"/> that is not stopped, and waits until they are.</summary>
    Task StopAllAsync(UserRecord user, CancellationToken cancellationToken);
}
