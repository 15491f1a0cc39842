using Greyhub.Data;
using Greyhub.Data.Stores;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Observability;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.OAuth;

/// <summary>The outcome of a token request: a new access token, or why the code was refused.</summary>
internal sealed record TokenExchange(string? AccessToken, TokenRecord? Token, TimeSpan ExpiresIn, string? Refusal)
{
    public bool Succeeded => AccessToken is not null;
}

/// <summary>
/// Authorization codes and the tokens they turn into. A code is OpenIddict's (encrypted, carrying the
/// authorization); the hub stores only its keyed hash, valid five minutes, redeemable once, bound to client, redirect URI, user, login session and scopes. The token is
/// an ordinary hub API token (<c>api_tokens</c>, keyed hash, scopes) carrying the client id and the session.
/// </summary>
internal sealed class OAuthGrants(
    OAuthStore store,
    TokenHasher hasher,
    HubState state,
    TimeProvider time,
    IOptions<HubOptions> options,
    ILogger<OAuthGrants> logger,
    HubMetrics metrics)
{
    /// <summary>How long a code may wait to be redeemed (JupyterHub: 300 s).</summary>
    public static readonly TimeSpan CodeLifetime = TimeSpan.FromSeconds(300);

    /// <summary>
    /// Stores a code OpenIddict issued for a signed-in user (its keyed hash only), bound to the client, redirect URI,
    /// user, login session and hub scopes: redeeming it here, once, is what turns it into a token.
    /// </summary>
    public async Task RecordCodeAsync(OAuthClientRecord client, int userId, string? sessionId, string redirectUri, IReadOnlyList<string> scopes, string code,
        CancellationToken ct)
    {
        var expiresAt = time.GetUtcNow().UtcDateTime + CodeLifetime;
        await store.CreateCodeAsync(new NewOAuthCode(hasher.Hash(code), client.ClientId, userId, redirectUri, scopes, sessionId, expiresAt), ct);
        OAuthLog.CodeIssued(logger, client.ClientId, userId);
    }

    /// <summary>Redeems a code presented by an authenticated client.</summary>
    public async Task<TokenExchange> ExchangeAsync(OAuthClientRecord client, string code, string redirectUri, CancellationToken ct)
    {
        var hub = options.Value;
        var lifetime = hub.TokenExpiresInMax > TimeSpan.Zero && hub.TokenExpiresInMax < hub.OAuthTokenExpiresIn ? hub.TokenExpiresInMax : hub.OAuthTokenExpiresIn;
        var now = time.GetUtcNow().UtcDateTime;
        var secret = TokenHasher.NewToken();
        var token = new NewOAuthToken(hasher.Hash(secret), TokenHasher.Prefix(secret), $"OAuth token for {client.ClientId}", now, now + lifetime);
        var result = await store.RedeemCodeAsync(hasher.Hash(code), client.ClientId, redirectUri, now, token, ct);
        switch (result.Outcome)
        {
            case CodeRedemption.Issued when result.Token is { } record:
                metrics.TokensIssued.Inc();
                OAuthLog.TokenIssued(logger, record.Id, client.ClientId, record.UserName);
                return new TokenExchange(secret, record, lifetime, null);
            case CodeRedemption.Replayed:
                state.Changed();
                OAuthLog.CodeReplayed(logger, client.ClientId);
                return Refused(client, "The authorization code has already been used; the token issued from it is revoked");
            case CodeRedemption.Expired:
                return Refused(client, "The authorization code has expired");
            case CodeRedemption.Mismatch:
                return Refused(client, "The authorization code was issued to another client or redirect_uri");
            default:
                return Refused(client, "Invalid authorization code");
        }
    }

    /// <summary>Revokes a token the client was issued (RFC 7009); another client's token, or an unknown one, is left alone.</summary>
    public async Task RevokeAsync(OAuthClientRecord client, string token, CancellationToken ct)
    {
        if (await store.RevokeClientTokenAsync(hasher.Hash(token), client.ClientId, ct))
        {
            state.Changed();
        }
    }

    /// <summary>Revokes the OAuth tokens a login session authorized (at logout); returns how many.</summary>
    public async Task<int> RevokeSessionAsync(int userId, string sessionId, CancellationToken ct)
    {
        var revoked = await store.DeleteSessionTokensAsync(userId, sessionId, ct);
        if (revoked.Count > 0)
        {
            state.Changed();
            OAuthLog.SessionTokensRevoked(logger, revoked.Count, userId);
        }
        return revoked.Count;
    }

    /// <summary>
    /// Revokes the OAuth tokens of every login session of a user but <paramref name="keepSessionId"/> (all when null):
    /// after a password change, what the other sessions authorized ends with them. Returns how many.
    /// </summary>
    public async Task<int> RevokeOtherSessionsAsync(int userId, string? keepSessionId, CancellationToken ct)
    {
        var revoked = await store.DeleteOtherSessionsTokensAsync(userId, keepSessionId, ct);
        state.Changed();
        if (revoked.Count > 0)
        {
            OAuthLog.SessionTokensRevoked(logger, revoked.Count, userId);
        }
        return revoked.Count;
    }

    private TokenExchange Refused(OAuthClientRecord client, string reason)
    {
        OAuthLog.CodeRefused(logger, client.ClientId, reason);
        return new TokenExchange(null, null, TimeSpan.Zero, reason);
    }
}
