using System.CommandLine;

namespace Greyhub.Host;

/// <summary>Commands contributed by bricks (e.g. <c>greyhub zarr</c>, <c>greyhub proxy</c>).</summary>
internal static class ExtraCommands
{
    public static IEnumerable<Command> All()
    {
        yield return Greyhub.Zarr.Tools.ZarrCommand.Create();
        yield return ProxyCommand.Create();
    }
}
