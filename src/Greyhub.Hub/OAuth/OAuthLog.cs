using Microsoft.Extensions.Logging;

namespace Greyhub.Hub.OAuth;

/// <summary>The OAuth provider's log lines; their ids are in <see cref="HubEvents"/>.</summary>
internal static partial class OAuthLog
{
    [LoggerMessage(EventId = HubEvents.OAuthClientRegistered, Level = LogLevel.Information, Message = "OAuth client {ClientId} registered ({Revoked} earlier tokens revoked)")]
    public static partial void ClientRegistered(ILogger logger, string clientId, int revoked);

    [LoggerMessage(EventId = HubEvents.OAuthClientRemoved, Level = LogLevel.Information, Message = "OAuth client {ClientId} removed ({Revoked} tokens revoked)")]
    public static partial void ClientRemoved(ILogger logger, string clientId, int revoked);

    [LoggerMessage(EventId = HubEvents.OAuthCodeIssued, Level = LogLevel.Debug, Message = "OAuth code issued to {ClientId} for user id {UserId}")]
    public static partial void CodeIssued(ILogger logger, string clientId, int userId);

    [LoggerMessage(EventId = HubEvents.OAuthTokenIssued, Level = LogLevel.Information, Message = "OAuth token a{TokenId} issued to {ClientId} for {User}")]
    public static partial void TokenIssued(ILogger logger, int tokenId, string clientId, string? user);

    [LoggerMessage(EventId = HubEvents.OAuthCodeReplayed, Level = LogLevel.Warning, Message = "OAuth code presented again by {ClientId}; the token issued from it was revoked")]
    public static partial void CodeReplayed(ILogger logger, string clientId);

    [LoggerMessage(EventId = HubEvents.OAuthCodeRefused, Level = LogLevel.Information, Message = "OAuth code refused for {ClientId}: {Reason}")]
    public static partial void CodeRefused(ILogger logger, string clientId, string reason);

    [LoggerMessage(EventId = HubEvents.OAuthClientAuthenticationFailed, Level = LogLevel.Warning, Message = "OAuth client authentication failed for {ClientPrefix}")]
    public static partial void ClientAuthenticationFailed(ILogger logger, string clientPrefix);

    [LoggerMessage(EventId = HubEvents.OAuthAccessRefused, Level = LogLevel.Information, Message = "User {User} refused access to OAuth client {ClientId}")]
    public static partial void AccessRefused(ILogger logger, string user, string clientId);

    [LoggerMessage(EventId = HubEvents.OAuthSessionTokensRevoked, Level = LogLevel.Debug, Message = "Logout revoked {Count} OAuth tokens of a session of user id {UserId}")]
    public static partial void SessionTokensRevoked(ILogger logger, int count, int userId);
}
