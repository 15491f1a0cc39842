using Greyhub.Data;

namespace Greyhub.Hub.Servers;

/// <summary>
/// Runs around each server start (JupyterHub's <c>Authenticator.pre_spawn_start</c> and <c>Spawner.auth_state_hook</c>),
/// from a DI scope of its own. Registered as many as needed; none by default.
/// </summary>
internal interface IServerStartHook
{
    /// <summary>Before the start is accepted, in the request that asks for it: throw a <see cref="HubException"/> to refuse it.</summary>
    Task BeforeStartAsync(UserRecord user, CancellationToken cancellationToken);

    /// <summary>Environment variables added to the server's (the hub's own <c>JUPYTERHUB_*</c> ones win).</summary>
    Task<IReadOnlyDictionary<string, string>> EnvironmentAsync(int userId, ServerKey server, CancellationToken cancellationToken);
}
