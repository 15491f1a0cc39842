using Greyhub.Data;
using Greyhub.Hub.Login;
using Greyhub.Hub.Servers;
using Greyhub.Hub.Users;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Upstream;

/// <summary>
/// What a start takes from the user's upstream <c>auth_state</c>: a renewed access token first when the provider has
/// <c>RefreshPreSpawn</c> (JupyterHub's <c>refresh_pre_spawn</c>: a renewal that fails refuses the start and asks for a
/// new sign-in), then the <c>SpawnerEnvironment</c> variables (JupyterHub's <c>auth_state_hook</c>).
/// </summary>
internal sealed partial class UpstreamStartHook(
    AuthStates authStates, UpstreamTokenRefresh refresh, IOptions<UpstreamLoginOptions> upstream, TimeProvider time, ILogger<UpstreamStartHook> logger)
    : IServerStartHook
{
    private static readonly IReadOnlyDictionary<string, string> None = new Dictionary<string, string>();

    public async Task BeforeStartAsync(UserRecord user, CancellationToken cancellationToken)
    {
        if (!upstream.Value.AllProviders().Any(p => p.RefreshPreSpawn)
            || await authStates.GetAsync(user.Id, cancellationToken) is not { Provider: { } name } stored
            || upstream.Value.Find(name) is not { RefreshPreSpawn: true } provider
            || !UpstreamAuthState.IsStale(stored.State, time.GetUtcNow(), provider.AuthRefreshAge, stored.Updated))
        {
            return;
        }
        var (renewed, failure) = await refresh.RefreshAsync(provider, stored.State, cancellationToken);
        if (renewed is null)
        {
            Log.RefreshFailed(logger, user.Name, provider.Name, failure);
            throw HubException.Forbidden(
                $"Your sign-in through {provider.Label()} has expired and could not be renewed. Sign out, sign in again, then start your server.");
        }
        await authStates.SetAsync(user.Id, provider.Name, renewed, cancellationToken);
        Log.Refreshed(logger, user.Name, provider.Name);
    }

    public async Task<IReadOnlyDictionary<string, string>> EnvironmentAsync(int userId, ServerKey server, CancellationToken cancellationToken)
    {
        if (!upstream.Value.AllProviders().Any(p => p.SpawnerEnvironment.Count > 0)
            || await authStates.GetAsync(userId, cancellationToken) is not { Provider: { } name } stored
            || upstream.Value.Find(name) is not { SpawnerEnvironment.Count: > 0 } provider)
        {
            return None;
        }
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (variable, path) in provider.SpawnerEnvironment)
        {
            if (UpstreamAuthState.Lookup(stored.State, path) is { } value)
            {
                environment[variable] = value;
            }
        }
        return environment;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = HubEvents.UpstreamTokenRefreshed, Level = LogLevel.Information, Message = "Renewed {User}'s access token at {Provider} before a start")]
        public static partial void Refreshed(ILogger logger, string user, string provider);

        [LoggerMessage(EventId = HubEvents.UpstreamTokenRefreshFailed, Level = LogLevel.Warning, Message = "Could not renew {User}'s access token at {Provider} ({Reason}): the start is refused")]
        public static partial void RefreshFailed(ILogger logger, string user, string provider, string reason);
    }
}
