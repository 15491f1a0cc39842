using System.Text.Json;
using Greyhub.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Greyhub.Data.Stores;

/// <summary>OAuth clients and authorization codes. Every write is one transaction; secrets and codes arrive hashed.</summary>
public sealed class OAuthStore(HubDbContext db, TokenStore tokens)
{
    /// <summary>Finds a client by id.</summary>
    public async Task<OAuthClientRecord?> FindClientAsync(string clientId, CancellationToken cancellationToken)
    {
        var row = await db.OAuthClients.AsNoTracking().Where(c => c.ClientId == clientId)
            .Select(c => new { c.ClientId, c.SecretHash, c.RedirectUri, c.Description, c.AllowedScopes, c.Created })
            .FirstOrDefaultAsync(cancellationToken);
        return row is null ? null : new OAuthClientRecord(row.ClientId, row.SecretHash, row.RedirectUri, row.Description, ReadList(row.AllowedScopes), row.Created);
    }

    /// <summary>
    /// Creates a client or replaces every field of an existing one; a replaced client loses its codes and the tokens
    /// it issued. Returns the hashes of the revoked tokens.
    /// </summary>
    public async Task<IReadOnlyList<string>> UpsertClientAsync(string clientId, string secretHash, string redirectUri, string description,
        IReadOnlyList<string> allowedScopes, DateTime now, CancellationToken cancellationToken)
    {
        try
        {
            return await UpsertClientOnceAsync(clientId, secretHash, redirectUri, description, allowedScopes, now, cancellationToken);
        }
        catch (ConflictException)
        {
            // Another upsert inserted the same new client between our read and our insert (PostgreSQL runs the two
            // transactions side by side; SQLite queues them): it exists now, so this attempt replaces it.
            return await UpsertClientOnceAsync(clientId, secretHash, redirectUri, description, allowedScopes, now, cancellationToken);
        }
    }

    private async Task<IReadOnlyList<string>> UpsertClientOnceAsync(string clientId, string secretHash, string redirectUri, string description,
        IReadOnlyList<string> allowedScopes, DateTime now, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var revoked = await DeleteIssuedAsync(clientId, cancellationToken);
        var client = await db.OAuthClients.FirstOrDefaultAsync(c => c.ClientId == clientId, cancellationToken);
        if (client is null)
        {
            client = new OAuthClientEntity { ClientId = clientId, SecretHash = secretHash, RedirectUri = redirectUri };
            db.OAuthClients.Add(client);
        }
        client.SecretHash = secretHash;
        client.RedirectUri = redirectUri;
        client.Description = description;
        client.AllowedScopes = WriteList(allowedScopes);
        client.Created = now;
        await db.SaveOrConflictAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        db.ChangeTracker.Clear();
        return revoked;
    }

    /// <summary>The ids of the clients whose id starts with <paramref name="prefix"/>.</summary>
    public async Task<IReadOnlyList<string>> ListClientIdsAsync(string prefix, CancellationToken cancellationToken) =>
        await db.OAuthClients.AsNoTracking().Where(c => c.ClientId.StartsWith(prefix)).Select(c => c.ClientId).ToListAsync(cancellationToken);

    /// <summary>
    /// Replaces only the secret of a client, keeping the tokens it issued (a service whose generated secret changed
    /// with a hub restart is still the same service); false when there is no such client.
    /// </summary>
    public async Task<bool> SetClientSecretAsync(string clientId, string secretHash, CancellationToken cancellationToken) =>
        await db.OAuthClients.Where(c => c.ClientId == clientId)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.SecretHash, secretHash), cancellationToken) > 0;

    /// <summary>Deletes a client with its codes and the tokens it issued; returns the hashes of the revoked tokens.</summary>
    public async Task<IReadOnlyList<string>> RemoveClientAsync(string clientId, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var revoked = await DeleteIssuedAsync(clientId, cancellationToken);
        await db.OAuthClients.Where(c => c.ClientId == clientId).ExecuteDeleteAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return revoked;
    }

    /// <summary>Stores a new authorization code.</summary>
    public async Task CreateCodeAsync(NewOAuthCode code, CancellationToken cancellationToken)
    {
        db.OAuthCodes.Add(new OAuthCodeEntity
        {
            CodeHash = code.CodeHash,
            ClientId = code.ClientId,
            UserId = code.UserId,
            RedirectUri = code.RedirectUri,
            Scopes = WriteList(code.Scopes),
            SessionId = code.SessionId,
            ExpiresAt = code.ExpiresAt,
        });
        await db.SaveOrConflictAsync(cancellationToken);
        db.ChangeTracker.Clear();
    }

    /// <summary>
    /// Redeems a code in one transaction: checks client, redirect URI and expiry, stores <paramref name="token"/> and
    /// marks the code used, so that of two concurrent redemptions exactly one gets a token. A code presented again by
    /// its own client revokes the token issued from it (RFC 6749 §4.1.2); by any other client it is only refused.
    /// </summary>
    public async Task<CodeRedemptionResult> RedeemCodeAsync(string codeHash, string clientId, string redirectUri, DateTime now,
        NewOAuthToken token, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var code = await db.OAuthCodes.AsNoTracking().FirstOrDefaultAsync(c => c.CodeHash == codeHash, cancellationToken);
        if (code is null)
        {
            return new CodeRedemptionResult(CodeRedemption.Unknown, null, null);
        }
        // The code must be the authenticated client's before anything else (RFC 6749 §4.1.3): another client
        // presenting a used code must not revoke the token its rightful client holds.
        if (!string.Equals(code.ClientId, clientId, StringComparison.Ordinal))
        {
            return new CodeRedemptionResult(CodeRedemption.Mismatch, null, null);
        }
        if (code.IssuedTokenId is { } issued)
        {
            var hash = await RevokeIssuedAsync(issued, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return new CodeRedemptionResult(CodeRedemption.Replayed, null, hash);
        }
        if (code.ExpiresAt <= now)
        {
            return new CodeRedemptionResult(CodeRedemption.Expired, null, null);
        }
        if (!string.Equals(code.RedirectUri, redirectUri, StringComparison.Ordinal))
        {
            return new CodeRedemptionResult(CodeRedemption.Mismatch, null, null);
        }
        var tokenId = await tokens.CreateAsync(token.Hash, token.Prefix, code.UserId, null, ReadList(code.Scopes), token.Note, code.SessionId,
            code.ClientId, token.Created, token.ExpiresAt, cancellationToken);
        var claimed = await db.OAuthCodes.Where(c => c.Id == code.Id && c.IssuedTokenId == null)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.IssuedTokenId, tokenId), cancellationToken);
        if (claimed == 0)
        {
            // Another request redeemed it between our read and write: this one is the replay.
            await transaction.RollbackAsync(cancellationToken);
            db.ChangeTracker.Clear();
            return await RedeemCodeAsync(codeHash, clientId, redirectUri, now, token, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        db.ChangeTracker.Clear();
        return new CodeRedemptionResult(CodeRedemption.Issued, await tokens.FindByHashAsync(token.Hash, cancellationToken), null);
    }

    /// <summary>
    /// Deletes the OAuth tokens (issued to any client other than the hub) of one user's login session (logout,
    /// as JupyterHub's <c>clear_login_cookie</c>); returns the hashes removed.
    /// </summary>
    public async Task<IReadOnlyList<string>> DeleteSessionTokensAsync(int userId, string sessionId, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var session = db.ApiTokens.Where(t => t.UserId == userId && t.SessionId == sessionId && t.ClientId != "jupyterhub");
        var hashes = await session.Select(t => t.Hash).ToListAsync(cancellationToken);
        await session.ExecuteDeleteAsync(cancellationToken);
        await db.OAuthCodes.Where(c => c.UserId == userId && c.SessionId == sessionId).ExecuteDeleteAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return hashes;
    }

    /// <summary>
    /// Deletes the OAuth tokens and codes of every login session of a user except <paramref name="keepSessionId"/> (all
    /// of them when null): a password change ends the other sessions. Returns the hashes removed.
    /// </summary>
    public async Task<IReadOnlyList<string>> DeleteOtherSessionsTokensAsync(int userId, string? keepSessionId, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var others = db.ApiTokens.Where(t => t.UserId == userId && t.SessionId != null && t.SessionId != keepSessionId && t.ClientId != "jupyterhub");
        var hashes = await others.Select(t => t.Hash).ToListAsync(cancellationToken);
        await others.ExecuteDeleteAsync(cancellationToken);
        await db.OAuthCodes.Where(c => c.UserId == userId && c.SessionId != null && c.SessionId != keepSessionId).ExecuteDeleteAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return hashes;
    }

    /// <summary>Deletes the token with this hash if <paramref name="clientId"/> was issued it; false when there was none.</summary>
    public async Task<bool> RevokeClientTokenAsync(string tokenHash, string clientId, CancellationToken cancellationToken) =>
        await db.ApiTokens.Where(t => t.Hash == tokenHash && t.ClientId == clientId).ExecuteDeleteAsync(cancellationToken) > 0;

    /// <summary>Deletes expired codes; returns how many.</summary>
    public Task<int> PurgeExpiredCodesAsync(DateTime now, CancellationToken cancellationToken) =>
        db.OAuthCodes.Where(c => c.ExpiresAt <= now).ExecuteDeleteAsync(cancellationToken);

    private async Task<IReadOnlyList<string>> DeleteIssuedAsync(string clientId, CancellationToken cancellationToken)
    {
        var issued = db.ApiTokens.Where(t => t.ClientId == clientId);
        var hashes = await issued.Select(t => t.Hash).ToListAsync(cancellationToken);
        await issued.ExecuteDeleteAsync(cancellationToken);
        await db.OAuthCodes.Where(c => c.ClientId == clientId).ExecuteDeleteAsync(cancellationToken);
        return hashes;
    }

    private async Task<string?> RevokeIssuedAsync(int tokenId, CancellationToken cancellationToken)
    {
        var hash = await db.ApiTokens.Where(t => t.Id == tokenId).Select(t => t.Hash).FirstOrDefaultAsync(cancellationToken);
        await db.ApiTokens.Where(t => t.Id == tokenId).ExecuteDeleteAsync(cancellationToken);
        return hash;
    }

    private static IReadOnlyList<string> ReadList(string json) =>
        JsonSerializer.Deserialize(json, DataJson.Default.IReadOnlyListString) ?? [];

    private static string WriteList(IReadOnlyList<string> list) =>
        JsonSerializer.Serialize(list, DataJson.Default.IReadOnlyListString);
}
