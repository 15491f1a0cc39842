using Microsoft.Extensions.Logging;

namespace Greyhub.Compute.Slurm;

/// <summary>The Slurm engine's log lines, with stable event ids.</summary>
internal static partial class SlurmLog
{
    [LoggerMessage(EventId = 5100, Level = LogLevel.Information, Message = "Slurm job {JobId} submitted for {Name} ({Folder})")]
    public static partial void Submitted(ILogger logger, string jobId, string name, string folder);

    [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "Stopping Slurm job {JobId} (SIGTERM, grace {Grace})")]
    public static partial void Stopping(ILogger logger, string jobId, TimeSpan grace);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Warning, Message = "Slurm job {JobId} outlived its grace; cancelling it")]
    public static partial void Forcing(ILogger logger, string jobId);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Warning, Message = "Slurm job {JobId} is not Greyhub's (comment {Comment}); leaving it alone")]
    public static partial void Foreign(ILogger logger, string jobId, string? comment);

    [LoggerMessage(EventId = 5104, Level = LogLevel.Information, Message = "Slurm job {JobId} reported its endpoint {Host}:{Port}")]
    public static partial void EndpointAccepted(ILogger logger, string jobId, string host, int port);

    [LoggerMessage(EventId = 5105, Level = LogLevel.Warning, Message = "Signalling Slurm job {JobId} failed; it may have ended: {Message}")]
    public static partial void SignalFailed(ILogger logger, string jobId, string message);
}
