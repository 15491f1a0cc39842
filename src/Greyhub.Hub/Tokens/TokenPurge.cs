using Greyhub.Data.Stores;

namespace Greyhub.Hub.Tokens;

/// <summary>One run of <see cref="TokenPurgeJob"/>, in the run's own scope.</summary>
internal sealed class TokenPurge(TokenStore tokens, OAuthStore oauth, TimeProvider time)
{
    /// <summary>Deletes expired tokens and OAuth codes; returns how many.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return await tokens.PurgeExpiredAsync(now, cancellationToken) + await oauth.PurgeExpiredCodesAsync(now, cancellationToken);
    }
}
