using Greyhub.Abstractions.Authentication;

namespace Greyhub.Plugins.Remote;

/// <summary>
/// A password authenticator in another process, reached over the grey plug protocol (docs/plugins.md): the login
/// form's fields go to the plug-in, which answers the user (name, admin, groups, <c>auth_state</c>) or null. A
/// plug-in that cannot answer is <see cref="AuthenticatorUnavailableException"/>, never a failed login. Logins are
/// not retried: a password check may count failures (PAM's faillock), so a second try is not harmless.
/// </summary>
public sealed class RemoteAuthenticator : IPasswordAuthenticator
{
    private readonly PluginClient _client;
    private readonly RemoteEngineOptions _options;
    private volatile CachedPolicy? _policy;

    internal RemoteAuthenticator(PluginClient client, RemoteEngineOptions options)
    {
        _client = client;
        _options = options;
    }

    /// <inheritdoc />
    public string Name => _client.Name;

    /// <summary>Checks the plug-in answers, speaks this hub's protocol and serves an authenticator; returns the authenticator it says it is.</summary>
    public async Task<string> HandshakeAsync(CancellationToken cancellationToken) =>
        Served(await _client.HandshakeAsync(fresh: true, cancellationToken));

    /// <inheritdoc />
    public async Task<AuthenticatedUser?> AuthenticateAsync(string userName, string password, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(userName);
        ArgumentNullException.ThrowIfNull(password);
        var answer = await CallAsync("v1/authenticator/authenticate",
            new AuthenticateRequest(new Dictionary<string, string>(StringComparer.Ordinal) { ["username"] = userName, ["password"] = password }),
            AuthJson.Default.AuthenticateRequest, AuthJson.Default.AuthenticateResponse, cancellationToken);
        if (answer.User is not { } user)
        {
            return null;
        }
        if (string.IsNullOrEmpty(user.Name))
        {
            throw Unavailable(new PluginException(Name, PluginFailure.MalformedAnswer, "answered a user without a name."));
        }
        return new AuthenticatedUser(user.Name, user.Admin, user.Groups, user.AuthState);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyDictionary<string, string>> PreSpawnStartAsync(AuthenticatedUser user, string serverName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        var request = new PreSpawnStartRequest(new WireUserModel(user.Name, user.Admin ?? false, user.Groups ?? []), user.AuthState, serverName ?? "");
        var answer = await CallAsync("v1/authenticator/pre_spawn_start", request, AuthJson.Default.PreSpawnStartRequest, AuthJson.Default.PreSpawnStartResponse, cancellationToken);
        return answer.Environment ?? AuthenticatedUser.NoEnvironment;
    }

    /// <inheritdoc />
    /// <remarks>Sent only to a plug-in whose handshake lists <c>post_spawn_stop</c> among its calls (protocol 1.2).</remarks>
    public async Task PostSpawnStopAsync(AuthenticatedUser user, string serverName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (!((await _client.HandshakeAsync(fresh: false, cancellationToken)).Hosts?.Authenticator?.Calls?.Contains("post_spawn_stop") ?? false))
        {
            return;
        }
        var request = new PreSpawnStartRequest(new WireUserModel(user.Name, user.Admin ?? false, user.Groups ?? []), user.AuthState, serverName ?? "");
        await CallAsync("v1/authenticator/post_spawn_stop", request, AuthJson.Default.PreSpawnStartRequest, AuthJson.Default.EmptyAnswer, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>
    /// From the last handshake (made at start and by each health check), so reading it costs no call: a plug-in whose
    /// <c>hosts.authenticator.calls</c> lists <c>refresh_user</c>, with its <c>auth_refresh_age</c> (JupyterHub's default 300 s).
    /// </remarks>
    public AuthRefreshPolicy? RefreshPolicy
    {
        get
        {
            var known = _client.Known;
            var cached = _policy;
            if (cached is null || !ReferenceEquals(cached.Handshake, known))
            {
                cached = new CachedPolicy(known, Policy(known));
                _policy = cached;
            }
            return cached.Policy;
        }
    }

    private sealed record CachedPolicy(HandshakeResponse? Handshake, AuthRefreshPolicy? Policy);

    /// <inheritdoc />
    public async Task<AuthRefresh> RefreshUserAsync(AuthenticatedUser user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        var request = new PreSpawnStartRequest(new WireUserModel(user.Name, user.Admin ?? false, user.Groups ?? []), user.AuthState, "");
        var answer = await CallAsync("v1/authenticator/refresh_user", request, AuthJson.Default.PreSpawnStartRequest, AuthJson.Default.RefreshUserResponse, cancellationToken);
        if (!answer.Valid)
        {
            return AuthRefresh.Expired;
        }
        return answer.User is { } updated
            ? new AuthRefresh(true, new AuthenticatedUser(user.Name, updated.Admin, updated.Groups, updated.AuthState))
            : AuthRefresh.Fresh;
    }

    /// <inheritdoc />
    /// <remarks>From the handshake (1.2 <c>hosts.authenticator</c>), made once per address: no call per sign-in page.</remarks>
    public async Task<LoginFormText?> GetLoginFormAsync(CancellationToken cancellationToken)
    {
        HandshakeResponse handshake;
        try
        {
            handshake = _client.Known ?? await _client.HandshakeAsync(fresh: false, cancellationToken);
        }
        catch (PluginException)
        {
            // The page shows the hub's own fields; signing in then says why the plug-in cannot answer.
            return null;
        }
        return handshake.Hosts?.Authenticator is { } hosted && (hosted.CustomHtml is { Length: > 0 } || hosted.LoginService is { Length: > 0 })
            ? new LoginFormText(hosted.CustomHtml is { Length: > 0 } html ? html : null, hosted.LoginService is { Length: > 0 } service ? service : null)
            : null;
    }

    private async Task<TResponse> CallAsync<TRequest, TResponse>(
        string path, TRequest request, System.Text.Json.Serialization.Metadata.JsonTypeInfo<TRequest> requestType,
        System.Text.Json.Serialization.Metadata.JsonTypeInfo<TResponse> responseType, CancellationToken cancellationToken)
    {
        try
        {
            Served(await _client.HandshakeAsync(fresh: false, cancellationToken));
            return await _client.CallAsync(path, request, requestType, responseType, retry: false, _options.Timeout, cancellationToken);
        }
        catch (PluginException e)
        {
            throw Unavailable(e);
        }
    }

    private string Served(HandshakeResponse handshake)
    {
        if (handshake.AuthenticatorClass() is not { Length: > 0 } authenticator)
        {
            throw new PluginException(Name, PluginFailure.MalformedAnswer, "names no authenticator in its handshake: it serves no authenticator.");
        }
        if (handshake.Hosts?.Authenticator?.AuthRefreshAge is { } age && !ValidAge(age))
        {
            throw new PluginException(Name, PluginFailure.MalformedAnswer, $"gives auth_refresh_age {age}: it must be a number of seconds, 0 or more.");
        }
        return authenticator;
    }

    private static AuthenticatorUnavailableException Unavailable(PluginException e) => new(e.Message, Reason(e.Kind), e)
    {
        Transient = e.Kind is PluginFailure.Unreachable or PluginFailure.Timeout,
    };

    /// <summary>Ages above this (about ten years) mean "never refresh": no TimeSpan overflow whatever the plug-in says.</summary>
    private const double NeverRefreshSeconds = 3650 * 86400.0;

    /// <summary>The policy of a handshake, never throwing: none without <c>refresh_user</c> or with an age that is not a
    /// number of seconds (the handshake is refused then, see <see cref="Served"/>); above ten years, never refresh.</summary>
    private static AuthRefreshPolicy? Policy(HandshakeResponse? handshake)
    {
        if (handshake?.Hosts?.Authenticator is not { } hosted || !(hosted.Calls?.Contains("refresh_user") ?? false)
            || hosted.AuthRefreshAge is { } age && !ValidAge(age))
        {
            return null;
        }
        var seconds = hosted.AuthRefreshAge ?? 300;
        return new AuthRefreshPolicy(seconds > NeverRefreshSeconds ? TimeSpan.MaxValue : TimeSpan.FromSeconds(seconds), hosted.RefreshPreSpawn ?? false);
    }

    private static bool ValidAge(double age) => !double.IsNaN(age) && age >= 0;

    /// <summary>The failure in words for the sign-in page: the kind only, never the address, the call or the answer (those go to the log).</summary>
    private static string Reason(PluginFailure kind) => kind switch
    {
        PluginFailure.Unreachable => "could not be reached (it is not running, or it stopped during the sign-in)",
        PluginFailure.Timeout => "did not answer in time",
        PluginFailure.Unauthorized => "refused the hub's credentials (the hub and the plug-in hold different secrets)",
        PluginFailure.MalformedAnswer => "gave an answer the hub could not read",
        PluginFailure.ProtocolMismatch => "speaks a protocol version this hub does not",
        PluginFailure.PluginError => "reported an error",
        _ => "failed",
    };
}
