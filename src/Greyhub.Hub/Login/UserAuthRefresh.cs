using System.Collections.Concurrent;
using Greyhub.Abstractions.Authentication;
using Greyhub.Data.Stores;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Users;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Greyhub.Hub.Login;

/// <summary>
/// JupyterHub's <c>refresh_auth</c>: an authenticated request of a user whose authentication is older than the
/// authenticator's <c>auth_refresh_age</c> asks its <c>refresh_user</c> first, and a start does when it has
/// <c>refresh_pre_spawn</c>. Expired: the request is not authenticated (the user signs in again); updated: the new admin
/// flag, groups and <c>auth_state</c> are applied as at a sign-in. When each user was last refreshed is kept in memory
/// (as JupyterHub does), so a request whose user is fresh costs one dictionary lookup, and an authenticator that does
/// not refresh costs nothing at all. A singleton: the authenticator (scoped) is the caller's, and a refresh call resolves
/// its own in a scope of its own, since requests of the same user share it.
/// </summary>
internal sealed partial class UserAuthRefresh(IServiceScopeFactory scopes, TimeProvider time, ILogger<UserAuthRefresh> logger) : IUserAuthRefresh
{
    /// <summary>A refresh that could not reach the plug-in is tried again after this, not after a whole age.</summary>
    internal static readonly TimeSpan UnavailableRetry = TimeSpan.FromSeconds(30);

    /// <summary>An expiry is remembered at most this long, so a still-valid token does not ask the plug-in on every request.</summary>
    internal static readonly TimeSpan ExpiryMemory = TimeSpan.FromSeconds(60);

    private readonly ConcurrentDictionary<string, long> _refreshed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _expired = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<bool>>> _running = new(StringComparer.Ordinal);

    /// <summary>The user just signed in through the authenticator: fresh from now.</summary>
    public void SignedIn(IPasswordAuthenticator authenticator, string user)
    {
        _expired.TryRemove(user, out _);
        if (authenticator.RefreshPolicy is not null)
        {
            _refreshed[user] = time.GetTimestamp();
        }
    }

    /// <summary>
    /// Whether <paramref name="caller"/>'s authentication is still good for this request, refreshing it first when it is
    /// older than the authenticator's age; false: expired, the caller must sign in again.
    /// </summary>
    public ValueTask<bool> CheckAsync(IPasswordAuthenticator authenticator, RequestIdentity caller, CancellationToken cancellationToken)
    {
        if (!caller.IsUser || authenticator.RefreshPolicy is not { } policy || policy.MaxAge <= TimeSpan.Zero
            || (_refreshed.TryGetValue(caller.Name, out var at) && time.GetElapsedTime(at) < policy.MaxAge))
        {
            return ValueTask.FromResult(true);
        }
        if (_expired.TryGetValue(caller.Name, out var expiredAt) && time.GetElapsedTime(expiredAt) < Min(policy.MaxAge, ExpiryMemory))
        {
            // Expired a moment ago: still expired, without another call and two reads per request of a still-valid token.
            return ValueTask.FromResult(false);
        }
        return new ValueTask<bool>(RefreshAsync(caller.Name, cancellationToken));
    }

    /// <summary>
    /// Refreshes <paramref name="user"/> now (before a start with <c>refresh_pre_spawn</c>); false when expired. Requests
    /// of the same user arriving meanwhile share the one call.
    /// </summary>
    public Task<bool> RefreshAsync(string user, CancellationToken cancellationToken)
    {
        var call = _running.GetOrAdd(user, name => new Lazy<Task<bool>>(() => CallAsync(name)));
        return call.Value.WaitAsync(cancellationToken);
    }

    /// <summary>Whether <paramref name="authenticator"/> wants a refresh before every start.</summary>
    public static bool BeforeSpawn(IPasswordAuthenticator authenticator) => authenticator.RefreshPolicy is { BeforeSpawn: true };

    private async Task<bool> CallAsync(string name)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var authenticator = scope.ServiceProvider.GetRequiredService<IPasswordAuthenticator>();
            var users = scope.ServiceProvider.GetRequiredService<UserStore>();
            if (await users.FindAsync(name, CancellationToken.None) is not { } user)
            {
                return false;
            }
            var authState = (await scope.ServiceProvider.GetRequiredService<AuthStates>().GetAsync(user.Id, CancellationToken.None))?.State;
            AuthRefresh answer;
            try
            {
                answer = await authenticator.RefreshUserAsync(new AuthenticatedUser(user.Name, user.Admin, user.Groups, authState), CancellationToken.None);
            }
            catch (AuthenticatorUnavailableException e) when (e.Transient)
            {
                // Down or slow, not the user's fault: the request goes on, and the next try comes after a short wait
                // (no call per request while it is down), never a whole age.
                LogUnavailable(logger, name, authenticator.Name, e.Message);
                _refreshed[name] = time.GetTimestamp() - Stopwatch(AgeLess(authenticator, UnavailableRetry));
                return true;
            }
            catch (AuthenticatorUnavailableException e)
            {
                // It answered, with an error or something unreadable: its refresh_user may have raised for a revoked user,
                // so the request is not authenticated (as JupyterHub lets the exception fail it), nothing is recorded fresh.
                LogRefreshFailed(logger, name, authenticator.Name, e.Message);
                Expire(name);
                return false;
            }
            if (!answer.Valid)
            {
                Expire(name);
                LogExpired(logger, name, authenticator.Name);
                return false;
            }
            _expired.TryRemove(name, out _);
            if (answer.Updated is { } updated)
            {
                await scope.ServiceProvider.GetRequiredService<AuthenticatedLogins>().ApplyAsync(updated with { Name = user.Name }, authenticator.Name, CancellationToken.None);
            }
            _refreshed[name] = time.GetTimestamp();
            LogRefreshed(logger, name, answer.Updated is not null);
            return true;
        }
        finally
        {
            _running.TryRemove(name, out _);
        }
    }

    private void Expire(string name)
    {
        _refreshed.TryRemove(name, out _);
        _expired[name] = time.GetTimestamp();
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>How much of the authenticator's age to count as already spent, so the next refresh comes after <paramref name="wait"/>.</summary>
    private static TimeSpan AgeLess(IPasswordAuthenticator authenticator, TimeSpan wait) =>
        authenticator.RefreshPolicy is { } policy && policy.MaxAge > wait && policy.MaxAge - wait < TimeSpan.FromDays(3650) ? policy.MaxAge - wait : TimeSpan.Zero;

    private long Stopwatch(TimeSpan span) => (long)(span.TotalSeconds * time.TimestampFrequency);

    [LoggerMessage(EventId = HubEvents.AuthRefreshFailed, Level = LogLevel.Warning, Message = "Signed out {User}: authenticator {Authenticator} failed to refresh the authentication: {Cause}")]
    private static partial void LogRefreshFailed(ILogger logger, string user, string authenticator, string cause);

    [LoggerMessage(EventId = HubEvents.AuthRefreshed, Level = LogLevel.Debug, Message = "Refreshed the authentication of {User} (updated: {Updated})")]
    private static partial void LogRefreshed(ILogger logger, string user, bool updated);

    [LoggerMessage(EventId = HubEvents.AuthExpired, Level = LogLevel.Warning, Message = "User {User} has stale authentication: authenticator {Authenticator} says sign in again")]
    private static partial void LogExpired(ILogger logger, string user, string authenticator);

    [LoggerMessage(EventId = HubEvents.AuthRefreshUnavailable, Level = LogLevel.Warning, Message = "Could not refresh the authentication of {User}: authenticator {Authenticator} is unavailable: {Cause}")]
    private static partial void LogUnavailable(ILogger logger, string user, string authenticator, string cause);
}
