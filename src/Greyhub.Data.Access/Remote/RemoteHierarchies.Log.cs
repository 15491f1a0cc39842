using Microsoft.Extensions.Logging;

namespace Greyhub.Data.Access.Remote;

internal sealed partial class RemoteHierarchies
{
    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "Remote dataset {Dataset} ({Url}): {Count} metadata documents read with {Requests} requests, {Bytes} bytes (consolidated by the remote: {Consolidated})")]
    private partial void LogRead(string dataset, string url, int count, int requests, long bytes, bool consolidated);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "Remote dataset {Dataset} ({Url}): its hierarchy could not be read: {Reason}")]
    private partial void LogFailed(string dataset, string url, string reason);
}
