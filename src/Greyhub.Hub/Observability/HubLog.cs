using Microsoft.Extensions.Logging;

namespace Greyhub.Hub.Observability;

/// <summary>The hub's audit-style log lines; their ids are in <see cref="HubEvents"/>.</summary>
internal static partial class HubLog
{
    [LoggerMessage(EventId = HubEvents.LoginSucceeded, Level = LogLevel.Information, Message = "User {User} logged in from {Client}")]
    public static partial void LoginSucceeded(ILogger logger, string user, string client);

    // The name tried is never logged: it is often a password typed in the wrong box.
    [LoggerMessage(EventId = HubEvents.AuthenticatorUnavailable, Level = LogLevel.Error, Message = "Login refused: authenticator {Authenticator} is unavailable: {Cause}")]
    public static partial void AuthenticatorUnavailable(ILogger logger, string authenticator, string cause);

    [LoggerMessage(EventId = HubEvents.LoginFailed, Level = LogLevel.Warning, Message = "Failed login from {Client}")]
    public static partial void LoginFailed(ILogger logger, string client);

    [LoggerMessage(EventId = HubEvents.LoginThrottled, Level = LogLevel.Warning, Message = "Login throttled from {Client} for {Seconds} s")]
    public static partial void LoginThrottled(ILogger logger, string client, int seconds);

    [LoggerMessage(EventId = HubEvents.PasswordChanged, Level = LogLevel.Information, Message = "User {User} changed their password from {Client}")]
    public static partial void PasswordChanged(ILogger logger, string user, string client);

    [LoggerMessage(EventId = HubEvents.PasswordChangeRefused, Level = LogLevel.Warning, Message = "Password change of {User} refused from {Client}: wrong current password")]
    public static partial void PasswordChangeRefused(ILogger logger, string user, string client);

    [LoggerMessage(EventId = HubEvents.LoggedOut, Level = LogLevel.Information, Message = "User {User} logged out")]
    public static partial void LoggedOut(ILogger logger, string user);

    [LoggerMessage(EventId = HubEvents.TokenIssued, Level = LogLevel.Information, Message = "Token a{TokenId} issued for {Owner} ({Note})")]
    public static partial void TokenIssued(ILogger logger, int tokenId, string owner, string? note);

    [LoggerMessage(EventId = HubEvents.TokenRevoked, Level = LogLevel.Information, Message = "Token a{TokenId} revoked")]
    public static partial void TokenRevoked(ILogger logger, int tokenId);

    /// <summary>A bounded, printable prefix of untrusted text for a log line.</summary>
    public static string Bounded(string text) =>
        new(text.Take(32).Select(c => char.IsControl(c) ? '?' : c).ToArray());
}
