using Microsoft.Extensions.Logging;

namespace Greyhub.Data.Access.Serving;

internal sealed partial class DatasetFiles
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Dataset keys are opened with {Open}, described with {Stat}")]
    private static partial void LogModes(ILogger logger, string open, string stat);
}
