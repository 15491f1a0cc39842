using Microsoft.Extensions.Logging;

namespace Greyhub.Data.Access.Remote;

internal sealed partial class RemoteStores
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Remote dataset {Dataset}, key '{Key}': {Reason}")]
    private partial void LogRefused(string dataset, string key, string reason);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Remote dataset {Dataset}, key '{Key}': no answer within {Timeout}")]
    private partial void LogTimeout(string dataset, string key, TimeSpan timeout);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Remote dataset {Dataset}, key '{Key}': unreachable: {Reason}")]
    private partial void LogUnreachable(string dataset, string key, string reason, Exception exception);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Remote dataset {Dataset}, key '{Key}': the answer was cut: {Reason}")]
    private partial void LogCut(string dataset, string key, string reason);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Remote dataset {Dataset}: reading {Url} failed: {Reason}")]
    private partial void LogRead(string dataset, string url, string reason);
}
