namespace Greyhub.Host;

/// <summary>Process-wide runtime settings the greyhub executable chooses for itself.</summary>
internal static class RuntimeSwitches
{
    /// <summary>The runtime's switch for running socket completions inline on its event thread.</summary>
    public const string InlineSocketCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>The runtime's switch for how many socket event threads it runs.</summary>
    public const string SocketThreadCount = "DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT";
}
