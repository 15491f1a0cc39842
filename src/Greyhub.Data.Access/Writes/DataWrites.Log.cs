using Microsoft.Extensions.Logging;

namespace Greyhub.Data.Access.Writes;

internal static partial class DataWrites
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Dataset {Dataset}: key '{Key}' written ({Bytes} bytes) by {Who}")]
    private static partial void LogWritten(ILogger logger, string dataset, string key, long bytes, string who);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Dataset {Dataset}: key '{Key}' deleted by {Who}")]
    private static partial void LogDeleted(ILogger logger, string dataset, string key, string who);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Dataset {Dataset}: key '{Key}' could not be written or deleted: {Reason}")]
    private static partial void LogFailed(ILogger logger, string dataset, string key, string reason, Exception exception);
}
