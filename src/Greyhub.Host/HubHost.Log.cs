using Greyhub.Hub;
using Microsoft.Extensions.Options;

namespace Greyhub.Host;

public static partial class HubHost
{
    /// <summary>
    /// The first lines a newcomer reads: which configuration file was read (or where none was found) and where the
    /// data goes, so a <c>greyhub.json</c> in the wrong folder is not silently ignored.
    /// </summary>
    private static void LogStart(IServiceProvider services)
    {
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Greyhub.Host");
        var dataDir = services.GetRequiredService<IOptions<HubOptions>>().Value.DataDir;
        var file = ConfigurationFile;
        if (File.Exists(file))
        {
            LogConfigurationFile(logger, file, dataDir);
        }
        else
        {
            var folder = Path.GetDirectoryName(file)!;
            LogNoConfigurationFile(logger, ConfigurationFileName, folder, dataDir);
        }
    }

    /// <summary>One line for error messages: the configuration file read, or where none was found.</summary>
    internal static string ConfigurationFileNote() => File.Exists(ConfigurationFile)
        ? $"(configuration file: {ConfigurationFile})"
        : $"(no {ConfigurationFileName} in {Directory.GetCurrentDirectory()}: defaults, environment and command line only)";

    /// <summary>A configuration file that does not parse, in one line: the file and where the parser stopped.</summary>
    internal static string Unreadable(InvalidDataException ex)
    {
        var cause = ex.InnerException;
        while (cause?.InnerException is not null)
        {
            cause = cause.InnerException;
        }
        return $"greyhub: {ex.Message} {cause?.Message}".TrimEnd();
    }

    [LoggerMessage(EventId = HostEvents.ConfigurationFile, Level = LogLevel.Information, Message = "Configuration from {File}, the environment and the command line; data in {DataDir}")]
    private static partial void LogConfigurationFile(ILogger logger, string file, string dataDir);

    [LoggerMessage(EventId = HostEvents.NoConfigurationFile, Level = LogLevel.Information,
        Message = "No {FileName} in {Folder} (the folder greyhub runs in): configuration from defaults, the environment and the command line; data in {DataDir}")]
    private static partial void LogNoConfigurationFile(ILogger logger, string fileName, string folder, string dataDir);
}
