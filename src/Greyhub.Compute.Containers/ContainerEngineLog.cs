using Microsoft.Extensions.Logging;

namespace Greyhub.Compute.Containers;

/// <summary>The containers engine's log lines, with stable event ids (700–719).</summary>
internal static partial class ContainerEngineLog
{
    [LoggerMessage(EventId = 700, Level = LogLevel.Information, Message = "Container {Container} ({Id}) of job {Job} started from image {Image}")]
    public static partial void Launched(ILogger logger, string container, string id, string job, string image);

    [LoggerMessage(EventId = 701, Level = LogLevel.Information, Message = "Container {Id} stopped (exit code {ExitCode}) and removed; its log was kept in {LogPath}")]
    public static partial void Stopped(ILogger logger, string id, long exitCode, string logPath);

    [LoggerMessage(EventId = 702, Level = LogLevel.Warning, Message = "Container {Id} does not carry this hub's marker (greyhub.managed=true, greyhub.instance={Instance}); it was left alone")]
    public static partial void NotOurs(ILogger logger, string id, string instance);

    [LoggerMessage(EventId = 703, Level = LogLevel.Warning, Message = "Container {Id} of job {Job} was created but did not start; it was removed")]
    public static partial void StartFailed(ILogger logger, Exception exception, string id, string job);

    [LoggerMessage(EventId = 704, Level = LogLevel.Warning, Message = "The log of container {Id} could not be saved before its removal")]
    public static partial void LogNotSaved(ILogger logger, Exception exception, string id);

    [LoggerMessage(EventId = 706, Level = LogLevel.Debug, Message = "Listing containers failed once and is repeated: {Response}")]
    public static partial void ListRetried(ILogger logger, string response);

    [LoggerMessage(EventId = 705, Level = LogLevel.Debug, Message = "Status of {Count} jobs from one list of {Listed} containers")]
    public static partial void StatusListed(ILogger logger, int count, int listed);
}
