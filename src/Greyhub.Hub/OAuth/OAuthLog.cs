using Microsoft.Extensions.Logging;

namespace Greyhub.Hub.OAuth;

/// <summary>The OAuth provider's log lines, with stable event ids (500–519).</summary>
internal static partial class OAuthLog
{
    [LoggerMessage(EventId = 500, Level = LogLevel.Information, Message = "OAuth client {ClientId} registered ({Revoked} earlier tokens revoked)")]
    public static partial void ClientRegistered(ILogger logger, string clientId, int revoked);

    [LoggerMessage(EventId = 501, Level = LogLevel.Information, Message = "OAuth client {ClientId} removed ({Revoked} tokens revoked)")]
    public static partial void ClientRemoved(ILogger logger, string clientId, int revoked);

    [LoggerMessage(EventId = 502, Level = LogLevel.Debug, Message = "OAuth code issued to {ClientId} for {User}")]
    public static partial void CodeIssued(ILogger logger, string clientId, string user);

    [LoggerMessage(EventId = 503, Level = LogLevel.Information, Message = "OAuth token a{TokenId} issued to {ClientId} for {User}")]
    public static partial void TokenIssued(ILogger logger, int tokenId, string clientId, string? user);

    [LoggerMessage(EventId = 504, Level = LogLevel.Warning, Message = "OAuth code presented again by {ClientId}; the token issued from it was revoked")]
    public static partial void CodeReplayed(ILogger logger, string clientId);

    [LoggerMessage(EventId = 505, Level = LogLevel.Information, Message = "OAuth code refused for {ClientId}: {Reason}")]
    public static partial void CodeRefused(ILogger logger, string clientId, string reason);

    [LoggerMessage(EventId = 506, Level = LogLevel.Warning, Message = "OAuth client authentication failed for {ClientPrefix}")]
    public static partial void ClientAuthenticationFailed(ILogger logger, string clientPrefix);

    [LoggerMessage(EventId = 507, Level = LogLevel.Information, Message = "User {User} refused access to OAuth client {ClientId}")]
    public static partial void AccessRefused(ILogger logger, string user, string clientId);

    [LoggerMessage(EventId = 508, Level = LogLevel.Debug, Message = "Logout revoked {Count} OAuth tokens of a session of user id {UserId}")]
    public static partial void SessionTokensRevoked(ILogger logger, int count, int userId);
}
