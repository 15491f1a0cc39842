using System.CommandLine;
using Greyhub.Zarr.Compression;

namespace Greyhub.Zarr.Tools;

/// <summary>The <c>zarr</c> command and its subcommands (<c>info</c>, <c>cat</c>, <c>convert</c>, <c>bench</c>).</summary>
public static class ZarrCommand
{
    /// <summary>Builds the command tree. Registers the Blosc/Zstd/LZ4 codecs in the default codec registry.</summary>
    public static Command Create()
    {
        ZarrCompression.Register();
        var zarr = new Command("zarr", "Inspect, print, convert and benchmark Zarr v2/v3 arrays (directory, .zip or http(s) URL).");
        zarr.Subcommands.Add(InfoCommand.Create());
        zarr.Subcommands.Add(CatCommand.Create());
        zarr.Subcommands.Add(ConvertCommand.Create());
        zarr.Subcommands.Add(BenchCommand.Create());
        return zarr;
    }

    internal static Argument<string> Source(string name = "source") => new(name) { Description = "A store: directory, .zip file or http(s) URL." };

    internal static Option<string> NodePath() => new("--path") { Description = "Path of the array or group inside the store.", DefaultValueFactory = _ => "" };

    /// <summary>Runs an action, turning failures into one line on stderr and exit code 1.</summary>
    internal static async Task<int> RunAsync(ParseResult parse, Func<TextWriter, CancellationToken, Task> action, CancellationToken cancellationToken)
    {
        var output = parse.InvocationConfiguration.Output;
        var error = parse.InvocationConfiguration.Error;
        try
        {
            await action(output, cancellationToken);
            return 0;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await error.WriteLineAsync("zarr: cancelled");
            return 130;
        }
        catch (Exception e) when (e is ZarrException or IOException or UnauthorizedAccessException or HttpRequestException or ArgumentException or FormatException or InvalidOperationException)
        {
            await error.WriteLineAsync("zarr: error: " + e.Message.ReplaceLineEndings(" "));
            return 1;
        }
    }
}
