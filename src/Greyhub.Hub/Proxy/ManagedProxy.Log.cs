using Microsoft.Extensions.Logging;

namespace Greyhub.Hub.Proxy;

internal sealed partial class ManagedProxy
{
    private static partial class Log
    {
        [LoggerMessage(EventId = HubEvents.ProxyStarting, Level = LogLevel.Information, Message = "Starting the proxy: {Command}")]
        public static partial void Starting(ILogger logger, string command);

        [LoggerMessage(EventId = HubEvents.ProxyReady, Level = LogLevel.Information, Message = "Proxy [{Pid}] proxying at {Public}, its API at {Api}")]
        public static partial void Ready(ILogger logger, int pid, Uri @public, Uri api);

        [LoggerMessage(EventId = HubEvents.ProxyReused, Level = LogLevel.Information, Message = "Reusing the running proxy [{Pid}] at {Api}")]
        public static partial void Reused(ILogger logger, int pid, Uri api);

        [LoggerMessage(EventId = HubEvents.ProxyReusedWithoutPid, Level = LogLevel.Warning,
            Message = "Reusing the proxy answering at {Api}; no pid file names it, so it is not restarted if it dies")]
        public static partial void ReusedWithoutPid(ILogger logger, Uri api);

        [LoggerMessage(EventId = HubEvents.ProxyDied, Level = LogLevel.Error, Message = "Proxy [{Pid}] stopped with exit code {ExitCode}; restarting it")]
        public static partial void Died(ILogger logger, int pid, string exitCode);

        [LoggerMessage(EventId = HubEvents.ProxyStopping, Level = LogLevel.Information, Message = "Stopping the proxy [{Pid}]")]
        public static partial void Stopping(ILogger logger, int pid);

        [LoggerMessage(EventId = HubEvents.ProxyLeftoverEnded, Level = LogLevel.Warning, Message = "Ending the proxy [{Pid}] of the pid file: its API does not answer")]
        public static partial void LeftoverEnded(ILogger logger, int pid);
    }
}
