using Greyhub.Data;
using Greyhub.Data.Stores;
using Greyhub.Hub.Auth;
using Greyhub.Scopes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Tokens;

/// <summary>Token rules: random secrets shown once, keyed hashes stored, scopes never beyond the owner's.</summary>
internal sealed class TokenService(
    TokenStore tokens,
    TokenHasher hasher,
    HubRoles roles,
    HubState state,
    TimeProvider time,
    IOptions<HubOptions> options,
    ILogger<TokenService> logger,
    Observability.HubMetrics metrics)
{
    /// <summary>A created token: its record and the secret, which is never available again.</summary>
    public sealed record Issued(TokenRecord Record, string Secret);

    public Task<IReadOnlyList<TokenRecord>> ListAsync(int userId, CancellationToken cancellationToken) =>
        tokens.ListForUserAsync(userId, time.GetUtcNow().UtcDateTime, cancellationToken);

    public Task<TokenRecord?> FindAsync(int userId, int tokenId, CancellationToken cancellationToken) =>
        tokens.FindForUserAsync(userId, tokenId, time.GetUtcNow().UtcDateTime, cancellationToken);

    /// <summary>Issues a token for <paramref name="owner"/> after checking the request as JupyterHub 5 does.</summary>
    public async Task<Issued> CreateForUserAsync(UserRecord owner, TokenRequest request, RequestIdentity caller, CancellationToken cancellationToken)
    {
        var note = request.Note;
        IReadOnlyList<string> scopes = [ScopeDefinitions.Inherit];
        var expiresIn = request.ExpiresIn;
        var requestedScopes = request.Scopes;
        if (requestedScopes is not null && request.Roles is not null)
        {
            throw HubException.Invalid("Can only assign one of scopes or roles, not both");
        }
        if (request.Roles is { Count: > 0 } requestedRoles)
        {
            requestedScopes = [.. requestedRoles.SelectMany(r => roles.ScopesOfRole(r) ?? throw HubException.Invalid($"Role {r} does not exist"))];
        }
        if (requestedScopes is { Count: > 0 })
        {
            var invalid = requestedScopes.Select(s => roles.Definitions.Validate(s)).Where(e => e is not null).ToList();
            if (invalid.Count > 0)
            {
                throw HubException.Invalid(string.Join("; ", invalid));
            }
            scopes = requestedScopes;
        }
        var max = options.Value.TokenExpiresInMax;
        // JupyterHub 5.1+: with a maximum, an unspecified lifetime becomes the maximum (not an error). An explicit
        // 0 ("never") is refused here, where JupyterHub 5.4 would let it through as a non-expiring token.
        if (max > TimeSpan.Zero && expiresIn is null && !request.NeverExpires)
        {
            expiresIn = max;
        }
        if (max > TimeSpan.Zero && (expiresIn is null || expiresIn > max))
        {
            throw HubException.Invalid($"expires_in must be at most {(long)max.TotalSeconds} seconds");
        }
        var ownerScopes = roles.ScopesOfUser(owner.Name, owner.Admin, owner.Groups);
        var check = TokenScopes.CheckRequested(scopes, ScopeOwner.User(owner.Name, owner.Groups), ownerScopes, roles.Definitions);
        if (!check.IsAllowed)
        {
            // JupyterHub 5 refuses (not trims) scopes beyond the owner's, with 400.
            throw HubException.Invalid(check.Message!);
        }
        note ??= caller.IsUser && caller.Name == owner.Name ? "Requested via api" : $"Requested via api by {caller.Kind} {caller.Name}";
        return await IssueAsync(owner.Id, scopes, note, caller.SessionId, expiresIn, cancellationToken);
    }

    /// <summary>Issues a token without API checks (the <c>greyhub token</c> command, the token page).</summary>
    public async Task<Issued> IssueAsync(int userId, IReadOnlyList<string> scopes, string? note, string? sessionId, TimeSpan? expiresIn, CancellationToken cancellationToken)
    {
        var secret = TokenHasher.NewToken();
        var now = time.GetUtcNow().UtcDateTime;
        DateTime? expiresAt = expiresIn is { } e && e > TimeSpan.Zero ? now + e : null;
        var hash = hasher.Hash(secret);
        var id = await tokens.CreateAsync(hash, TokenHasher.Prefix(secret), userId, null, scopes, note, sessionId, "jupyterhub", now, expiresAt, cancellationToken);
        var record = await tokens.FindByHashAsync(hash, cancellationToken)
            ?? throw new InvalidOperationException($"Token a{id} vanished right after it was stored");
        Observability.HubLog.TokenIssued(logger, id, record.UserName ?? record.ServiceName ?? "?", note);
        metrics.TokensIssued.Inc();
        return new Issued(record, secret);
    }

    /// <summary>Revokes a token; the cache forgets it at once.</summary>
    public async Task<bool> RevokeAsync(int tokenId, CancellationToken cancellationToken)
    {
        var hash = await tokens.DeleteAsync(tokenId, cancellationToken);
        state.Changed();
        if (hash is not null)
        {
            Observability.HubLog.TokenRevoked(logger, tokenId);
        }
        return hash is not null;
    }
}
