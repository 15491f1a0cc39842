using Microsoft.Extensions.Logging;

namespace Greyhub.Hub.Services;

/// <summary>The services' log lines; their ids are in <see cref="HubEvents"/>.</summary>
internal static partial class ServicesLog
{
    [LoggerMessage(EventId = HubEvents.ServiceStarting, Level = LogLevel.Information, Message = "Starting service {Name}: {CommandLine}")]
    public static partial void Starting(ILogger logger, string name, string commandLine);

    [LoggerMessage(EventId = HubEvents.ServiceStarted, Level = LogLevel.Information, Message = "Service {Name} runs as process {Pid}")]
    public static partial void Started(ILogger logger, string name, int pid);

    [LoggerMessage(EventId = HubEvents.ServiceDied, Level = LogLevel.Error, Message = "Service {Name} (process {Pid}) exited with status {ExitCode}; restarting it in {Delay}")]
    public static partial void Died(ILogger logger, string name, int pid, int exitCode, TimeSpan delay);

    [LoggerMessage(EventId = HubEvents.ServiceStartFailed, Level = LogLevel.Error, Message = "Service {Name} could not be started: {Reason}")]
    public static partial void StartFailed(ILogger logger, string name, string reason);

    [LoggerMessage(EventId = HubEvents.ServiceStopping, Level = LogLevel.Information, Message = "Stopping service {Name} (process {Pid})")]
    public static partial void Stopping(ILogger logger, string name, int pid);

    [LoggerMessage(EventId = HubEvents.ServiceOutput, Level = LogLevel.Information, Message = "service {Name}: {Line}")]
    public static partial void Output(ILogger logger, string name, string line);

    [LoggerMessage(EventId = HubEvents.ServiceLeftoverEnded, Level = LogLevel.Warning, Message = "Ended process {Pid} of service {Name}, left running by an earlier hub")]
    public static partial void LeftoverEnded(ILogger logger, string name, int pid);

    [LoggerMessage(EventId = HubEvents.ServiceAdded, Level = LogLevel.Information, Message = "Service {Name} added through the API (url '{Url}')")]
    public static partial void Added(ILogger logger, string name, string url);

    [LoggerMessage(EventId = HubEvents.ServiceRemoved, Level = LogLevel.Information, Message = "Service {Name} removed through the API")]
    public static partial void Removed(ILogger logger, string name);

    [LoggerMessage(EventId = HubEvents.ServiceShadowed, Level = LogLevel.Warning, Message = "Service {Name} added through the API is now defined in configuration; the configured one replaces it")]
    public static partial void Shadowed(ILogger logger, string name);

    [LoggerMessage(EventId = HubEvents.ServiceWithoutClientSecret, Level = LogLevel.Warning, Message = "Service {Name} has a URL but no api token: it gets no OAuth client")]
    public static partial void WithoutClientSecret(ILogger logger, string name);

    [LoggerMessage(EventId = HubEvents.ServiceRouteFailed, Level = LogLevel.Warning, Message = "The route of service {Name} could not be changed now; the next route check will")]
    public static partial void RouteFailed(ILogger logger, Exception error, string name);

    [LoggerMessage(EventId = HubEvents.ServiceClientRemoved, Level = LogLevel.Information, Message = "Removed OAuth client {ClientId}: its service is gone")]
    public static partial void ClientRemoved(ILogger logger, string clientId);
}
