using System.Collections.Concurrent;
using Greyhub.Data;
using Greyhub.Data.Stores;
using Greyhub.Scopes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Auth;

/// <summary>
/// Turns a token or a login session into a <see cref="RequestIdentity"/>. Results are cached per token
/// hash until any write changes the hub's state or a short time passes, so the hot path is one hash and one
/// dictionary lookup.
/// </summary>
internal sealed class IdentityResolver(
    TokenHasher hasher,
    HubRoles roles,
    ServiceCatalog services,
    HubState state,
    TimeProvider time,
    IOptions<HubOptions> options,
    AccessPolicy policy)
{
    /// <summary>
    /// How long a resolved caller is trusted without reading the database again when nothing changed in this hub: the
    /// bound on how long a change made by another process (the command line's <c>users remove</c>, <c>users passwd</c>)
    /// takes to reach the hub. At most one lookup per caller per this time, never one per request.
    /// </summary>
    public static readonly TimeSpan CacheLifetime = TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<string, Entry> _byToken = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Entry> _byUser = new(StringComparer.Ordinal);
    private readonly TimeSpan _activityResolution = options.Value.ActivityResolution;

    private sealed record Entry(RequestIdentity? Identity, long Version, DateTime CachedAt, DateTime? ExpiresAt, DateTime? LastActivity);

    /// <summary>
    /// Resolves an API token as <see cref="FromTokenAsync(string, TokenStore, UserStore, ShareStore, CancellationToken)"/>
    /// does, taking the stores from <paramref name="services"/> only when the cache cannot answer alone: a cached caller
    /// costs one hash and one lookup, no database context.
    /// </summary>
    public ValueTask<RequestIdentity?> FromTokenAsync(string token, IServiceProvider services, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        if (_byToken.TryGetValue(hasher.Hash(token), out var cached) && IsFresh(cached, now)
            && (cached.Identity is not { TokenId: not null } || (cached.LastActivity is { } last && now - last <= _activityResolution)))
        {
            return ValueTask.FromResult(cached.Identity);
        }
        return new ValueTask<RequestIdentity?>(FromTokenAsync(token, services.GetRequiredService<TokenStore>(), services.GetRequiredService<UserStore>(),
            services.GetRequiredService<ShareStore>(), cancellationToken));
    }

    private bool IsFresh(Entry cached, DateTime now) =>
        cached.Version == state.Version && now - cached.CachedAt < CacheLifetime && (cached.ExpiresAt is null || cached.ExpiresAt > now);

    /// <summary>Resolves an API token; null when unknown, expired or revoked.</summary>
    public async Task<RequestIdentity?> FromTokenAsync(string token, TokenStore tokens, UserStore users, ShareStore shares, CancellationToken cancellationToken)
    {
        var hash = hasher.Hash(token);
        var now = time.GetUtcNow().UtcDateTime;
        if (_byToken.TryGetValue(hash, out var cached) && IsFresh(cached, now))
        {
            if (cached.Identity is { TokenId: { } id } && (cached.LastActivity is null || now - cached.LastActivity > _activityResolution))
            {
                _byToken[hash] = cached with { LastActivity = now };
                await tokens.TouchAsync(id, now, cancellationToken);
            }
            return cached.Identity;
        }
        var version = state.Version;
        var record = await tokens.FindByHashAsync(hash, cancellationToken);
        RequestIdentity? identity = null;
        if (record is not null && (record.ExpiresAt is null || record.ExpiresAt > now))
        {
            identity = await ForTokenAsync(record, users, shares, cancellationToken);
            if (identity is not null && (record.LastActivity is null || now - record.LastActivity > _activityResolution))
            {
                await tokens.TouchAsync(record.Id, now, cancellationToken);
            }
        }
        if (_byToken.Count > 100_000)
        {
            _byToken.Clear();
        }
        _byToken[hash] = new Entry(identity, version, now, record?.ExpiresAt, now);
        return identity;
    }

    /// <summary>
    /// Resolves a logged-in user (browser session): the user's full scopes; null when the user is gone or blocked, or
    /// when <paramref name="passwordStamp"/> (the cookie's) is not the stamp of the user's current password. The
    /// password is read with the user, on a cache miss only: a change in this hub (<see cref="HubState.Changed"/>)
    /// takes effect on the next request, one made by another process (the CLI) within <see cref="CacheLifetime"/>.
    /// </summary>
    public async Task<RequestIdentity?> FromSessionAsync(string userName, string sessionId, string passwordStamp, UserStore users, ShareStore shares, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var key = userName + "\0" + sessionId + "\0" + passwordStamp;
        if (_byUser.TryGetValue(key, out var cached) && cached.Version == state.Version && now - cached.CachedAt < CacheLifetime)
        {
            return cached.Identity;
        }
        var version = state.Version;
        var user = await users.FindAsync(userName, cancellationToken);
        RequestIdentity? identity = null;
        if (user is not null && !policy.IsBlocked(user.Name)
            && PasswordStamp.Of(await users.GetPasswordHashAsync(userName, cancellationToken)) == passwordStamp)
        {
            identity = ForUser(user, await OwnerScopesAsync(user, shares, cancellationToken)) with { SessionId = sessionId, ViaCookie = true };
        }
        if (_byUser.Count > 100_000)
        {
            _byUser.Clear();
        }
        _byUser[key] = new Entry(identity, version, now, null, null);
        return identity;
    }

    private async Task<RequestIdentity?> ForTokenAsync(TokenRecord token, UserStore users, ShareStore shares, CancellationToken cancellationToken)
    {
        if (token.ServiceName is { } serviceName)
        {
            if (services.Find(serviceName) is not { } service)
            {
                return null;
            }
            var owner = ScopeOwner.Service(serviceName);
            var ownerScopes = roles.ScopesOfService(service);
            return new RequestIdentity
            {
                Kind = "service",
                Name = serviceName,
                Admin = service.Admin,
                Roles = roles.RolesOfService(service),
                Scopes = TokenScopes.Resolve(token.Scopes, owner, ownerScopes, roles.Definitions),
                TokenId = token.Id,
                SessionId = token.SessionId,
            };
        }
        if (token.UserName is null)
        {
            return null;
        }
        var user = await users.FindAsync(token.UserName, cancellationToken);
        if (user is null || policy.IsBlocked(user.Name))
        {
            return null;
        }
        var userOwner = ScopeOwner.User(user.Name, user.Groups);
        var userScopes = await OwnerScopesAsync(user, shares, cancellationToken);
        // Group filters in an intersection need the groups of the users named by the other side's filters;
        // those lookups are rare and cached with the result.
        var memberships = new Dictionary<string, IReadOnlyCollection<string>>(StringComparer.Ordinal);
        if (!token.Scopes.Contains(ScopeDefinitions.Inherit))
        {
            var expanded = ExpandedScopes.Expand(token.Scopes, userOwner, roles.Definitions);
            foreach (var name in ExpandedScopes.GroupLookupsFor(expanded, userScopes))
            {
                memberships[name] = await users.GroupsOfAsync(name, cancellationToken);
            }
        }
        var tokenScopes = TokenScopes.Resolve(token.Scopes, userOwner, userScopes, roles.Definitions,
            name => memberships.TryGetValue(name, out var g) ? g : []);
        return ForUser(user, tokenScopes) with { TokenId = token.Id, SessionId = token.SessionId };
    }

    /// <summary>
    /// A user who proved who they are with a password in the request itself (JupyterHub's token request with
    /// <c>auth</c>): the user's full scopes, as a login session has them; null when the user is blocked.
    /// </summary>
    public async Task<RequestIdentity?> ForPasswordAsync(UserRecord user, ShareStore shares, CancellationToken cancellationToken) =>
        policy.IsBlocked(user.Name) ? null : ForUser(user, await OwnerScopesAsync(user, shares, cancellationToken));

    /// <summary>
    /// Everything a user may do: their roles' scopes and, as JupyterHub 5's <c>get_scopes_for</c>, the scopes of the
    /// servers shared with them or their groups.
    /// </summary>
    private async Task<ExpandedScopes> OwnerScopesAsync(UserRecord user, ShareStore shares, CancellationToken cancellationToken)
    {
        var fromRoles = roles.ScopesOfUser(user.Name, user.Admin, user.Groups);
        var shared = await shares.ScopesForAsync(user.Id, user.Groups, cancellationToken);
        return shared.Count == 0
            ? fromRoles
            : fromRoles.Union(ExpandedScopes.Expand(shared, ScopeOwner.User(user.Name, user.Groups), roles.Definitions));
    }

    private RequestIdentity ForUser(UserRecord user, ExpandedScopes scopes) => new()
    {
        Kind = "user",
        Name = user.Name,
        UserId = user.Id,
        Admin = user.Admin,
        Groups = user.Groups,
        Roles = roles.RolesOfUser(user.Name, user.Admin),
        Scopes = scopes,
    };
}
