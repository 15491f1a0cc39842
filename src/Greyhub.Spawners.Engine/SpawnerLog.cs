using Microsoft.Extensions.Logging;

namespace Greyhub.Spawners.Engine;

/// <summary>The engine-backed spawner's log lines, with stable event ids (52xx).</summary>
internal static partial class SpawnerLog
{
    [LoggerMessage(EventId = 5200, Level = LogLevel.Error,
        Message = "{Who} cannot start: their program {Program} is not on this machine (PATH {Path}). {Hint}")]
    public static partial void CommandMissing(ILogger logger, string who, string program, string path, string hint);

    [LoggerMessage(EventId = 5201, Level = LogLevel.Information,
        Message = "Servers running {Program} ({Packages}) open {Ui}; Greyhub:Spawner:Ui or DefaultUrl picks another")]
    public static partial void UiDetected(ILogger logger, string program, string packages, string ui);

    [LoggerMessage(EventId = 5202, Level = LogLevel.Error,
        Message = "Servers running {Program} have no web application to run ({Packages}): install one, e.g. apt-get install python3-notebook on Debian")]
    public static partial void NoApplication(ILogger logger, string program, string packages);

    [LoggerMessage(EventId = 5203, Level = LogLevel.Warning,
        Message = "Which Jupyter applications {Program} has could not be found out ({Reason}); servers open the single-user server's default page, so set Greyhub:Spawner:Ui")]
    public static partial void ProbeFailed(ILogger logger, string program, string reason);

    [LoggerMessage(EventId = 5204, Level = LogLevel.Information,
        Message = "Servers run on the {Engine} engine, not on this machine, so their web UI is not found out here: they open the single-user server's default page unless Greyhub:Spawner:Ui (lab, notebook, classic, server) or DefaultUrl says")]
    public static partial void UiNotDetected(ILogger logger, string engine);

    [LoggerMessage(EventId = 5205, Level = LogLevel.Information,
        Message = "{Program} is not a Python script, so its web UI is not found out; servers open its default page unless Greyhub:Spawner:Ui or DefaultUrl says")]
    public static partial void NotPython(ILogger logger, string program);

    [LoggerMessage(EventId = 5206, Level = LogLevel.Warning, Message = "The start-up check of the servers' command failed; servers are checked when they start")]
    public static partial void CheckFailed(ILogger logger, Exception exception);
}
