using Microsoft.Extensions.Logging;

namespace Greyhub.Data.Access.Stac;

internal sealed partial class DatasetExtents
{
    [LoggerMessage(EventId = 1801, Level = LogLevel.Warning, Message = "STAC: the extent of dataset {Dataset} could not be read: {Reason}")]
    private partial void LogUnreadable(string dataset, string reason, Exception? exception);
}
