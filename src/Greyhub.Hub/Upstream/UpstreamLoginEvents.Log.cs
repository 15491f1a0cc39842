using Microsoft.Extensions.Logging;

namespace Greyhub.Hub.Upstream;

internal sealed partial class UpstreamLoginEvents
{
    private static partial class Log
    {
        [LoggerMessage(EventId = HubEvents.UpstreamLoginSucceeded, Level = LogLevel.Information, Message = "User {User} logged in through {Provider} from {Client}")]
        public static partial void Succeeded(ILogger logger, string user, string provider, string client);

        [LoggerMessage(EventId = HubEvents.UpstreamLoginRefused, Level = LogLevel.Warning, Message = "Login through {Provider} refused for {User} ({Reason}) from {Client}")]
        public static partial void Refused(ILogger logger, string provider, string user, UpstreamRefusal reason, string client);

        [LoggerMessage(EventId = HubEvents.UpstreamLoginFailed, Level = LogLevel.Warning, Message = "Login through {Provider} failed from {Client}: {Reason}")]
        public static partial void Failed(ILogger logger, string provider, string client, string reason);
    }
}
